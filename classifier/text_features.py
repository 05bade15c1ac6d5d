"""One message to TF-IDF features without scikit-learn's per-call overhead.

Gives exactly what the fitted vectorizers' ``transform`` gives (sublinear tf, idf, l2 per
vectorizer), as feature indices and weights, for scoring against dense weight matrices.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

SparseRow = tuple[np.ndarray, np.ndarray]


class FastTfidf:
    """The concatenated features of fitted TF-IDF vectorizers, for one text at a time."""

    def __init__(self, vectorizers: Sequence[TfidfVectorizer], scale: float = 1.0) -> None:
        self._parts = []
        offset = 0
        for vectorizer in vectorizers:
            self._parts.append(
                (vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_, offset)
            )
            offset += len(vectorizer.idf_)
        self._scale = scale
        self.size = offset

    def __call__(self, text: str) -> SparseRow:
        """Feature indices and their weights for ``text``."""
        indices: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for analyse, vocabulary, idf, offset in self._parts:
            counts = Counter(term for term in analyse(text) if term in vocabulary)
            if not counts:
                continue
            index = np.fromiter((vocabulary[term] for term in counts), np.intp, len(counts))
            weight = (1 + np.log(np.fromiter(counts.values(), float, len(counts)))) * idf[index]
            weight *= self._scale / np.linalg.norm(weight)
            indices.append(index + offset)
            weights.append(weight)
        if not indices:
            return np.zeros(0, np.intp), np.zeros(0)
        return np.concatenate(indices), np.concatenate(weights)
