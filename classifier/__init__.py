"""Triage classifier: category, escalation and priority of an enquiry, and its model registry."""

from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_TRAINING_DATA = DATA_DIR / "enquiries.csv"
# A missed incident costs far more than an extra handoff: the escalation threshold is the
# highest that keeps this recall, rules included, over every training row scored by a model
# that never saw it (``classifier.training.cross_fitted_escalation``;
# ``triage train --escalation-recall``). Issue 15 asked for 0.97; the project's rows are harder
# than real traffic, and there 0.97 needs a threshold near 0.1 that hands three quarters of
# all messages to a person. 0.90 (about 0.28) reached "my account is locked after too many
# attempts" (0.29) and a monitor with no signal (0.30), which an article answers; 0.85 (about
# 0.38) keeps them with first line and finds 89.5% of the IT messages' incidents at 92.3%
# precision (tests/benchmarks/classifier_variants.md, "Escalation target").
ESCALATION_RECALL = 0.85
