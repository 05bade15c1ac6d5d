"""The triage model: word and character TF-IDF and word vectors into calibrated linear SVMs.

One fitted feature step is shared by three heads: the category, whether to escalate, and the
priority P1-P4. Escalation and priority heads exist when the training data has them. A
message is out of scope when its familiarity (top probability times closeness to the nearest
training examples, ``classifier.familiarity``) is under a threshold chosen on held-back rows;
it is escalated when the escalation head's probability reaches a threshold chosen there for
recall (``classifier.training``).

Features: ``tfidf+minilm`` (the default) puts all-MiniLM-L6-v2 sentence embeddings
(``classifier.embeddings``, an int8 ONNX graph shipped with the package) beside the TF-IDF
features; ``minilm`` is the embeddings alone; ``tfidf+static`` puts static word vectors
(``classifier.word_vectors``) there instead (the default before); ``tfidf`` is TF-IDF alone.
Every variant measured is in tests/benchmarks/classifier_variants.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from classifier.embeddings import SentenceEmbedder
from classifier.familiarity import SENTENCE_DIMENSIONS, NearestExamples
from classifier.linear import CalibratedLinearSVC, fit_together
from classifier.one_thread import one_blas_thread
from classifier.text_features import FastTfidf, SparseRow
from classifier.word_vectors import WordVectorEmbedder

TERMS_SHOWN = 5
WORD_PREFIX = "words__"
DEFAULT_FEATURES = "tfidf+minilm"
FEATURES = ("tfidf", "tfidf+static", DEFAULT_FEATURES, "minilm")
# The names models saved before the lean encoder used for the same features.
FORMER_NAMES = {"both": DEFAULT_FEATURES, "embeddings": "minilm"}
SENTENCE_FEATURES = (DEFAULT_FEATURES, "minilm")


def canonical_features(features: str) -> str:
    """The features' name today, for a name a model may have been saved under."""
    return FORMER_NAMES.get(features, features)


# Weight of the unit-length sentence embeddings against the TF-IDF blocks: for the default,
# the best of 1.0, 1.4, 2.0 and 3.0 on 4 folds of CLINC150 and of Banking77 train (val unseen).
EMBEDDING_SCALE = {"minilm": 1.4, DEFAULT_FEATURES: 2.0}
WORD_VECTOR_SCALE = 1.0  # chosen on CLINC150 val (1.0 beat 2.0: the variant table)
DENSE_STEPS = ("embeddings", "word_vectors")
TFIDF_BLOCKS = 2  # words and chars, each unit length
DEFAULT_ESCALATE_AT = 0.5  # a model saved before escalation thresholds were chosen


def build_features(max_features: int = 300_000, features: str = DEFAULT_FEATURES) -> FeatureUnion:
    """Word 1-2-grams and in-word character 2-5-grams, TF-IDF weighted, and/or embeddings."""
    features = canonical_features(features)
    if features not in FEATURES:
        raise ValueError(f"features must be one of {', '.join(FEATURES)}, not {features!r}")
    if features == "minilm":
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
    if features == DEFAULT_FEATURES:
        tfidf.transformer_list.append(
            ("embeddings", SentenceEmbedder(scale=EMBEDDING_SCALE[features]))
        )
    if features == "tfidf+static":
        tfidf.transformer_list.append(("word_vectors", WordVectorEmbedder(WORD_VECTOR_SCALE)))
    return tfidf


def build_pipeline(c: float = 0.5, features: str = DEFAULT_FEATURES) -> Pipeline:
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
    familiarity: float
    escalate: bool


