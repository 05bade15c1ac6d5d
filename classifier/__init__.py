"""Triage classifier: category, escalation and priority of an enquiry, and its model registry."""

from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_TRAINING_DATA = DATA_DIR / "enquiries.csv"
# A missed incident costs far more than an extra handoff: the escalation threshold is the
# highest that keeps this recall on held-back rows (``triage train --escalation-recall``).
ESCALATION_RECALL = 0.97
