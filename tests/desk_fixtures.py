"""The second-line test desk: a user's side, the team's side, and a clock the test moves.

The desk runs on the in-memory storage for tests marked ``memory``, and on SQLite and
PostgreSQL always; it reads tickets through the ports, and the audit trail and stored
messages through a small view of the storage underneath.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.bootstrap import App
from bot.core.domain import (
    ConversationStatus,
    FeedbackOutcome,
    HandoffRequest,
    Sender,
    ShownArticle,
)
from bot.core.ports import KnowledgeBase, UnitOfWorkFactory
from bot.core.tickets import Agent, Ticket
from bot.storage.schema import ConversationRow, FeedbackRow, HandoffRow, MessageRow, TicketEventRow
from bot.storage.serialization import shown_from_json, verdict_from_json
from bot.storage.unit_of_work import sql_units_of_work
from tests.conftest import AppFactory, said
from tests.fakes import FakeTriage, ManualClock, escalating
from tests.memory_app import MemoryApp, memory_app
from tests.memory_storage import MemoryStore

OUTAGE = "the whole 2nd floor has no network since the power cut"
RANSOM = "there's a ransom note on my screen"
ALICE = Sender("test", "alice", "Alice")
BOB = Sender("test", "bob", "Bob")


@dataclass(frozen=True)
class StoredConversation:
    """A conversation as stored, with the moment it closed."""

    status: ConversationStatus
    closed_at: datetime | None
    shown: list[ShownArticle]


class StoredView(Protocol):
    """What a test reads below the ports: trails, messages, conversations, handoffs, feedback."""

    def trail(self, ticket_id: int) -> list[str]:
        """The ticket's audit trail as 'actor action' lines, oldest first."""
        ...

    def details(self, ticket_id: int) -> list[tuple[str, str]]:
        """The ticket's audit trail as (action, detail) pairs, oldest first."""
        ...

    def messages(self) -> list[tuple[str, str | None]]:
        """Every stored message's text and kept original, oldest first."""
        ...

    def conversations(self) -> list[StoredConversation]:
        """Every conversation, oldest first."""
        ...

    def handoffs(self) -> list[HandoffRequest]:
        """Every request for second line, oldest first."""
        ...

    def feedback(self) -> list[FeedbackOutcome]:
        """What users said to the articles shown, oldest first."""
        ...


class SqlView:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def trail(self, ticket_id: int) -> list[str]:
        with self._sessions() as session:
            rows = session.scalars(
                select(TicketEventRow)
                .where(TicketEventRow.ticket_id == ticket_id)
                .order_by(TicketEventRow.id)
            )
            return [f"{row.actor} {row.action}" for row in rows]

    def details(self, ticket_id: int) -> list[tuple[str, str]]:
        with self._sessions() as session:
            rows = session.execute(
                select(TicketEventRow.action, TicketEventRow.detail)
                .where(TicketEventRow.ticket_id == ticket_id)
                .order_by(TicketEventRow.id)
            )
            return [(action, detail) for action, detail in rows]

    def messages(self) -> list[tuple[str, str | None]]:
        with self._sessions() as session:
            rows = session.execute(
                select(MessageRow.text, MessageRow.original_text).order_by(MessageRow.id)
            )
            return [(text, original) for text, original in rows]

    def conversations(self) -> list[StoredConversation]:
        with self._sessions() as session:
            rows = session.scalars(select(ConversationRow).order_by(ConversationRow.id))
            return [
                StoredConversation(
                    ConversationStatus(row.status),
                    row.closed_at,
                    [shown_from_json(item) for item in row.shown],
                )
                for row in rows
            ]

    def handoffs(self) -> list[HandoffRequest]:
        with self._sessions() as session:
            rows = session.scalars(select(HandoffRow).order_by(HandoffRow.id))
            return [
                HandoffRequest(
                    row.conversation_id,
                    row.reason,
                    row.question,
                    tuple(shown_from_json(item) for item in row.articles_tried),
                    verdict_from_json(row.verdict),
                )
                for row in rows
            ]

    def feedback(self) -> list[FeedbackOutcome]:
        with self._sessions() as session:
            outcomes = session.scalars(select(FeedbackRow.outcome).order_by(FeedbackRow.id))
            return [FeedbackOutcome(outcome) for outcome in outcomes]


