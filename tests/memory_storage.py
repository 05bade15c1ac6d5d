"""The in-memory adapter of the core's storage ports: dict-backed repositories in one unit of work.

Beside the SQL adapter it keeps the ports honest (the same storage contract tests run on
both) and lets the core's tests run without a database. A unit of work works on a copy of
the store and swaps it in on :meth:`MemoryUnitOfWork.commit`; without a commit nothing it
did is kept. Every repository hands out copies, so a caller's object changes nothing until
it is saved, as with SQL.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Self

from bot.core.domain import (
    Attachment,
    Conversation,
    ConversationStatus,
    Direction,
    FeedbackOutcome,
    HandoffRequest,
    Sender,
)
from bot.core.incidents import IncidentStatus, MajorIncident
from bot.core.ports import (
    AgentRepository,
    ConversationRepository,
    DeliveryRepository,
    EventRepository,
    FeedbackRepository,
    HandoffRepository,
    IncidentRepository,
    MessageRepository,
    OutboxRepository,
    TicketRepository,
    UnitOfWork,
    UnitOfWorkFactory,
    UserRepository,
)
from bot.core.routing import queue_order
from bot.core.tickets import (
    HELD_STATUSES,
    Agent,
    DeliveryOutcome,
    LiveOffer,
    Notice,
    NoticeKind,
    PendingNotice,
    Ticket,
    TicketEvent,
    TicketStatus,
    TranscriptLine,
)

_GOING_ON = {ConversationStatus.OPEN, ConversationStatus.NEEDS_HUMAN}
_CLOSED = {ConversationStatus.RESOLVED, ConversationStatus.CANCELLED}


class ConcurrentCommit(RuntimeError):
    """Another unit of work committed since this one began (SQL would fail or wait)."""


@dataclass
class StoredUser:
    sender: Sender
    created_at: datetime


@dataclass
class StoredConversation:
    conversation: Conversation
    started_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None


@dataclass(frozen=True)
class StoredMessage:
    conversation_id: int
    direction: Direction
    text: str
    at: datetime
    truncated: bool = False
    author: str | None = None
    original: str | None = None
    attachment: Attachment | None = None


@dataclass(frozen=True)
class StoredFeedback:
    conversation_id: int
    article_id: str
    score: float
    outcome: FeedbackOutcome
    at: datetime


@dataclass
class StoredAgent:
    agent: Agent
    active: bool = True


@dataclass
class StoredNotice:
    notice: Notice
    created_at: datetime
    delivered_at: datetime | None = None
    sent_as: str | None = None
    withdrawn_at: datetime | None = None
    taken_until: datetime | None = None
    caused_by: str | None = None
    outcome: DeliveryOutcome | None = None
    pieces_sent: int = 0
    in_flight: bool = False


@dataclass
class MemoryState:
    """Everything the store holds; ids come from one counter per table, as in SQL."""

    users: dict[int, StoredUser] = field(default_factory=dict)
    conversations: dict[int, StoredConversation] = field(default_factory=dict)
    messages: list[StoredMessage] = field(default_factory=list)
    feedback: list[StoredFeedback] = field(default_factory=list)
    handoffs: list[tuple[HandoffRequest, datetime]] = field(default_factory=list)
    agents: dict[int, StoredAgent] = field(default_factory=dict)
    tickets: dict[int, Ticket] = field(default_factory=dict)
    events: list[TicketEvent] = field(default_factory=list)
    outbox: dict[int, StoredNotice] = field(default_factory=dict)
    deliveries: dict[str, datetime] = field(default_factory=dict)
    incidents: dict[int, MajorIncident] = field(default_factory=dict)

    def next_id(self, table: Mapping[int, object]) -> int:
        """The id a new row of ``table`` gets."""
        return max(table, default=0) + 1


class MemoryUsers:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def find(self, sender: Sender) -> int | None:
        return next(
            (
                user_id
                for user_id, user in self._state.users.items()
                if (user.sender.channel, user.sender.external_id)
                == (sender.channel, sender.external_id)
            ),
            None,
        )

    def ensure(self, sender: Sender, now: datetime) -> int:
        user_id = self.find(sender)
        if user_id is None:
            user_id = self._state.next_id(self._state.users)
            self._state.users[user_id] = StoredUser(sender, now)
        elif sender.display_name:
            stored = self._state.users[user_id]
            stored.sender = replace(stored.sender, display_name=sender.display_name)
        return user_id

    def sender(self, user_id: int) -> Sender:
        return self._state.users[user_id].sender


class MemoryConversations:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def open_for(self, user_id: int) -> Conversation | None:
        going_on = [
            stored.conversation
            for stored in self._state.conversations.values()
            if stored.conversation.user_id == user_id and stored.conversation.status in _GOING_ON
        ]
        return copy.deepcopy(max(going_on, key=lambda c: c.id)) if going_on else None

    def start(self, user_id: int, now: datetime) -> Conversation:
        conversation = Conversation(self._state.next_id(self._state.conversations), user_id)
        self._state.conversations[conversation.id] = StoredConversation(conversation, now, now)
        return copy.deepcopy(conversation)

    def save(self, conversation: Conversation, now: datetime) -> None:
        stored = self._state.conversations[conversation.id]
        stored.conversation = copy.deepcopy(conversation)
        stored.updated_at = now
        if conversation.status in _CLOSED and stored.closed_at is None:
            stored.closed_at = now


class MemoryMessages:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def add(
        self,
        conversation_id: int,
        direction: Direction,
        text: str,
        now: datetime,
        truncated: bool = False,
        author: str | None = None,
        original: str | None = None,
        attachment: Attachment | None = None,
    ) -> None:
        self._state.messages.append(
            StoredMessage(
                conversation_id, direction, text, now, truncated, author, original, attachment
            )
        )

    def transcript(self, conversation_id: int) -> list[TranscriptLine]:
        return [
            TranscriptLine(m.at, m.direction, m.text, m.author, m.attachment)
            for m in self._state.messages
            if m.conversation_id == conversation_id
        ]


class MemoryFeedback:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def add(
        self,
        conversation_id: int,
        article_id: str,
        score: float,
        outcome: FeedbackOutcome,
        now: datetime,
    ) -> None:
        self._state.feedback.append(
            StoredFeedback(conversation_id, article_id, score, outcome, now)
        )


class MemoryHandoffs:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def add(self, request: HandoffRequest, now: datetime) -> None:
        self._state.handoffs.append((request, now))


class MemoryAgents:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def add(self, agent: Agent, now: datetime) -> Agent:
        same_name = [i for i, s in self._state.agents.items() if s.agent.name == agent.name]
        agent_id = same_name[0] if same_name else self._state.next_id(self._state.agents)
        stored = replace(agent, id=agent_id)
        self._state.agents[agent_id] = StoredAgent(stored)
        return stored

    def get(self, agent_id: int) -> Agent | None:
        stored = self._state.agents.get(agent_id)
        return stored.agent if stored is not None and stored.active else None

    def by_name(self, name: str) -> Agent | None:
        return next((a for a in self._active() if a.name.casefold() == name.casefold()), None)

    def by_telegram_id(self, telegram_id: str) -> Agent | None:
        return next((a for a in self._active() if a.telegram_id == telegram_id), None)

    def all(self) -> list[Agent]:
        return sorted(self._active(), key=lambda agent: agent.name)

    def save(self, agent: Agent) -> None:
        self._state.agents[agent.id].agent = agent

    def remove(self, agent_id: int) -> None:
        stored = self._state.agents[agent_id]
        stored.active = False
        stored.agent = replace(
            stored.agent, on_shift=False, telegram_id=None, current_ticket_id=None
        )

    def loads(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for ticket in self._state.tickets.values():
            if ticket.status in HELD_STATUSES and ticket.assignee_id is not None:
                counts[ticket.assignee_id] = counts.get(ticket.assignee_id, 0) + 1
        return counts

    def _active(self) -> list[Agent]:
        return [stored.agent for stored in self._state.agents.values() if stored.active]


class MemoryTickets:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def add(self, ticket: Ticket) -> Ticket:
        stored = copy.deepcopy(ticket)
        stored.id = self._state.next_id(self._state.tickets)
        self._state.tickets[stored.id] = stored
        return copy.deepcopy(stored)

    def get(self, ticket_id: int) -> Ticket | None:
        return copy.deepcopy(self._state.tickets.get(ticket_id))

    def for_conversation(self, conversation_id: int) -> Ticket | None:
        return self._latest([t for t in self._all() if t.conversation_id == conversation_id])

    def latest_for_user(self, user_id: int) -> Ticket | None:
        return self._latest([t for t in self._all() if t.user_id == user_id])

    def with_status(self, *statuses: TicketStatus) -> list[Ticket]:
        return sorted((t for t in self._all() if t.status in statuses), key=queue_order)

    def held_by(self, agent_id: int) -> list[Ticket]:
        return [t for t in self._all() if t.assignee_id == agent_id and t.status in HELD_STATUSES]

    def try_claim(self, ticket_id: int, agent_id: int, now: datetime) -> bool:
        ticket = self._state.tickets.get(ticket_id)
        if ticket is None or ticket.status is not TicketStatus.QUEUED:
            return False
        ticket.status = TicketStatus.ASSIGNED
        ticket.assignee_id = agent_id
        ticket.claimed_at = ticket.claimed_at or now
        return True

    def save(self, ticket: Ticket) -> None:
        if ticket.id not in self._state.tickets:
            raise KeyError(f"no ticket {ticket.id} to save")
        self._state.tickets[ticket.id] = copy.deepcopy(ticket)

    def of_incident(self, incident_id: int) -> list[Ticket]:
        return [t for t in self._all() if t.incident_id == incident_id]

    def created_since(self, since: datetime) -> list[Ticket]:
        found = [t for t in self._all() if t.created_at >= since]
        return sorted(found, key=lambda t: (t.created_at, t.id))

    def _all(self) -> list[Ticket]:
        return [copy.deepcopy(t) for _, t in sorted(self._state.tickets.items())]

    @staticmethod
    def _latest(tickets: list[Ticket]) -> Ticket | None:
        return max(tickets, key=lambda t: t.id) if tickets else None


class MemoryEvents:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def add(self, event: TicketEvent) -> None:
        self._state.events.append(event)

    def for_ticket(self, ticket_id: int) -> list[TicketEvent]:
        return [event for event in self._state.events if event.ticket_id == ticket_id]


class MemoryOutbox:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def add(
        self,
        notice: Notice,
        now: datetime,
        caused_by: str | None = None,
        reserved_until: datetime | None = None,
    ) -> None:
        stored = StoredNotice(notice, now, taken_until=reserved_until, caused_by=caused_by)
        self._state.outbox[self._state.next_id(self._state.outbox)] = stored

    def caused_by(self, key: str, now: datetime) -> list[PendingNotice]:
        return [
            PendingNotice(notice_id, stored.notice, None, stored.pieces_sent, stored.in_flight)
            for notice_id, stored in self._undelivered()
            if stored.caused_by == key
            and stored.taken_until is not None
            and stored.taken_until > now
        ]

    def answered(self, key: str) -> bool:
        return any(stored.caused_by == key for stored in self._state.outbox.values())

    def lease(self, notice_id: int, now: datetime, until: datetime) -> bool:
        stored = self._state.outbox.get(notice_id)
        if stored is None or stored.delivered_at is not None:
            return False
        if stored.taken_until is not None and stored.taken_until > now:
            return False
        stored.taken_until, stored.in_flight = until, True
        return True

    def start_sending(self, notice_id: int) -> bool:
        stored = self._state.outbox.get(notice_id)
        if stored is None or stored.delivered_at is not None or stored.in_flight:
            return False
        stored.in_flight = True
        return True

    def progress(self, notice_id: int, pieces_sent: int) -> None:
        if notice_id in self._state.outbox:
            self._state.outbox[notice_id].pieces_sent = pieces_sent

    def pending(
        self, user_id: int | None = None, agent_id: int | None = None
    ) -> list[PendingNotice]:
        return [
            PendingNotice(notice_id, stored.notice)
            for notice_id, stored in self._undelivered()
            if (user_id is None or stored.notice.user_id == user_id)
            and (agent_id is None or stored.notice.agent_id == agent_id)
        ]

    def delivered(
        self,
        notice_ids: Sequence[int],
        now: datetime,
        outcome: DeliveryOutcome = DeliveryOutcome.SENT,
    ) -> None:
        for notice_id in notice_ids:
            stored = self._state.outbox[notice_id]
            if stored.delivered_at is None:
                stored.delivered_at, stored.outcome = now, outcome

    def pending_on(
        self, channel: str, limit: int, now: datetime | None = None
    ) -> list[tuple[PendingNotice, str]]:
        found = []
        for notice_id, stored in self._undelivered():
            if now is not None and stored.taken_until is not None and stored.taken_until > now:
                continue
            address = self._address(stored.notice, channel)
            if address is not None:
                offer = self._state.outbox.get(stored.notice.withdraws or 0)
                replaces = offer.sent_as if offer is not None else None
                pending = PendingNotice(
                    notice_id, stored.notice, replaces, stored.pieces_sent, stored.in_flight
                )
                found.append((pending, address))
        return found[:limit]

    def sent_as(self, notice_id: int, reference: str) -> None:
        if notice_id in self._state.outbox:
            self._state.outbox[notice_id].sent_as = reference

    def live_offers(self, ticket_id: int) -> list[LiveOffer]:
        return [
            LiveOffer(notice_id, stored.notice.agent_id, stored.delivered_at is not None)
            for notice_id, stored in sorted(self._state.outbox.items())
            if stored.notice.ticket_id == ticket_id
            and stored.notice.kind is NoticeKind.OFFER
            and stored.withdrawn_at is None
            and stored.notice.agent_id is not None
        ]

    def withdraw(self, notice_ids: Sequence[int], now: datetime) -> None:
        for notice_id in notice_ids:
            stored = self._state.outbox[notice_id]
            stored.withdrawn_at = now
            stored.delivered_at = stored.delivered_at or now

    def take(self, notice_id: int, now: datetime) -> bool:
        stored = self._state.outbox.get(notice_id)
        if stored is None or stored.delivered_at is not None:
            return False
        stored.delivered_at = now
        return True

    def give_back(self, notice_id: int) -> None:
        if notice_id in self._state.outbox:
            self._state.outbox[notice_id].taken_until = None
            self._state.outbox[notice_id].in_flight = False

    def _undelivered(self) -> list[tuple[int, StoredNotice]]:
        return [(i, s) for i, s in sorted(self._state.outbox.items()) if s.delivered_at is None]

    def _address(self, notice: Notice, channel: str) -> str | None:
        """The user's id on ``channel``, else the agent's Telegram id (as the SQL join)."""
        user = self._state.users.get(notice.user_id) if notice.user_id is not None else None
        if user is not None and user.sender.channel == channel:
            return user.sender.external_id
        agent = self._state.agents.get(notice.agent_id) if notice.agent_id is not None else None
        return agent.agent.telegram_id if agent is not None else None


class MemoryIncidents:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def add(self, incident: MajorIncident) -> MajorIncident:
        stored = copy.deepcopy(incident)
        stored.id = self._state.next_id(self._state.incidents)
        self._state.incidents[stored.id] = stored
        return copy.deepcopy(stored)

    def get(self, incident_id: int) -> MajorIncident | None:
        return copy.deepcopy(self._state.incidents.get(incident_id))

    def with_status(self, *statuses: IncidentStatus) -> list[MajorIncident]:
        return [
            copy.deepcopy(incident)
            for _, incident in sorted(self._state.incidents.items())
            if incident.status in statuses
        ]

    def save(self, incident: MajorIncident) -> None:
        if incident.id not in self._state.incidents:
            raise KeyError(f"no major incident {incident.id} to save")
        self._state.incidents[incident.id] = copy.deepcopy(incident)


class MemoryDeliveries:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def first_time(self, key: str, now: datetime) -> bool:
        if key in self._state.deliveries:
            return False
        self._state.deliveries[key] = now
        return True


class MemoryStore:
    """The committed state every unit of work starts from, and what the tests peek at."""

    def __init__(self) -> None:
        self.state = MemoryState()
        self.version = 0

    def units(self) -> UnitOfWorkFactory:
        """The unit-of-work factory the core's services are given, over this store."""

        def open_unit(*, read_only: bool = False) -> MemoryUnitOfWork:
            return MemoryUnitOfWork(self, read_only=read_only)

        return open_unit


