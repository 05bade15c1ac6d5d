"""A linear SVM with calibrated probabilities, stored compactly for fast single predictions."""

from __future__ import annotations

from typing import Any

import numpy as np
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


class CalibratedLinearSVC(BaseEstimator, ClassifierMixin):  # type: ignore[misc]
    """LinearSVC whose scores become probabilities by temperature scaling.

    The temperature is fitted on a held-out share of the training data, then the SVM is
    refitted on all of it. Weights are kept as float32, features by classes. The two fits
    run one after the other: liblinear shuffles with the C library's global random state,
    so fits in parallel threads would not be reproducible.
    """

    def __init__(self, c: float = 0.5, held_out: float = 0.2, random_state: int = 0) -> None:
        self.c = c
        self.held_out = held_out
        self.random_state = random_state

    def fit(self, features: Any, labels: Any) -> CalibratedLinearSVC:
        """Fit the temperature on a held-out share, then the SVM on everything."""
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
        probe = self._svm().fit(features[fit_part], labels[fit_part])
        final = self._svm().fit(features, labels)
        self.temperature_ = self._fit_temperature(
            _as_class_scores(probe.decision_function(features[held_part])),
            np.searchsorted(self.classes_, labels[held_part]),
            probe.classes_,
        )
        self.weights_ = np.ascontiguousarray(final.coef_.T, dtype=np.float32)
        self.intercept_ = final.intercept_.astype(np.float64)
        return self

    def _svm(self) -> LinearSVC:
        return LinearSVC(C=self.c, random_state=self.random_state)

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
