"""Training, evaluating and choosing models: what the admin commands do, without the terminal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from classifier import ESCALATION_RECALL
from classifier.dataset import Dataset
from classifier.errors import ModelRefused
from classifier.metrics import check_labels_overlap, evaluate_model
from classifier.model import DEFAULT_FEATURES
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
    features: str = DEFAULT_FEATURES,
    escalation_recall: float = ESCALATION_RECALL,
    thresholds_from: Dataset | None = None,
) -> TrainingOutcome:
    """Train, save a new version, and activate it only if it is no worse than the active one."""
    run = train(
        data,
        oos_label=oos_label,
        progress=progress,
        features=features,
        escalation_recall=escalation_recall,
        thresholds_from=thresholds_from,
    )
    training_data = {
        "source": data.source,
        "sha256": data.sha256,
        "rows": len(data),
        "oos_label": oos_label,
        "thresholds_from": None if thresholds_from is None else thresholds_from.source,
    }
    manifest = registry.save(run.model, training_data, run.metrics)
    activated, reason, active_metrics = _gate(registry, run, manifest, force)
    if activated:
        registry.activate(manifest.version)
    return TrainingOutcome(run, manifest, activated, reason, active_metrics)


def label_difference(desk: list[str], candidate: list[str]) -> str | None:
    """How a candidate's categories differ from the desk's, in words; None if they do not."""
    missing, extra = sorted(set(desk) - set(candidate)), sorted(set(candidate) - set(desk))
    parts = []
    if missing:
        parts.append(f"lacks {', '.join(missing)}")
    if extra:
        parts.append(f"adds {', '.join(extra)}")
    return " and ".join(parts) or None


def activate_version(registry: ModelRegistry, version: str, force: bool = False) -> Manifest:
    """Make a saved version active once it loads; refused if its categories differ from the
    desk's (the active model's) unless ``force``."""
    registry.load(version)
    active = registry.active_version()
    if active is not None and active != version and not force:
        desk = registry.manifest(active).labels
        difference = label_difference(desk, registry.manifest(version).labels)
        if difference is not None:
            raise ModelRefused(
                f"against the desk's categories (model {active}), model {version} "
                f"{difference}; use --force to activate it anyway"
            )
    return registry.activate(version)


def score_name(metrics: dict[str, Any]) -> str:
    """What a model's ``score`` (the figure `triage models list` shows) measures."""
    return "in-scope accuracy" if "in_scope_accuracy" in metrics else "macro-F1"


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
    difference = label_difference(active_manifest.labels, manifest.labels)
    if difference is not None:
        if force:
            return (
                True,
                f"activated with --force although, against the active model {active}, it "
                f"{difference}",
                None,
            )
        return (
            False,
            f"against the active model {active}, it {difference}; use --force to activate it",
            None,
        )
    # Like with like: both models' verdicts on the same held-back rows, the same figure.
    active_metrics = evaluate_model(active_model, run.held_out, run.oos_label, active)
    new_score, old_score = run.metrics["score"], active_metrics["score"]
    figure = f"{score_name(run.metrics)} on the same {len(run.held_out)} held-back rows"
    if new_score < old_score and not force:
        return (
            False,
            f"its {figure} is {new_score:.3f}, the active model {active}'s {old_score:.3f}; "
            "use --force to activate it anyway",
            active_metrics,
        )
    note = " (--force)" if new_score < old_score else ""
    return (
        True,
        f"its {figure} is {new_score:.3f} against the active model's {old_score:.3f}{note}",
        active_metrics,
    )


def evaluate_version(
    registry: ModelRegistry, data: Dataset, version: str | None, oos_label: str | None
) -> tuple[Manifest, dict[str, Any]]:
    """The figures of a saved version (the active one by default) on a data file."""
    model, manifest = registry.load(version)
    label = oos_label or manifest.training_data.get("oos_label")
    check_labels_overlap(model, data, label)
    return manifest, evaluate_model(model, data, label, manifest.version)
