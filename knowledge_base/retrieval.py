"""Ranking articles for a message.

Two signals, each over TF-IDF of words (1-2 grams) and character n-grams (so typos such
as "pasword" still match), are averaged into a score in [0, 1]:

- the cosine between the message and the whole article (title, tags, examples, steps);
- the cosine between the message and the centroid of the article's example questions,
  title and tags: how people ask for it.

Vocabularies are fitted once with scikit-learn. Messages are vectorised through the fitted
analysers directly, and scored against dense article matrices, so one query costs a few
dictionary look-ups and two small matrix products.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.core.domain import Article, ArticleMatch
from knowledge_base.lexicon import STOP_WORDS, prepare

EXAMPLE_WEIGHT = 0.5  # the share of the score that comes from how people ask


def _document(article: Article) -> str:
    return " ".join(
        (article.title, *article.tags, *article.questions, article.summary, *article.steps)
    )


def _examples(article: Article) -> list[str]:
    return [*article.questions, article.title, f"{article.title} {' '.join(article.tags)}"]


class _QueryVectorizer:
    """Turns one message into (feature indices, weights) exactly as the fitted TF-IDFs would."""

    def __init__(self, vectorizers: Sequence[TfidfVectorizer]) -> None:
        self._parts = []
        offset = 0
        for vectorizer in vectorizers:
            self._parts.append(
                (vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_, offset)
            )
            offset += len(vectorizer.idf_)
        self._scale = 1 / math.sqrt(len(self._parts))

    def __call__(self, text: str) -> tuple[np.ndarray, np.ndarray]:
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


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


class ArticleIndex:
    """A search index over a fixed set of articles, built once."""

    def __init__(self, articles: Sequence[Article]) -> None:
        self.articles = tuple(articles)
        self._by_id = {article.id: article for article in self.articles}
        if not self.articles:
            return
        documents = [_document(article) for article in self.articles]
        examples = [_examples(article) for article in self.articles]
        flat_examples = [text for texts in examples for text in texts]
        vectorizers = [
            TfidfVectorizer(
                preprocessor=prepare,
                sublinear_tf=True,
                ngram_range=(1, 2),
                stop_words=STOP_WORDS,
                token_pattern=r"[\w'-]{2,}",
            ),
            TfidfVectorizer(
                preprocessor=prepare, sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5)
            ),
        ]
        for vectorizer in vectorizers:
            vectorizer.fit(documents + flat_examples)

        def vectorize(texts: list[str]) -> sparse.csr_matrix:
            blocks = [vectorizer.transform(texts) for vectorizer in vectorizers]
            return sparse.hstack(blocks).tocsr() / math.sqrt(len(blocks))

        owner = np.repeat(np.arange(len(examples)), [len(texts) for texts in examples])
        membership = sparse.csr_matrix(
            (np.ones(len(owner)), (owner, np.arange(len(owner)))),
            shape=(len(examples), len(owner)),
        )
        centroids = _unit_rows((membership @ vectorize(flat_examples)).toarray())
        # Features x articles, so a query's few features select a few rows.
        self._documents_t = np.ascontiguousarray(vectorize(documents).toarray().T)
        self._centroids_t = np.ascontiguousarray(centroids.T)
        self._vectorize_query = _QueryVectorizer(vectorizers)

    def article(self, article_id: str) -> Article | None:
        """The article with this id, if indexed."""
        return self._by_id.get(article_id)

    def scores(self, text: str) -> np.ndarray:
        """The score of every article for ``text``, in index order."""
        if not self.articles:
            return np.zeros(0)
        indices, weights = self._vectorize_query(text)
        if not len(indices):
            return np.zeros(len(self.articles))
        by_document = weights @ self._documents_t[indices]
        by_examples = weights @ self._centroids_t[indices]
        combined = EXAMPLE_WEIGHT * by_examples + (1 - EXAMPLE_WEIGHT) * by_document
        clipped: np.ndarray = np.clip(combined, 0.0, 1.0)
        return clipped

    def search(self, text: str, limit: int = 3) -> list[ArticleMatch]:
        """The ``limit`` best articles for ``text``, best first."""
        if not self.articles or not text.strip():
            return []
        scores = self.scores(text)
        limit = min(limit, len(scores))
        top = np.argpartition(-scores, limit - 1)[:limit]
        ranked = top[np.argsort(-scores[top], kind="stable")]
        return [ArticleMatch(self.articles[i], float(scores[i])) for i in ranked]
