"""The triage model: word and character TF-IDF into calibrated linear classifiers.

One fitted feature step is shared by three heads: the category (with out-of-scope
rejection under a threshold chosen on validation data), whether to escalate, and the
priority P1-P4. Escalation and priority heads exist when the training data has them.
With the optional embeddings extra, ``features="embeddings"`` or ``"both"`` uses sentence
embeddings instead of, or beside, the TF-IDF features (see ``classifier.embeddings``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from classifier.embeddings import SentenceEmbedder
from classifier.linear import CalibratedLinearSVC
from classifier.text_features import FastTfidf, SparseRow

TERMS_SHOWN = 5
WORD_PREFIX = "words__"
FEATURES = ("tfidf", "embeddings", "both")
# Weight of the unit-length sentence embeddings against the classifier's C, chosen on val.
EMBEDDING_SCALE = {"embeddings": 1.4, "both": 1.0}


def build_features(max_features: int = 300_000, features: str = "tfidf") -> FeatureUnion:
    """Word 1-2-grams and in-word character 2-5-grams, TF-IDF weighted, and/or embeddings."""
    if features not in FEATURES:
        raise ValueError(f"features must be one of {', '.join(FEATURES)}, not {features!r}")
    if features == "embeddings":
        return FeatureUnion([("embeddings", SentenceEmbedder(scale=EMBEDDING_SCALE[features]))])
    tfidf = FeatureUnion(
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
    if features == "both":
        tfidf.transformer_list.append(
            ("embeddings", SentenceEmbedder(scale=EMBEDDING_SCALE[features]))
        )
    return tfidf


def build_pipeline(c: float = 0.5, features: str = "tfidf") -> Pipeline:
    """The category pipeline, with named steps ``features`` and ``classifier``."""
    return Pipeline(
        [
            ("features", build_features(features=features)),
            ("classifier", CalibratedLinearSVC(c=c)),
        ]
    )


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

    def __init__(
        self, c: float = 0.5, out_of_scope_threshold: float = 0.0, features: str = "tfidf"
    ) -> None:
        self.c = c
        self.out_of_scope_threshold = out_of_scope_threshold
        self.features = features

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        escalate: Sequence[bool] | None = None,
        priority: Sequence[str] | None = None,
    ) -> TriageModel:
        """Fit every head the data has labels for."""
        texts, labels = list(texts), list(labels)
        pipeline = build_pipeline(self.c, self.features)
        self.features_: FeatureUnion = pipeline.named_steps["features"]
        self.category_: CalibratedLinearSVC = pipeline.named_steps["classifier"]
        if self.features == "tfidf":
            pipeline.fit(texts, labels)
            matrix = self.features_.transform(texts)
        else:  # embedding the texts is slow: once, for every head
            matrix = self.features_.fit_transform(texts, labels)
            self.category_.fit(matrix, labels)
        self.classes_ = self.category_.classes_
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
        first = self.features_.transformer_list[0][1]
        self.word_features_ = len(first.vocabulary_) if hasattr(first, "vocabulary_") else 0
        self.feature_names_ = self.features_.get_feature_names_out()[: self.word_features_]
        self._prepare_fast_path()
        return self

    def _prepare_fast_path(self) -> None:
        vectorizers = [
            step for name, step in self.features_.transformer_list if name != "embeddings"
        ]
        self.vectorize_one_ = FastTfidf(vectorizers)

    def _vectorize(self, text: str) -> SparseRow:
        """One message's features as (indices, weights), as ``features_`` gives them."""
        row = self.vectorize_one_(text)
        if self.features == "tfidf":
            return row
        embedder = self.features_.transformer_list[-1][1]
        vector = embedder.transform([text])[0].astype(np.float64)
        indices = np.arange(len(vector)) + self.vectorize_one_.size
        return np.concatenate([row[0], indices]), np.concatenate([row[1], vector])

    def __setstate__(self, state: dict[str, Any]) -> None:
        state.setdefault("features", "tfidf")
        self.__dict__.update(state)

    def category_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Each text's probability for every class, in ``classes_`` order."""
        return self.category_.predict_proba(self.features_.transform(list(texts)))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The most likely class of each text (no out-of-scope rejection)."""
        return self.classes_[self.category_probabilities(texts).argmax(axis=1)]  # type: ignore[no-any-return]

    def explain(self, text: str) -> Prediction:
        """Everything the desk needs to know about one message."""
        row = self._vectorize(text)
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
