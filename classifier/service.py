"""Training, evaluating and choosing models: what the admin commands do, without the terminal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from classifier.dataset import Dataset
from classifier.errors import ModelRefused
from classifier.metrics import evaluate_model
from classifier.registry import Manifest, ModelRegistry
from classifier.training import Progress, TrainingRun, train


@dataclass(frozen=True)
class TrainingOutcome:
    """A saved version, whether it became active, and why."""

    run: TrainingRun
    manifest: Manifest
    activated: bool
    reason: str
    active_metrics: dict[str, Any] | None


def train_and_register(
    registry: ModelRegistry,
    data: Dataset,
    oos_label: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
    features: str = "tfidf",
) -> TrainingOutcome:
    """Train, save a new version, and activate it only if it is no worse than the active one."""
    run = train(data, oos_label=oos_label, progress=progress, features=features)
    training_data = {
        "source": data.source,
        "sha256": data.sha256,
        "rows": len(data),
        "oos_label": oos_label,
    }
    manifest = registry.save(run.model, training_data, run.metrics)
    activated, reason, active_metrics = _gate(registry, run, manifest, force)
    if activated:
        registry.activate(manifest.version)
    return TrainingOutcome(run, manifest, activated, reason, active_metrics)


def _gate(
    registry: ModelRegistry, run: TrainingRun, manifest: Manifest, force: bool
) -> tuple[bool, str, dict[str, Any] | None]:
    active = registry.active_version()
    if active is None:
        return True, "no model was active yet", None
    try:
        active_model, active_manifest = registry.load(active)
    except ModelRefused as refused:
        return True, f"the active model cannot be used ({refused})", None
    if sorted(active_manifest.labels) != sorted(manifest.labels):
        if force:
            return (
                True,
                "activated with --force although its labels differ from the active model's",
                None,
            )
        return (
            False,
            f"its labels differ from the active model {active}'s; use --force to activate it",
            None,
        )
    active_metrics = evaluate_model(active_model, run.held_out, run.oos_label)
    new_score, old_score = run.metrics["score"], active_metrics["score"]
    if new_score < old_score and not force:
        return (
            False,
            f"it scores {new_score:.3f} on the held-back rows, the active model {active} "
            f"scores {old_score:.3f}; use --force to activate it anyway",
            active_metrics,
        )
    note = " (--force)" if new_score < old_score else ""
    return (
        True,
        f"it scores {new_score:.3f} against the active model's {old_score:.3f}{note}",
        active_metrics,
    )


def evaluate_version(
    registry: ModelRegistry, data: Dataset, version: str | None, oos_label: str | None
) -> tuple[Manifest, dict[str, Any]]:
    """The figures of a saved version (the active one by default) on a data file."""
    model, manifest = registry.load(version)
    label = oos_label or manifest.training_data.get("oos_label")
    return manifest, evaluate_model(model, data, label)
