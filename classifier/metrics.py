"""Measuring a triage model on labelled data."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support

from classifier.dataset import Dataset
from classifier.model import TriageModel

CONFUSED_PAIRS_SHOWN = 5


def _round(value: float) -> float:
    return round(float(value), 4)


def evaluate_model(
    model: TriageModel, data: Dataset, oos_label: str | None = None
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class figures, confused pairs and, where the data allows,
    out-of-scope and escalation figures."""
    labels = np.asarray(data.labels)
    in_scope = labels != oos_label if oos_label is not None else np.ones(len(labels), bool)
    probabilities = model.category_probabilities(list(data.texts))
    predicted = model.classes_[probabilities.argmax(axis=1)]
    rejected = probabilities.max(axis=1) < model.out_of_scope_threshold
    truth, guess = labels[in_scope], predicted[in_scope]
    known = sorted(set(truth) | set(guess))
    precision, recall, _, support = precision_recall_fscore_support(
        truth, guess, labels=known, zero_division=0
    )
    confused = Counter((t, g) for t, g in zip(truth, guess, strict=True) if t != g)
    metrics: dict[str, Any] = {
        "rows": len(labels),
        "accuracy": _round((truth == guess).mean()) if len(truth) else 0.0,
        "macro_f1": _round(f1_score(truth, guess, average="macro", zero_division=0)),
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
        accepted_right = (predicted == labels) & ~rejected & in_scope
        metrics["in_scope_accuracy"] = _round(accepted_right.sum() / max(in_scope.sum(), 1))
        out = ~in_scope
        metrics["out_of_scope_recall"] = _round(rejected[out].sum() / max(out.sum(), 1))
        metrics["out_of_scope_threshold"] = _round(model.out_of_scope_threshold)
    if data.escalate is not None and model.escalate_ is not None:
        matrix = model.features_.transform(list(data.texts))
        wanted = np.asarray(data.escalate, dtype=bool)
        said = model.escalate_.predict(matrix).astype(bool)
        true_positive = (wanted & said).sum()
        metrics["escalation_precision"] = _round(true_positive / max(said.sum(), 1))
        metrics["escalation_recall"] = _round(true_positive / max(wanted.sum(), 1))
        if data.priority is not None and model.priority_ is not None:
            priority = model.priority_.predict(matrix)
            metrics["priority_accuracy"] = _round((priority == np.asarray(data.priority)).mean())
    metrics["score"] = metrics.get("in_scope_accuracy", metrics["macro_f1"])
    return metrics