class MemoryView:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def trail(self, ticket_id: int) -> list[str]:
        events = self._store.state.events
        return [f"{e.actor} {e.action}" for e in events if e.ticket_id == ticket_id]

    def details(self, ticket_id: int) -> list[tuple[str, str]]:
        events = self._store.state.events
        return [(e.action, e.detail) for e in events if e.ticket_id == ticket_id]

    def messages(self) -> list[tuple[str, str | None]]:
        return [(m.text, m.original) for m in self._store.state.messages]

    def conversations(self) -> list[StoredConversation]:
        return [
            StoredConversation(s.conversation.status, s.closed_at, s.conversation.shown)
            for _, s in sorted(self._store.state.conversations.items())
        ]

    def handoffs(self) -> list[HandoffRequest]:
        return [request for request, _ in self._store.state.handoffs]

    def feedback(self) -> list[FeedbackOutcome]:
        return [given.outcome for given in self._store.state.feedback]


def stored_view(app: App | MemoryApp) -> StoredView:
    """The view below the ports of the storage ``app`` runs on."""
    if isinstance(app, MemoryApp):
        return MemoryView(app.store)
    return SqlView(app.sessions)


@dataclass
class Desk:
    """The desk with a user's and the team's sides, and a clock the test controls."""

    app: App | MemoryApp
    clock: ManualClock

    @property
    def units(self) -> UnitOfWorkFactory:
        """Units of work on the desk's storage."""
        if isinstance(self.app, MemoryApp):
            return self.app.store.units()
        return sql_units_of_work(self.app.sessions)

    @property
    def stored(self) -> StoredView:
        """The desk's storage, read below the ports."""
        return stored_view(self.app)

    def user(self, line: str, sender: Sender = ALICE) -> str:
        """What the bot answers a user, and whatever the team sent them meanwhile."""
        answer = said(self.app.desk.handle(sender, line))
        return "\n".join([answer, *self.news_for(sender)])

    def news_for(self, sender: Sender = ALICE) -> list[str]:
        return [n.text for n in self.app.team.notices.collect_for_user(sender)]

    def news_for_agent(self, name: str) -> str:
        agent = self.agent(name)
        return "\n".join(n.text for n in self.app.team.notices.collect_for_agent(agent.id))

    def agent(self, name: str) -> Agent:
        return self.app.team.desk.agent_named(name)

    def add(self, name: str, **fields: object) -> Agent:
        fields.setdefault("on_shift", True)
        return self.app.team.roster.add(Agent(id=0, name=name, **fields))  # type: ignore[arg-type]

    def ticket(self, ticket_id: int = 1) -> Ticket:
        with self.units(read_only=True) as uow:
            ticket = uow.tickets.get(ticket_id)
        assert ticket is not None, f"there is no ticket {ticket_id}"
        return ticket

    def trail(self, ticket_id: int = 1) -> list[str]:
        return self.stored.trail(ticket_id)


def desk_triage() -> FakeTriage:
    """The second-line tests' triage: four enquiries escalate, at their priorities."""
    return FakeTriage(
        {
            OUTAGE: escalating("network", "P1"),
            RANSOM: escalating("security", "P1"),
            "outlook keeps crashing for everyone in finance": escalating("email", "P2"),
            "new starter needs access to the payroll share": escalating("account", "P3"),
        }
    )


@pytest.fixture
def desk(storage: str, request: pytest.FixtureRequest, knowledge: KnowledgeBase) -> Desk:
    """The desk on this test's storage: in memory, SQLite or PostgreSQL."""
    clock = ManualClock()
    if storage == "memory":
        return Desk(memory_app(knowledge, desk_triage(), clock), clock)
    make_app: AppFactory = request.getfixturevalue("make_app")
    return Desk(make_app(triage=desk_triage(), clock=clock), clock)
