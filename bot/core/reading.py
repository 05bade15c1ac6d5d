"""Reading a message before any storage is touched: the slow part of a turn.

Triage (rules and the model) and the knowledge-base search take most of a turn's time and
need no stored state, so the desk does them first and only then opens the unit of work that
writes: no write lock (SQLite's, or a row lock on PostgreSQL) is held while a model runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.domain import ArticleMatch, TriageVerdict


@dataclass(frozen=True)
class Reading:
    """A message's triage verdict and the article searches its turn may need."""

    verdict: TriageVerdict | None = None
    searches: Mapping[str, Sequence[ArticleMatch]] = field(default_factory=dict)

    def matches_for(self, text: str) -> Sequence[ArticleMatch] | None:
        """The search already done for ``text``, or None if it was not foreseen."""
        return self.searches.get(text)
