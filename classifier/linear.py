"""A linear SVM with calibrated probabilities, stored compactly for fast single predictions."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from scipy.optimize import minimize_scalar
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC

from classifier.text_features import SparseRow


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)  # type: ignore[no-any-return]


def _as_class_scores(decision: np.ndarray) -> np.ndarray:
    """Binary decisions (one score per row) as two class scores, so softmax serves both."""
    if decision.ndim == 1:
        return np.stack([-decision / 2, decision / 2], axis=1)
    return decision


# From this many rows a model's SVM fits run in worker processes, two at a time: on 20,000
# rows that halves the wall time of training; below it, starting the workers costs more than
# it saves.
PARALLEL_FROM_ROWS = 5_000


def _svm_fit(c: float, random_state: int, features: Any, labels: np.ndarray, rows: Any) -> Any:
    svm = LinearSVC(C=c, random_state=random_state)
    return svm.fit(
        features if rows is None else features[rows], labels if rows is None else labels[rows]
    )


def fit_together(
    heads: Sequence[CalibratedLinearSVC], features: Any, label_sets: Sequence[Any]
) -> None:
    """Fit each head on its labels over the same features, the SVM fits side by side.

    Every head needs two fits (the probe on its fit part, the final on all rows); with enough
    rows they run in worker processes, as many as there are CPUs up to two. Processes, not
    threads: liblinear shuffles with the C library's global random state, so fits in parallel
    threads would not be reproducible; each process has its own.
    """
    plans = [head._plan(labels) for head, labels in zip(heads, label_sets, strict=True)]
    jobs = [
        delayed(_svm_fit)(head.c, head.random_state, features, plan[0], rows)
        for head, plan in zip(heads, plans, strict=True)
        for rows in (plan[1], None)
    ]
    workers = min(2, os.cpu_count() or 1) if features.shape[0] >= PARALLEL_FROM_ROWS else 1
    fitted = Parallel(n_jobs=workers, backend="loky")(jobs)  # one worker: in this process
    for i, (head, plan) in enumerate(zip(heads, plans, strict=True)):
        head._finish(fitted[2 * i], fitted[2 * i + 1], features, plan)


class CalibratedLinearSVC(BaseEstimator, ClassifierMixin):  # type: ignore[misc]
    """LinearSVC whose scores become probabilities by temperature scaling.

    The temperature is fitted on a held-out share of the training data, then the SVM is
    refitted on all of it (``fit_together`` runs both fits, of several heads at once).
    Weights are kept as float32, features by classes.
    """

    def __init__(self, c: float = 0.5, held_out: float = 0.2, random_state: int = 0) -> None:
        self.c = c
        self.held_out = held_out
        self.random_state = random_state

    def fit(self, features: Any, labels: Any) -> CalibratedLinearSVC:
        """Fit the temperature on a held-out share, then the SVM on everything."""
        fit_together([self], features, [labels])
        return self

    def _plan(self, labels: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The labels as an array, and the rows of the probe's fit part and held-out part."""
        labels = np.asarray(labels)
        self.classes_ = np.unique(labels)
        counts = np.unique(labels, return_counts=True)[1]
        stratify = labels if counts.min() >= 2 else None
        fit_part, held_part = train_test_split(
            np.arange(len(labels)),
            test_size=self.held_out,
            random_state=self.random_state,
            stratify=stratify,
        )
        return labels, fit_part, held_part

    def _finish(self, probe: Any, final: Any, features: Any, plan: tuple[np.ndarray, ...]) -> None:
        labels, _, held_part = plan
        self.temperature_ = self._fit_temperature(
            _as_class_scores(probe.decision_function(features[held_part])),
            np.searchsorted(self.classes_, labels[held_part]),
            probe.classes_,
        )
        self.weights_ = np.ascontiguousarray(final.coef_.T, dtype=np.float32)
        self.intercept_ = final.intercept_.astype(np.float64)

    def _fit_temperature(
        self, scores: np.ndarray, truth: np.ndarray, probe_classes: np.ndarray
    ) -> float:
        if len(probe_classes) != len(self.classes_):
            return 1.0
        rows = np.arange(len(truth))

        def loss(log_temperature: float) -> float:
            probabilities = _softmax(scores * np.exp(log_temperature))
            return float(-np.log(probabilities[rows, truth] + 1e-12).mean())

        result = minimize_scalar(loss, bounds=(-3.0, 5.0), method="bounded")
        return float(np.exp(result.x))

    def decision_function(self, features: Any) -> np.ndarray:
        """Raw SVM scores: one column for two classes, one per class otherwise."""
        scores: np.ndarray = np.asarray(features @ self.weights_) + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict_proba(self, features: Any) -> np.ndarray:
        """Calibrated class probabilities, in ``classes_`` order."""
        return _softmax(_as_class_scores(self.decision_function(features)) * self.temperature_)

    def predict(self, features: Any) -> np.ndarray:
        """The most probable class of each row."""
        return self.classes_[self.predict_proba(features).argmax(axis=1)]  # type: ignore[no-any-return]

    def proba_of_row(self, row: SparseRow) -> np.ndarray:
        """Probabilities for one message's (indices, weights), as ``predict_proba`` gives."""
        indices, weights = row
        scores = weights @ self.weights_[indices] + self.intercept_
        if scores.shape[0] == 1:
            scores = np.array([-scores[0] / 2, scores[0] / 2])
        return _softmax(scores * self.temperature_)
