"""The core's services wired on the in-memory storage, shaped like bootstrap's App for tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.desk import FirstLineDesk
from bot.core.notices import NoticeBoard
from bot.core.ports import Clock, KnowledgeBase, ReplyReader, Triage
from bot.core.roster import Roster
from bot.core.second_line import SecondLineDesk
from bot.core.service_levels import ServiceLevelCheck
from bot.core.tickets import DEFAULT_SERVICE_LEVELS, ServiceLevels
from classifier.replies import default_reply_reader
from knowledge_base import DEFAULT_CATEGORIES
from tests.memory_storage import MemoryStore


@dataclass(frozen=True)
class MemoryTeam:
    """Second line's services over the store (the figures need SQL: no AgentStats here)."""

    desk: SecondLineDesk
    roster: Roster
    service_levels: ServiceLevelCheck
    notices: NoticeBoard


@dataclass(frozen=True)
class MemoryApp:
    """The first-line desk and the team over one in-memory store."""

    desk: FirstLineDesk
    team: MemoryTeam
    store: MemoryStore = field(repr=False)


def memory_app(
    knowledge: KnowledgeBase,
    triage: Triage,
    clock: Clock,
    store: MemoryStore | None = None,
    levels: ServiceLevels = DEFAULT_SERVICE_LEVELS,
    keep_unmasked: bool = False,
    replies: ReplyReader | None = None,
) -> MemoryApp:
    """The desk and team on ``store`` (a new one if none is given), wired as bootstrap does
    (with the reply model of the project's examples unless ``replies`` is given)."""
    store = store or MemoryStore()
    units = store.units()
    team = MemoryTeam(
        SecondLineDesk(units, DEFAULT_CATEGORIES, levels, clock, knowledge=lambda: knowledge),
        Roster(units, DEFAULT_CATEGORIES, clock),
        ServiceLevelCheck(units, levels, clock),
        NoticeBoard(units, clock),
    )
    desk = FirstLineDesk(
        knowledge,
        triage,
        units,
        clock=clock,
        levels=levels,
        keep_unmasked=keep_unmasked,
        replies=replies or default_reply_reader(),
    )
    return MemoryApp(desk, team, store)
