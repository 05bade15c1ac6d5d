"""The terms retrieval counts in a text: stemmed word 1-2 grams and character n-grams.

The same functions analyse articles (when the index is built) and messages (per query), so
both always agree; a message is analysed through per-word caches, so a query costs a few
dictionary look-ups per word.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from itertools import pairwise

import numpy as np

from knowledge_base.lexicon import STOP_WORDS, prepare, stem

CHAR_NGRAMS = (2, 5)  # the lengths of character n-grams, each word padded with a space
_CACHE_SIZE = 50_000

_stem = lru_cache(maxsize=_CACHE_SIZE)(stem)


def content_words(prepared: Iterable[str]) -> list[str]:
    """The stemmed words among prepared words, less stop words and single characters."""
    return [_stem(word) for word in prepared if len(word) > 1 and word not in STOP_WORDS]


def with_pairs(terms: list[str]) -> list[str]:
    """The terms followed by each pair of neighbouring terms."""
    return terms + [f"{first} {second}" for first, second in pairwise(terms)]


def word_terms(text: str) -> list[str]:
    """The content words of ``text`` and each pair of neighbouring content words."""
    return with_pairs(content_words(prepare(text).split()))


def word_char_ngrams(word: str) -> list[str]:
    """The character n-grams of one word padded with a space on each side."""
    padded = f" {word} "
    low, high = CHAR_NGRAMS
    return [
        padded[start : start + n]
        for n in range(low, min(high, len(padded)) + 1)
        for start in range(len(padded) - n + 1)
    ]


def char_terms(text: str) -> list[str]:
    """The character n-grams of every prepared word of ``text``."""
    return [ngram for word in prepare(text).split() for ngram in word_char_ngrams(word)]


class CharFeatures:
    """A word's character n-grams as indices into a fitted vocabulary, cached per word."""

    def __init__(self, vocabulary: dict[str, int]) -> None:
        self._vocabulary = vocabulary

        @lru_cache(maxsize=_CACHE_SIZE)
        def of_word(word: str) -> np.ndarray:
            found = (vocabulary.get(ngram, -1) for ngram in word_char_ngrams(word))
            indices = np.fromiter(found, np.intp)
            return indices[indices >= 0]

        self._of_word: Callable[[str], np.ndarray] = of_word

    def __call__(self, words: Iterable[str]) -> np.ndarray:
        """The vocabulary indices of the n-grams of ``words``, repeated as often as they occur."""
        parts = [self._of_word(word) for word in words]
        return np.concatenate(parts) if parts else np.zeros(0, np.intp)
