"""Ranking articles for a message.

A message and every text of an article are TF-IDF vectors over stemmed words (1-2 grams)
and character n-grams (so typos such as "pasword" still match). An article's score in
[0, 1] is a weighted sum of three cosines with the message:

- the whole article (title, tags, examples, summary, steps): what it is about;
- the centroid of its example questions, title and tags: how people usually ask for it;
- its nearest example question: the one way of asking that matches this message best.

A message's unknown words are first corrected to a known word one slip away, and words no
article uses still count in its length, so a question about something else scores low.
Everything is fitted once; a query costs a few dictionary look-ups per word and a few small
matrix products. The nearest example is looked for only among the best few articles.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.core.domain import Article, ArticleMatch
from knowledge_base.features import (
    CharFeatures,
    char_terms,
    content_words,
    with_pairs,
    word_terms,
)
from knowledge_base.lexicon import SHORTHAND, fold, prepare, words
from knowledge_base.spelling import Speller

DOCUMENT_WEIGHT = 0.7  # the share of the score from the whole article
CENTROID_WEIGHT = 0.15  # ... from how people usually ask for it
NEAREST_WEIGHT = 0.15  # ... from the closest single example question
CANDIDATES = 3  # the best articles whose example questions are compared one by one
UNKNOWN_WORD_WEIGHT = 1.0  # how much a word no article uses dilutes a message (0: not at all)


def _document(article: Article) -> str:
    return " ".join(
        (article.title, *article.tags, *article.questions, article.summary, *article.steps)
    )


def _examples(article: Article) -> list[str]:
    return [*article.questions, article.title, f"{article.title} {' '.join(article.tags)}"]


def _tf_idf(counted: np.ndarray, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    index, count = np.unique(counted, return_counts=True)
    return index, (1 + np.log(count)) * idf[index]


class _QueryVectorizer:
    """Turns one message into (feature indices, weights) as the fitted TF-IDFs would."""

    def __init__(
        self, words_tfidf: TfidfVectorizer, chars_tfidf: TfidfVectorizer, speller: Speller
    ) -> None:
        self._word_vocabulary: dict[str, int] = words_tfidf.vocabulary_
        self._word_idf: np.ndarray = words_tfidf.idf_
        self._char_idf: np.ndarray = chars_tfidf.idf_
        self._char_features = CharFeatures(chars_tfidf.vocabulary_)
        self._char_offset = len(self._word_idf)
        # A word no article uses weighs like the rarest known word.
        self._unknown_idf = UNKNOWN_WORD_WEIGHT * float(self._word_idf.max())

        @lru_cache(maxsize=50_000)
        def prepared(word: str) -> list[str]:
            return prepare(speller.correct(SHORTHAND.get(word, word))).split()

        self._prepared: Callable[[str], list[str]] = prepared

    def __call__(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        prepared = [token for word in words(fold(text)) for token in self._prepared(word)]
        unigrams = content_words(prepared)
        unknown = sum(1 for term in unigrams if term not in self._word_vocabulary)
        vocabulary = self._word_vocabulary
        found = Counter(vocabulary[term] for term in with_pairs(unigrams) if term in vocabulary)
        word_index = np.fromiter(found, np.intp, len(found))
        word_count = np.fromiter(found.values(), float, len(found))
        word_weight = (1 + np.log(word_count)) * self._word_idf[word_index]
        char_index, char_weight = _tf_idf(self._char_features(prepared), self._char_idf)
        # Each half is a unit vector (the word half longer by its unknown words), scaled so
        # that the whole message is one too, as the articles' vectors are.
        word_norm = math.sqrt(float(word_weight @ word_weight) + unknown * self._unknown_idf**2)
        char_norm = math.sqrt(float(char_weight @ char_weight))
        scale = 1 / math.sqrt(2)
        return (
            np.concatenate((word_index, char_index + self._char_offset)),
            np.concatenate(
                (
                    word_weight * (scale / word_norm if word_norm else 0.0),
                    char_weight * (scale / char_norm if char_norm else 0.0),
                )
            ),
        )


class _ExampleVectors:
    """Each article's example questions as a small dense matrix over the features they use."""

    def __init__(self, vectors: sparse.csr_matrix, sizes: Sequence[int]) -> None:
        self._width = vectors.shape[1]
        self._blocks: list[tuple[np.ndarray, np.ndarray]] = []
        first = 0
        for size in sizes:
            rows = vectors[first : first + size]
            features = np.unique(rows.indices)
            self._blocks.append((features, np.ascontiguousarray(rows[:, features].toarray())))
            first += size

    def nearest(self, indices: np.ndarray, weights: np.ndarray, articles: np.ndarray) -> np.ndarray:
        """For each of ``articles``, the best cosine between the message and one of its examples."""
        query = np.zeros(self._width)
        query[indices] = weights
        best = [
            float((block @ query[features]).max())
            for features, block in (self._blocks[article] for article in articles)
        ]
        return np.array(best)


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
        words_tfidf = TfidfVectorizer(analyzer=word_terms, sublinear_tf=True)
        chars_tfidf = TfidfVectorizer(analyzer=char_terms, sublinear_tf=True)
        # Fitted and transformed in one pass: each text is analysed once (a faster start).
        blocks = [
            vectorizer.fit_transform(documents + flat_examples)
            for vectorizer in (words_tfidf, chars_tfidf)
        ]
        both = sparse.hstack(blocks).tocsr() / math.sqrt(len(blocks))
        document_vectors, example_vectors = both[: len(documents)], both[len(documents) :]
        sizes = [len(texts) for texts in examples]
        owner = np.repeat(np.arange(len(examples)), sizes)
        membership = sparse.csr_matrix(
            (np.ones(len(owner)), (owner, np.arange(len(owner)))),
            shape=(len(examples), len(owner)),
        )
        centroids = _unit_rows((membership @ example_vectors).toarray())
        # Features x (documents, centroids): a query's few features select a few rows.
        self._articles_t = np.ascontiguousarray(
            np.vstack((document_vectors.toarray(), centroids)).T
        )
        self._examples = _ExampleVectors(example_vectors, sizes)
        speller = Speller(word for text in documents for word in words(prepare(text)))
        self._vectorize_query = _QueryVectorizer(words_tfidf, chars_tfidf, speller)

    def article(self, article_id: str) -> Article | None:
        """The article with this id, if indexed."""
        return self._by_id.get(article_id)

    def search(self, text: str, limit: int = 3) -> list[ArticleMatch]:
        """The ``limit`` best articles for ``text``, best first."""
        if not self.articles or not text.strip():
            return []
        indices, weights = self._vectorize_query(text)
        if not len(indices):
            return [ArticleMatch(article, 0.0) for article in self.articles[:limit]]
        count = len(self.articles)
        by_article = weights @ self._articles_t[indices]
        scores = DOCUMENT_WEIGHT * by_article[:count] + CENTROID_WEIGHT * by_article[count:]
        candidates = _best(scores, CANDIDATES)
        scores[candidates] += NEAREST_WEIGHT * self._examples.nearest(indices, weights, candidates)
        scores = np.clip(scores, 0.0, 1.0)
        top = _best(scores, limit)
        ranked = top[np.argsort(-scores[top], kind="stable")]
        return [ArticleMatch(self.articles[i], float(scores[i])) for i in ranked]


def _best(scores: np.ndarray, limit: int) -> np.ndarray:
    limit = min(limit, len(scores))
    return np.argpartition(-scores, limit - 1)[:limit]


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)
