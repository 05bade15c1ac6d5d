"""Correcting a misspelt word to the knowledge base's own word one typing slip away.

A symmetric-deletion index (as in SymSpell): every known word is filed under itself and
under each string made by deleting one of its letters, so a query word's candidates are
found with a handful of dictionary look-ups instead of a scan of the vocabulary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

MIN_LENGTH = 4  # shorter words have too many neighbours to correct safely


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Speller:
    """Maps an unknown word to the most frequent known word one edit away, if any."""

    def __init__(self, known: Iterable[str]) -> None:
        self._counts = Counter(known)
        self._by_key: dict[str, set[str]] = {}
        for word in self._counts:
            if len(word) >= MIN_LENGTH - 1 and word.isalpha():
                for key in _deletes(word) | {word}:
                    self._by_key.setdefault(key, set()).add(word)

    def __contains__(self, word: str) -> bool:
        return word in self._counts

    def correct(self, word: str) -> str:
        """``word`` itself if known or unfixable, else its closest known spelling."""
        if word in self._counts or len(word) < MIN_LENGTH or not word.isalpha():
            return word
        candidates: set[str] = set()
        for key in _deletes(word) | {word}:
            candidates |= self._by_key.get(key, set())
        candidates = {c for c in candidates if abs(len(c) - len(word)) <= 1}
        if not candidates:
            return word
        return min(candidates, key=lambda c: (-self._counts[c], c))