class MemoryUnitOfWork:
    """Works on a copy of the store; :meth:`commit` swaps it in, anything else forgets it."""

    users: UserRepository
    conversations: ConversationRepository
    messages: MessageRepository
    feedback: FeedbackRepository
    handoffs: HandoffRepository
    agents: AgentRepository
    tickets: TicketRepository
    events: EventRepository
    outbox: OutboxRepository
    deliveries: DeliveryRepository
    incidents: IncidentRepository

    def __init__(self, store: MemoryStore, read_only: bool = False) -> None:
        self._store = store
        self._read_only = read_only

    def __enter__(self) -> Self:
        self._began_at = self._store.version
        self._state = copy.deepcopy(self._store.state)
        self.users = MemoryUsers(self._state)
        self.conversations = MemoryConversations(self._state)
        self.messages = MemoryMessages(self._state)
        self.feedback = MemoryFeedback(self._state)
        self.handoffs = MemoryHandoffs(self._state)
        self.agents = MemoryAgents(self._state)
        self.tickets = MemoryTickets(self._state)
        self.events = MemoryEvents(self._state)
        self.outbox = MemoryOutbox(self._state)
        self.deliveries = MemoryDeliveries(self._state)
        self.incidents = MemoryIncidents(self._state)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._state = MemoryState()

    def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        if self._store.version != self._began_at:
            raise ConcurrentCommit("another unit of work committed since this one began")
        self._store.state = copy.deepcopy(self._state)
        self._store.version += 1
        self._began_at = self._store.version


def _is_a_unit_of_work(uow: MemoryUnitOfWork) -> UnitOfWork:
    return uow  # mypy checks the repositories against the ports here


def _is_a_factory(store: MemoryStore) -> UnitOfWorkFactory:
    return store.units()
