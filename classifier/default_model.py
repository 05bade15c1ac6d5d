"""The model a fresh install starts with: trained on the project's own data on first start."""

from __future__ import annotations

from classifier import DEFAULT_TRAINING_DATA
from classifier.dataset import read_dataset
from classifier.registry import Manifest, ModelRegistry
from classifier.service import train_and_register
from classifier.training import Progress


def ensure_default_model(
    registry: ModelRegistry, progress: Progress | None = None
) -> Manifest | None:
    """Train and activate the default model when no version is active; None if one already is."""
    if registry.active_version() is not None:
        return None
    say = progress or (lambda _: None)
    say("first start: training the triage model on the project's data")
    outcome = train_and_register(registry, read_dataset(DEFAULT_TRAINING_DATA), progress=say)
    return outcome.manifest
