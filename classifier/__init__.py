"""Triage classifier: category, escalation and priority of an enquiry, and its model registry."""

from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_TRAINING_DATA = DATA_DIR / "enquiries.csv"
# A missed incident costs far more than an extra handoff: the escalation threshold is the
# highest that keeps this recall on held-back rows (``triage train --escalation-recall``).
# Issue 15 asked for 0.97; the project's own held-back rows are harder than real traffic, and
# there 0.97 needs a threshold near 0.11 that hands two thirds of all messages to a person.
# 0.90 (about 0.32 there, 48% of messages) was chosen on the 160 IT messages, our validation
# set for real desk traffic: 94.0% recall at 90.0% precision, against 77.6% / 91.2% at 0.80
# and 95.5% / 72.7% at 0.95 (tests/benchmarks/classifier_variants.md).
ESCALATION_RECALL = 0.90