class TriageModel(BaseEstimator, ClassifierMixin):  # type: ignore[misc]
    """Category, escalation and priority of a message, from one shared feature step."""

    def __init__(
        self,
        c: float = 0.5,
        out_of_scope_threshold: float = 0.0,
        features: str = DEFAULT_FEATURES,
        escalate_threshold: float = DEFAULT_ESCALATE_AT,
    ) -> None:
        self.c = c
        self.out_of_scope_threshold = out_of_scope_threshold
        self.features = features
        self.escalate_threshold = escalate_threshold

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
        matrix = sp.csr_matrix(self.features_.fit_transform(texts, labels))  # once, every head
        heads, label_sets = [self.category_], [np.asarray(labels)]
        self.escalate_ = self.priority_ = None
        if escalate is not None and len(set(escalate)) > 1:
            self.escalate_ = CalibratedLinearSVC(c=self.c)
            heads.append(self.escalate_)
            label_sets.append(np.asarray(escalate, dtype=int))
        if priority is not None and len(set(priority)) > 1:
            self.priority_ = CalibratedLinearSVC(c=self.c)
            heads.append(self.priority_)
            label_sets.append(np.asarray(priority))
        fit_together(heads, matrix, label_sets)
        self.classes_ = self.category_.classes_
        first = self.features_.transformer_list[0][1]
        self.word_features_ = len(first.vocabulary_) if hasattr(first, "vocabulary_") else 0
        self.feature_names_ = self.features_.get_feature_names_out()[: self.word_features_]
        self._prepare_fast_path()
        size = self.vectorize_one_.size
        dense = matrix[:, size:].toarray() if matrix.shape[1] > size else None
        # With sentence embeddings, closeness is measured on them alone: on CLINC150 val that
        # found more out-of-scope queries (78% against 76% with the TF-IDF rows as well) and
        # spares the search over the TF-IDF rows (the variant table).
        features = canonical_features(self.features)
        blocks = 0 if features in SENTENCE_FEATURES else TFIDF_BLOCKS if size else 0
        self.nearest_: NearestExamples | None = NearestExamples(
            matrix[:, :size] if blocks else None,
            blocks,
            None if dense is None else self._unscaled(dense),
            dense_dimensions=SENTENCE_DIMENSIONS if features in SENTENCE_FEATURES else None,
        )
        return self

    def _prepare_fast_path(self) -> None:
        vectorizers = [
            step for name, step in self.features_.transformer_list if name not in DENSE_STEPS
        ]
        self.vectorize_one_ = FastTfidf(vectorizers)

    def _dense_step(self) -> Any:
        name, step = self.features_.transformer_list[-1]
        return step if name in DENSE_STEPS else None

    def _unscaled(self, dense: np.ndarray) -> np.ndarray:
        """Dense features back at unit length (they are scaled against the TF-IDF ones)."""
        return dense / np.float32(self._dense_step().scale)

    def features_of(self, text: str) -> tuple[SparseRow, np.ndarray | None]:
        """One message's features as (indices, weights), as ``features_`` gives them, and its
        dense vector (at the scale ``features_`` gives it), if the model has one."""
        row = self.vectorize_one_(text)
        step = self._dense_step()
        if step is None:
            return row, None
        one = getattr(step, "transform_one", None)
        vector = (one(text) if one else step.transform([text])[0]).astype(np.float64)
        indices = np.arange(len(vector)) + self.vectorize_one_.size
        return (np.concatenate([row[0], indices]), np.concatenate([row[1], vector])), vector

    def __setstate__(self, state: dict[str, Any]) -> None:
        state.setdefault("features", "tfidf")
        state.setdefault("escalate_threshold", DEFAULT_ESCALATE_AT)
        state.setdefault("nearest_", None)
        self.__dict__.update(state)

    def category_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Each text's probability for every class, in ``classes_`` order."""
        return self.category_.predict_proba(self.features_.transform(list(texts)))

    def familiarity(self, texts: Sequence[str]) -> np.ndarray:
        """How much each text looks like the training data (0-1): what out of scope is cut on."""
        matrix = sp.csr_matrix(self.features_.transform(list(texts)))
        confidence = self.category_.predict_proba(matrix).max(axis=1)
        if self.nearest_ is None:
            return confidence  # type: ignore[no-any-return]
        size = self.vectorize_one_.size
        dense = self._unscaled(matrix[:, size:].toarray()) if matrix.shape[1] > size else None
        return confidence * self.nearest_.similarity(matrix[:, :size], dense)  # type: ignore[no-any-return]

    def escalate_probabilities(self, texts: Sequence[str]) -> np.ndarray | None:
        """Each text's probability of needing second line, or None without that head."""
        if self.escalate_ is None:
            return None
        probabilities = self.escalate_.predict_proba(self.features_.transform(list(texts)))
        return probabilities[:, 1]

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The most likely class of each text (no out-of-scope rejection)."""
        return self.classes_[self.category_probabilities(texts).argmax(axis=1)]  # type: ignore[no-any-return]

    def explain(self, text: str) -> Prediction:
        """Everything the desk needs to know about one message."""
        with one_blas_thread():
            return self._explain(text)

    def _explain(self, text: str) -> Prediction:
        row, vector = self.features_of(text)
        probabilities = self.category_.proba_of_row(row)
        order = np.argsort(-probabilities)[:3]
        best = int(order[0])
        escalate = None
        if self.escalate_ is not None:
            escalate = float(self.escalate_.proba_of_row(row)[1])
        priority = None
        if self.priority_ is not None:
            priority = str(self.priority_.classes_[self.priority_.proba_of_row(row).argmax()])
        familiarity = float(probabilities[best])
        if self.nearest_ is not None:
            size = self.vectorize_one_.size
            tfidf = row[0] < size
            unit = None if vector is None else self._unscaled(vector)
            familiarity *= self.nearest_.similarity_of_row(row[0][tfidf], row[1][tfidf], unit)
        return Prediction(
            category=str(self.classes_[best]),
            confidence=float(probabilities[best]),
            ranking=tuple((str(self.classes_[i]), float(probabilities[i])) for i in order),
            out_of_scope=familiarity < self.out_of_scope_threshold,
            escalate_probability=escalate,
            priority=priority,
            terms=self._terms(row, best),
            familiarity=familiarity,
            escalate=escalate is not None and escalate >= self.escalate_threshold,
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
