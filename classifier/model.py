"""The triage model: word and character TF-IDF into calibrated linear classifiers.

One fitted feature step is shared by three heads: the category (with out-of-scope
rejection under a threshold chosen on validation data), whether to escalate, and the
priority P1-P4. Escalation and priority heads exist when the training data has them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from classifier.linear import CalibratedLinearSVC
from classifier.text_features import FastTfidf, SparseRow

TERMS_SHOWN = 5
WORD_PREFIX = "words__"


def build_features(max_features: int = 300_000) -> FeatureUnion:
    """Word 1-2-grams and in-word character 2-5-grams, TF-IDF weighted."""
    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), strip_accents="unicode"),
            ),
            (
                "chars",
                TfidfVectorizer(
                    sublinear_tf=True,
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    min_df=2,
                    max_features=max_features,
                ),
            ),
        ]
    )


def build_pipeline(c: float = 0.5) -> Pipeline:
    """The category pipeline, with named steps ``features`` and ``classifier``."""
    return Pipeline([("features", build_features()), ("classifier", CalibratedLinearSVC(c=c))])


@dataclass(frozen=True)
class Prediction:
    """What the model says about one message."""

    category: str
    confidence: float
    ranking: tuple[tuple[str, float], ...]
    out_of_scope: bool
    escalate_probability: float | None
    priority: str | None
    terms: tuple[str, ...]


class TriageModel(BaseEstimator, ClassifierMixin):  # type: ignore[misc]
    """Category, escalation and priority of a message, from one shared feature step."""

    def __init__(self, c: float = 0.5, out_of_scope_threshold: float = 0.0) -> None:
        self.c = c
        self.out_of_scope_threshold = out_of_scope_threshold

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        escalate: Sequence[bool] | None = None,
        priority: Sequence[str] | None = None,
    ) -> TriageModel:
        """Fit every head the data has labels for."""
        pipeline = build_pipeline(self.c).fit(list(texts), list(labels))
        self.features_: FeatureUnion = pipeline.named_steps["features"]
        self.category_: CalibratedLinearSVC = pipeline.named_steps["classifier"]
        self.classes_ = self.category_.classes_
        matrix = self.features_.transform(list(texts))
        self.escalate_ = (
            CalibratedLinearSVC(c=self.c).fit(matrix, np.asarray(escalate, dtype=int))
            if escalate is not None and len(set(escalate)) > 1
            else None
        )
        self.priority_ = (
            CalibratedLinearSVC(c=self.c).fit(matrix, np.asarray(priority))
            if priority is not None and len(set(priority)) > 1
            else None
        )
        self.word_features_ = len(self.features_.transformer_list[0][1].vocabulary_)
        self.feature_names_ = self.features_.get_feature_names_out()[: self.word_features_]
        self._prepare_fast_path()
        return self

    def _prepare_fast_path(self) -> None:
        vectorizers = [vectorizer for _, vectorizer in self.features_.transformer_list]
        self.vectorize_one_ = FastTfidf(vectorizers)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def category_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Each text's probability for every class, in ``classes_`` order."""
        return self.category_.predict_proba(self.features_.transform(list(texts)))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The most likely class of each text (no out-of-scope rejection)."""
        return self.classes_[self.category_probabilities(texts).argmax(axis=1)]  # type: ignore[no-any-return]

    def explain(self, text: str) -> Prediction:
        """Everything the desk needs to know about one message."""
        row = self.vectorize_one_(text)
        probabilities = self.category_.proba_of_row(row)
        order = np.argsort(-probabilities)[:3]
        best = int(order[0])
        escalate = None
        if self.escalate_ is not None:
            escalate = float(self.escalate_.proba_of_row(row)[1])
        priority = None
        if self.priority_ is not None:
            priority = str(self.priority_.classes_[self.priority_.proba_of_row(row).argmax()])
        return Prediction(
            category=str(self.classes_[best]),
            confidence=float(probabilities[best]),
            ranking=tuple((str(self.classes_[i]), float(probabilities[i])) for i in order),
            out_of_scope=float(probabilities[best]) < self.out_of_scope_threshold,
            escalate_probability=escalate,
            priority=priority,
            terms=self._terms(row, best),
        )

    def _terms(self, row: SparseRow, class_index: int) -> tuple[str, ...]:
        """The words that pushed the message most towards its class."""
        indices, weights = row
        words = indices < self.word_features_
        indices, weights = indices[words], weights[words]
        column = class_index if self.category_.weights_.shape[1] > 1 else 0
        contributions = weights * self.category_.weights_[indices, column]
        terms: list[str] = []
        for i in np.argsort(-contributions):
            term = str(self.feature_names_[indices[i]]).removeprefix(WORD_PREFIX)
            if contributions[i] <= 0 or len(terms) == TERMS_SHOWN:
                break
            if not set(term.split()) <= ENGLISH_STOP_WORDS:
                terms.append(term)
        return tuple(terms)
