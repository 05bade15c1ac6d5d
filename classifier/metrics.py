"""Measuring what users get: the desk's verdicts (rules, model, stored thresholds) on data."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support

from bot.core.domain import TriageVerdict
from classifier.dataset import Dataset
from classifier.errors import DatasetError
from classifier.model import TriageModel
from classifier.triage import desk_verdict

CONFUSED_PAIRS_SHOWN = 5
OUT_OF_SCOPE = "(out of scope)"
LABELS_SHOWN = 6


def _round(value: float) -> float:
    return round(float(value), 4)


def desk_verdicts(
    model: TriageModel, texts: tuple[str, ...], version: str | None = None
) -> list[TriageVerdict]:
    """Each text's verdict as the live desk gives it."""
    return [desk_verdict(text, model.explain(text), version) for text in texts]


def check_labels_overlap(model: TriageModel, data: Dataset, oos_label: str | None) -> None:
    """Refuse, in one line, a file whose labels share nothing with the model's."""
    labels = set(data.labels) - {oos_label}
    known = {str(label) for label in model.classes_}
    if labels and not labels & known:

        def sample(names: set[str]) -> str:
            shown = sorted(names)[:LABELS_SHOWN]
            return ", ".join(shown) + (", ..." if len(names) > LABELS_SHOWN else "")

        raise DatasetError(
            f"the labels of {data.source} ({sample(labels)}) share nothing with the model's "
            f"({sample(known)}): nothing to score"
        )


def evaluate_model(
    model: TriageModel, data: Dataset, oos_label: str | None = None, version: str | None = None
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class figures and confused pairs of the desk's categories, and,
    where the data allows, out-of-scope, escalation and priority figures.

    A message the desk calls out of scope counts as wrong when it was in scope.
    """
    verdicts = desk_verdicts(model, data.texts, version)
    labels = np.asarray(data.labels)
    in_scope = labels != oos_label if oos_label is not None else np.ones(len(labels), bool)
    said = np.asarray([verdict.category or OUT_OF_SCOPE for verdict in verdicts], dtype=object)
    rejected = np.asarray([verdict.category is None for verdict in verdicts])
    truth, guess = labels[in_scope], said[in_scope]
    known = sorted((set(truth) | set(guess)) - {OUT_OF_SCOPE})  # rejections: in most_confused
    precision, recall, _, support = precision_recall_fscore_support(
        truth, guess, labels=known, zero_division=0
    )
    confused = Counter((t, g) for t, g in zip(truth, guess, strict=True) if t != g)
    metrics: dict[str, Any] = {
        "rows": len(labels),
        "accuracy": _round((truth == guess).mean()) if len(truth) else 0.0,
        "macro_f1": _round(
            f1_score(truth, guess, labels=sorted(set(truth)), average="macro", zero_division=0)
        ),
        "per_class": {
            label: {"precision": _round(p), "recall": _round(r), "support": int(s)}
            for label, p, r, s in zip(known, precision, recall, support, strict=True)
        },
        "most_confused": [
            {"true": str(t), "predicted": str(g), "count": int(n)}
            for (t, g), n in confused.most_common(CONFUSED_PAIRS_SHOWN)
        ],
    }
    if oos_label is not None:
        metrics["in_scope_accuracy"] = metrics["accuracy"]
        out = ~in_scope
        metrics["out_of_scope_recall"] = _round(rejected[out].sum() / max(out.sum(), 1))
        metrics["out_of_scope_threshold"] = _round(model.out_of_scope_threshold)
    if data.escalate is not None:
        metrics.update(escalation_figures(data.escalate, [v.escalate for v in verdicts]))
        metrics["escalation_threshold"] = _round(model.escalate_threshold)
    if data.priority is not None and model.priority_ is not None:
        given = np.asarray([str(verdict.priority) for verdict in verdicts])
        metrics["priority_accuracy"] = _round((given == np.asarray(data.priority)).mean())
    metrics["score"] = metrics.get("in_scope_accuracy", metrics["macro_f1"])
    return metrics


def escalation_figures(wanted: tuple[bool, ...], said: list[bool]) -> dict[str, float]:
    """Precision and recall of the escalations said against those wanted."""
    wanted_array, said_array = np.asarray(wanted, bool), np.asarray(said, bool)
    true_positive = (wanted_array & said_array).sum()
    return {
        "escalation_precision": _round(true_positive / max(said_array.sum(), 1)),
        "escalation_recall": _round(true_positive / max(wanted_array.sum(), 1)),
    }
