"""Training a triage model: split, fit, choose the out-of-scope and escalation thresholds,
measure."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from classifier import ESCALATION_RECALL
from classifier.dataset import Dataset
from classifier.errors import DatasetError
from classifier.linear import CalibratedLinearSVC
from classifier.metrics import evaluate_model
from classifier.model import DEFAULT_FEATURES, TriageModel, build_features
from classifier.rules import matching_rule

HELD_OUT_SHARE = 0.2
FOLD_SEED = 42
# Without out-of-scope examples, the threshold rejects this share of in-scope validation rows.
IN_SCOPE_REJECTION = 0.02
# The desk scores one message at a time (``TriageModel.explain``), which can differ from these
# batch probabilities in the last digits: the row a cut is chosen at must stay on its side.
FLOAT_NOISE = 1e-6
ESCALATION_FOLDS = 5

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TrainingRun:
    """A fitted model, its validation figures and the held-back rows they came from."""

    model: TriageModel
    metrics: dict[str, Any]
    held_out: Dataset
    oos_label: str | None


def subset(data: Dataset, rows: np.ndarray) -> Dataset:
    """The rows of ``data`` at ``rows``, every column kept."""

    def pick(values: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
        return None if values is None else tuple(values[i] for i in rows)

    return replace(
        data,
        texts=tuple(data.texts[i] for i in rows),
        labels=tuple(data.labels[i] for i in rows),
        escalate=pick(data.escalate),
        priority=pick(data.priority),
    )


def _hash_share(text: str) -> float:
    """Where a text falls in [0, 1), from its words alone (case and spacing ignored)."""
    words = " ".join(text.casefold().split()).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(words, digest_size=8).digest(), "big") / 2**64


def split(data: Dataset) -> tuple[Dataset, Dataset]:
    """The training / held-back split, decided row by row from the text: a row added to the
    data, or a row relabelled, moves no other row between the parts, so a model trained before
    has never seen the rows a retrain holds back, and the quality gate compares like with like.
    Every label keeps a row to fit on, and at least one row is held back."""
    share = np.array([_hash_share(text) for text in data.texts])
    held = share < HELD_OUT_SHARE
    labels = np.asarray(data.labels)
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        if held[rows].all():
            held[rows[np.argmax(share[rows])]] = False
    if not held.any() and len(data) > 1:
        names, counts = np.unique(labels, return_counts=True)
        spare = np.flatnonzero(np.isin(labels, names[counts > 1]))  # rows of labels with two
        candidates = spare if len(spare) else np.arange(len(data))
        held[candidates[np.argmin(share[candidates])]] = True
    return subset(data, np.flatnonzero(~held)), subset(data, np.flatnonzero(held))


def best_threshold(confidence: np.ndarray, right: np.ndarray, in_scope: np.ndarray) -> float:
    """The confidence cut that gets most rows right: in-scope ones accepted and rightly
    classified, out-of-scope ones rejected. The lowest such cut wins a tie."""
    order = np.argsort(confidence, kind="stable")
    ranked = confidence[order]
    good_if_accepted = (right & in_scope)[order].astype(int)
    good_if_rejected = (~in_scope)[order].astype(int)
    # A cut at ranked[k] rejects rows 0..k-1 and accepts rows k..end.
    accepted_good = np.cumsum(good_if_accepted[::-1])[::-1]
    rejected_good = np.concatenate(([0], np.cumsum(good_if_rejected)[:-1]))
    first_of_value = np.concatenate(([True], ranked[1:] != ranked[:-1]))
    candidates = np.flatnonzero(first_of_value)
    best = candidates[np.argmax((accepted_good + rejected_good)[candidates])]
    return float(ranked[best])


def choose_threshold(model: TriageModel, held_out: Dataset, oos_label: str | None) -> float:
    """The familiarity under which a message is out of scope, chosen on validation data."""
    probabilities = model.category_probabilities(list(held_out.texts))
    confidence = model.familiarity(list(held_out.texts))
    labels = np.asarray(held_out.labels)
    in_scope = labels != oos_label if oos_label is not None else np.ones(len(labels), bool)
    if in_scope.all():
        return float(np.quantile(confidence, IN_SCOPE_REJECTION))
    right = model.classes_[probabilities.argmax(axis=1)] == labels
    return best_threshold(confidence, right, in_scope)


def recall_threshold(probability: np.ndarray, wanted: np.ndarray, target: float) -> float:
    """The highest probability cut at which the rows escalated (probability at or above it,
    or ``probability`` set to 1 for rows the rules escalate) keep ``target`` of the wanted."""
    needed = int(np.ceil(target * wanted.sum() - 1e-9))
    if needed == 0:
        return float(probability.max(initial=0.0))
    ranked = np.sort(probability[wanted])[::-1]
    return float(ranked[needed - 1])


def desk_escalation_cut(
    texts: tuple[str, ...], probability: np.ndarray, wanted: np.ndarray, target_recall: float
) -> float:
    """The cut at which the desk's escalations, the rules' (as probability 1) and the model's,
    keep ``target_recall`` of the wanted rows, just under the row it was chosen at."""
    by_rule = np.asarray([matching_rule(text) is not None for text in texts])
    cut = recall_threshold(np.where(by_rule, 1.0, probability), wanted, target_recall)
    return cut - FLOAT_NOISE


def choose_escalation_threshold(
    model: TriageModel, held_out: Dataset, target_recall: float
) -> float:
    """The escalation probability from which the desk escalates, chosen on labelled rows the
    model never saw (``--thresholds-from``) so that the desk's escalations (the rules' and the
    model's) keep ``target_recall``."""
    probability = model.escalate_probabilities(list(held_out.texts))
    if probability is None or held_out.escalate is None or not any(held_out.escalate):
        return model.escalate_threshold
    wanted = np.asarray(held_out.escalate, bool)
    return desk_escalation_cut(held_out.texts, probability, wanted, target_recall)


