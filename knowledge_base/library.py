"""The knowledge base the desk talks to: a folder of articles, re-read when it changes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.core.domain import Article, ArticleMatch
from knowledge_base import DEFAULT_CATEGORIES
from knowledge_base.articles_io import article_files, load_articles
from knowledge_base.retrieval import ArticleIndex

log = logging.getLogger(__name__)

Fingerprint = tuple[tuple[str, int, int], ...]


def folder_fingerprint(directory: Path) -> Fingerprint:
    """What changes when an article file is added, removed or edited."""
    entries = []
    for path in article_files(directory):
        stat = path.stat()
        entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


class ArticleLibrary:
    """Articles from a folder, indexed once and rebuilt only when a file changes."""

    def __init__(
        self,
        directory: Path,
        min_score: float,
        categories: Sequence[str] = DEFAULT_CATEGORIES,
        recheck_seconds: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.directory = directory
        self._min_score = min_score
        self._categories = tuple(categories)
        self._recheck_seconds = recheck_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._fingerprint: Fingerprint = ()
        self._checked_at = monotonic()
        self._index = self._build()

    @property
    def min_score(self) -> float:
        return self._min_score

    @property
    def articles(self) -> tuple[Article, ...]:
        """The articles currently indexed."""
        return self._current().articles

    def article(self, article_id: str) -> Article | None:
        return self._current().article(article_id)

    def search(self, text: str, limit: int = 3) -> Sequence[ArticleMatch]:
        return self._current().search(text, limit)

    def _current(self) -> ArticleIndex:
        now = self._monotonic()
        if now - self._checked_at >= self._recheck_seconds:
            with self._lock:
                self._checked_at = now
                if folder_fingerprint(self.directory) != self._fingerprint:
                    log.info("knowledge base changed on disk; rebuilding the index")
                    self._index = self._build()
        return self._index

    def _build(self) -> ArticleIndex:
        self._fingerprint = folder_fingerprint(self.directory)
        loaded = load_articles(self.directory, self._categories)
        for problem in loaded.problems:
            log.warning("article skipped: %s", problem)
        log.info("indexed %d articles from %s", len(loaded.articles), self.directory)
        return ArticleIndex(loaded.articles)
