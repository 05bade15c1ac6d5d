"""Triage classifier: category, escalation and priority of an enquiry, and its model registry."""

from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_TRAINING_DATA = DATA_DIR / "enquiries.csv"
