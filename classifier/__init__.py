"""Triage classifier: category, escalation and priority of an enquiry, and its model registry."""

from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_TRAINING_DATA = DATA_DIR / "enquiries.csv"
# A missed incident costs far more than an extra handoff: the escalation threshold is the
# highest that keeps this recall on held-back rows (``triage train --escalation-recall``).
# Not 0.97: the project's own held-back rows are harder than real traffic, and there 0.97
# needs a threshold near 0.12 that hands 70% of messages to a person ("my password expired"
# among them). 0.80 gives about 0.44 there, keeping a flickering screen or an access-denied
# share with first line (tests/conversations), near the 0.4 at which issue 15's independent
# IT messages had 93.3% recall and 97.7% precision (tests/benchmarks/classifier_variants.md).
ESCALATION_RECALL = 0.80
