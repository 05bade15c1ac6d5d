"""Triage and the knowledge-base search run before the desk opens a unit of work that writes,
so no write lock is held while a model or a search runs (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

from bot.bootstrap import App
from bot.core.desk import FirstLineDesk
from bot.core.domain import Article, ArticleMatch, TriageVerdict
from bot.core.ports import KnowledgeBase, Triage, UnitOfWork, UnitOfWorkFactory
from bot.storage.unit_of_work import sql_units_of_work
from tests.conftest import ALICE, said
from tests.fakes import FakeTriage, escalating

LEAK = "my docking station makes a buzzing noise"
PUDDLE = "it gets louder when the usb hub is plugged in"
OUTAGE = "the whole office has no network"


class WritingUnits:
    """Opens units of work as the wrapped factory does, counting the writing ones still open."""

    def __init__(self, inner: UnitOfWorkFactory) -> None:
        self._inner = inner
        self.open = 0

    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        return _Counted(self, self._inner(read_only=read_only), read_only)  # type: ignore[return-value]


class _Counted:
    def __init__(self, units: WritingUnits, unit: UnitOfWork, read_only: bool) -> None:
        self._units, self._unit, self._writes = units, unit, not read_only

    def __enter__(self) -> UnitOfWork:
        self._units.open += self._writes
        return self._unit.__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._units.open -= self._writes
        self._unit.__exit__(exc_type, exc, tb)


class WatchedTriage:
    """Notes, for every message it assesses, how many writing units were open."""

    def __init__(self, inner: Triage, units: WritingUnits) -> None:
        self._inner, self._units = inner, units
        self.open_during: list[tuple[str, int]] = []

    def assess(self, text: str) -> TriageVerdict:
        self.open_during.append((text, self._units.open))
        return self._inner.assess(text)


class WatchedKnowledge:
    """Notes, for every search, how many writing units were open."""

    def __init__(self, inner: KnowledgeBase, units: WritingUnits) -> None:
        self._inner, self._units = inner, units
        self.open_during: list[tuple[str, int]] = []

    def search(self, text: str, limit: int = 3) -> Sequence[ArticleMatch]:
        self.open_during.append((text, self._units.open))
        return self._inner.search(text, limit)

    def article(self, article_id: str) -> Article | None:
        return self._inner.article(article_id)

    @property
    def min_score(self) -> float:
        return self._inner.min_score


def _watched_desk(app: App, triage: Triage) -> tuple[FirstLineDesk, WatchedTriage, Any]:
    units = WritingUnits(sql_units_of_work(app.sessions))
    watched_triage = WatchedTriage(triage, units)
    knowledge = WatchedKnowledge(app.knowledge, units)
    return FirstLineDesk(knowledge, watched_triage, units), watched_triage, knowledge


def test_questions_are_triaged_and_searched_with_no_writing_unit_open(app: App) -> None:
    desk, triage, knowledge = _watched_desk(app, FakeTriage())
    assert "password" in said(
        desk.handle(ALICE, "I forgot my password and now I'm locked out", delivery="test:1")
    )
    assert "Let's try this instead" in said(desk.handle(ALICE, "no", delivery="test:2"))
    assert "couldn't find an answer" in said(desk.handle(ALICE, LEAK, delivery="test:3"))
    assert "second-line team" in said(desk.handle(ALICE, PUDDLE, delivery="test:4"))

    assert [text for text, _ in triage.open_during] == [  # every message is triaged
        "I forgot my password and now I'm locked out",
        "no",
        LEAK,
        PUDDLE,
    ]
    assert f"{LEAK}\n{PUDDLE}" in [text for text, _ in knowledge.open_during]
    assert all(open_units == 0 for _, open_units in triage.open_during)
    assert all(open_units == 0 for _, open_units in knowledge.open_during)


def test_an_escalated_question_is_assessed_before_the_case_is_written(app: App) -> None:
    desk, triage, _ = _watched_desk(app, FakeTriage({OUTAGE: escalating("network", "P1")}))
    assert "T-1001" in said(desk.handle(ALICE, OUTAGE, delivery="test:1"))
    assert triage.open_during == [(OUTAGE, 0)]