def cross_fitted_escalation(
    data: Dataset, c: float, features: str, folds: int = ESCALATION_FOLDS
) -> tuple[np.ndarray, np.ndarray] | None:
    """Every row's escalation probability from a model fitted on the other folds (each the
    size of the desk model's own fit part), and whether the row wants second line; None when
    the rows are too few to fold."""
    if data.escalate is None:
        return None
    wanted = np.asarray(data.escalate, bool)
    folds = min(folds, int(wanted.sum()), int((~wanted).sum()))
    if folds < 2:
        return None
    texts = np.asarray(data.texts, dtype=object)
    probability = np.zeros(len(data))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=FOLD_SEED)
    for fit_rows, held_rows in splitter.split(texts, wanted):
        step = build_features(features=features)
        matrix = step.fit_transform(list(texts[fit_rows]))
        head = CalibratedLinearSVC(c=c).fit(matrix, wanted[fit_rows].astype(int))
        probability[held_rows] = head.predict_proba(step.transform(list(texts[held_rows])))[:, 1]
    return probability, wanted


def choose_cross_fitted_escalation_threshold(
    data: Dataset, c: float, features: str, target_recall: float, fallback: float
) -> float:
    """The escalation cut that keeps ``target_recall`` of the wanted rows escalated (rules
    included) over all of ``data``, each row scored by a model that never saw it: five times
    the rows of the held-back part alone, so the cut moves far less with the split."""
    scored = cross_fitted_escalation(data, c, features)
    if scored is None:
        return fallback
    probability, wanted = scored
    return desk_escalation_cut(data.texts, probability, wanted, target_recall)


def train(
    data: Dataset,
    oos_label: str | None = None,
    c: float = 0.5,
    progress: Progress | None = None,
    features: str = DEFAULT_FEATURES,
    escalation_recall: float = ESCALATION_RECALL,
    thresholds_from: Dataset | None = None,
) -> TrainingRun:
    """Fit on the training part; the out-of-scope cut comes from the held-back part, the
    escalation cut from every row cross-fitted (both from ``thresholds_from`` instead, a
    labelled file of its own, when given), figures from the held-back part."""
    say = progress or (lambda _: None)
    fit_part, held_out = split(data)
    if oos_label is not None:
        keep = np.flatnonzero(np.asarray(fit_part.labels) != oos_label)
        fit_part = subset(fit_part, keep)
    if len(set(fit_part.labels)) < 2:
        raise DatasetError("fewer than two in-scope classes are left to train on")
    say(f"fitting on {len(fit_part)} rows")
    model = TriageModel(c=c, features=features).fit(
        fit_part.texts, fit_part.labels, fit_part.escalate, fit_part.priority
    )
    tuning = thresholds_from or held_out
    say(f"choosing the out-of-scope threshold on {len(tuning)} rows")
    model.out_of_scope_threshold = choose_threshold(model, tuning, oos_label)
    if thresholds_from is None:
        say(f"choosing the escalation threshold for {escalation_recall:.0%} recall, cross-fitted")
        model.escalate_threshold = choose_cross_fitted_escalation_threshold(
            data, c, features, escalation_recall, model.escalate_threshold
        )
    else:
        say(f"choosing the escalation threshold for {escalation_recall:.0%} recall")
        model.escalate_threshold = choose_escalation_threshold(model, tuning, escalation_recall)
    say(f"measuring on {len(held_out)} held-back rows")
    metrics = evaluate_model(model, held_out, oos_label)
    if held_out.escalate is not None:
        metrics["escalation_target_recall"] = escalation_recall
    return TrainingRun(model, metrics, held_out, oos_label)
