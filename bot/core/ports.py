"""The protocols through which the core sees storage, knowledge and time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from bot.core.domain import (
    Article,
    ArticleMatch,
    Attachment,
    Conversation,
    Direction,
    FeedbackOutcome,
    HandoffRequest,
    Sender,
    TriageVerdict,
)
from bot.core.incidents import IncidentStatus, MajorIncident
from bot.core.metrics import DeskFacts, Period
from bot.core.reply_reading import Expecting, ReplyReading
from bot.core.tickets import (
    Agent,
    DeliveryOutcome,
    LiveOffer,
    Notice,
    PendingNotice,
    Ticket,
    TicketEvent,
    TicketStatus,
    TranscriptLine,
)

Clock = Callable[[], datetime]


class KnowledgeBase(Protocol):
    """Ranks articles for a message."""

    def search(self, text: str, limit: int = 3) -> Sequence[ArticleMatch]:
        """Best matches first; scores in [0, 1]."""
        ...

    def article(self, article_id: str) -> Article | None:
        """The article with this id, if it still exists."""
        ...

    @property
    def min_score(self) -> float:
        """The score below which a match is not a confident answer."""
        ...


class Triage(Protocol):
    """Reads an enquiry's category, priority and whether first line must hand it over."""

    def assess(self, text: str) -> TriageVerdict:
        """The verdict for one message; never raises for a missing model."""
        ...


class ReplyReader(Protocol):
    """Reads what a user's message is: a yes, a rating, a request for a person, a question..."""

    def read(self, text: str, expecting: Expecting = Expecting.NOTHING) -> ReplyReading:
        """The reading of one (masked) message, for what the conversation expects."""
        ...


class UserRepository(Protocol):
    def ensure(self, sender: Sender, now: datetime) -> int:
        """The id of this sender's user, created on first contact."""
        ...

    def find(self, sender: Sender) -> int | None:
        """The id of this sender's user, if they have written before."""
        ...

    def sender(self, user_id: int) -> Sender:
        """The channel and id that reach this user."""
        ...


class ConversationRepository(Protocol):
    def open_for(self, user_id: int) -> Conversation | None:
        """The user's conversation that is still going on, if any."""
        ...

    def start(self, user_id: int, now: datetime) -> Conversation:
        """A new open conversation for the user."""
        ...

    def save(self, conversation: Conversation, now: datetime) -> None:
        """Store the conversation's current state."""
        ...


class MessageRepository(Protocol):
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
        """Append a message to the conversation's transcript."""
        ...

    def transcript(self, conversation_id: int) -> list[TranscriptLine]:
        """Every message of the conversation, oldest first."""
        ...


class FeedbackRepository(Protocol):
    def add(
        self,
        conversation_id: int,
        article_id: str,
        score: float,
        outcome: FeedbackOutcome,
        now: datetime,
    ) -> None:
        """Record what the user said to an article."""
        ...


class HandoffRepository(Protocol):
    def add(self, request: HandoffRequest, now: datetime) -> None:
        """Record a request for second line."""
        ...


class AgentRepository(Protocol):
    def add(self, agent: Agent, now: datetime) -> Agent:
        """Register an agent (its id is ignored) and return it with its id."""
        ...

    def get(self, agent_id: int) -> Agent | None: ...

    def by_name(self, name: str) -> Agent | None: ...

    def by_telegram_id(self, telegram_id: str) -> Agent | None: ...

    def all(self) -> list[Agent]:
        """Every registered agent, by name."""
        ...

    def save(self, agent: Agent) -> None:
        """Store an agent's changed fields."""
        ...

    def remove(self, agent_id: int) -> None: ...

    def loads(self) -> dict[int, int]:
        """How many open cases each agent holds."""
        ...


class TicketRepository(Protocol):
    def add(self, ticket: Ticket) -> Ticket:
        """Store a new ticket (its id is ignored) and return it with its id."""
        ...

    def get(self, ticket_id: int) -> Ticket | None: ...

    def for_conversation(self, conversation_id: int) -> Ticket | None:
        """The latest ticket opened for a conversation."""
        ...

    def latest_for_user(self, user_id: int) -> Ticket | None: ...

    def with_status(self, *statuses: TicketStatus) -> list[Ticket]:
        """Tickets in these states, highest priority first, then longest waiting."""
        ...

    def held_by(self, agent_id: int) -> list[Ticket]:
        """The open cases an agent holds."""
        ...

    def try_claim(self, ticket_id: int, agent_id: int, now: datetime) -> bool:
        """Atomically assign a queued ticket; False when someone else got it first."""
        ...

    def save(self, ticket: Ticket) -> None: ...

    def of_incident(self, incident_id: int) -> list[Ticket]:
        """The tickets grouped into or linked to a major incident, oldest first."""
        ...

    def created_since(self, since: datetime) -> list[Ticket]:
        """Tickets created at or after ``since``, oldest first."""
        ...


class IncidentRepository(Protocol):
    def add(self, incident: MajorIncident) -> MajorIncident:
        """Store a new major incident (its id is ignored) and return it with its id."""
        ...

    def get(self, incident_id: int) -> MajorIncident | None: ...

    def with_status(self, *statuses: IncidentStatus) -> list[MajorIncident]:
        """Major incidents in these states, oldest first."""
        ...

    def save(self, incident: MajorIncident) -> None: ...


class EventRepository(Protocol):
    def add(self, event: TicketEvent) -> None: ...

    def for_ticket(self, ticket_id: int) -> list[TicketEvent]:
        """The ticket's audit trail, oldest first."""
        ...


class OutboxRepository(Protocol):
    def add(
        self,
        notice: Notice,
        now: datetime,
        caused_by: str | None = None,
        reserved_until: datetime | None = None,
    ) -> None:
        """Queue a notice for delivery. ``caused_by`` names the incoming update it answers;
        ``reserved_until`` leases it at once to the caller that will send it right away
        (anyone may take it up after that, as after a crash)."""
        ...

    def caused_by(self, key: str, now: datetime) -> list[PendingNotice]:
        """The undelivered notices that answer one incoming update and are still reserved
        for its door at ``now`` (once a reservation runs out, couriers deliver them)."""
        ...

    def answered(self, key: str) -> bool:
        """Whether any notice (delivered or not) answers this incoming update."""
        ...

    def lease(self, notice_id: int, now: datetime, until: datetime) -> bool:
        """Take one undelivered notice to send it at once, until ``until``, marking it in
        flight; False if another sender holds it (or it was delivered meanwhile)."""
        ...

    def start_sending(self, notice_id: int) -> bool:
        """Mark a notice reserved for the caller in flight, just before it is sent; False if
        a sender started it before (or it was delivered): it must not be sent now."""
        ...

    def progress(self, notice_id: int, pieces_sent: int) -> None:
        """Record how many pieces of a long notice the channel has accepted."""
        ...

    def pending(
        self, user_id: int | None = None, agent_id: int | None = None
    ) -> list[PendingNotice]:
        """Undelivered notices for one user or agent (for everyone when neither is given)."""
        ...

    def delivered(
        self,
        notice_ids: Sequence[int],
        now: datetime,
        outcome: DeliveryOutcome = DeliveryOutcome.SENT,
    ) -> None:
        """Mark notices as delivered (or given up, as ``outcome`` says)."""
        ...

    def pending_on(
        self, channel: str, limit: int, now: datetime | None = None
    ) -> list[tuple[PendingNotice, str]]:
        """Undelivered notices for people reachable on a channel, with their address there
        (and, for a withdrawal, the reference of the offer it replaces, as sent); with
        ``now``, those another sender holds a lease on are left out."""
        ...

    def sent_as(self, notice_id: int, reference: str) -> None:
        """Record the door's reference of the message a notice was delivered as."""
        ...

    def live_offers(self, ticket_id: int) -> list[LiveOffer]:
        """The case's offers not yet withdrawn, oldest first."""
        ...

    def withdraw(self, notice_ids: Sequence[int], now: datetime) -> None:
        """Mark offers withdrawn; one not yet delivered never will be."""
        ...

    def take(self, notice_id: int, now: datetime) -> bool:
        """Mark one notice delivered unless another process already took it (a door that
        shows it at once, such as a terminal)."""
        ...

    def give_back(self, notice_id: int) -> None:
        """End a lease on a notice whose delivery failed for certain (nothing in flight), so
        it is tried again."""
        ...


class DeliveryRepository(Protocol):
    def first_time(self, key: str, now: datetime) -> bool:
        """Record a delivery (a channel's id for one incoming message); False if it was
        recorded before, by this process or another: then it must not be handled again."""
        ...


class MetricsReader(Protocol):
    """Reads the facts behind the desk's figures (a read model beside the unit of work)."""

    def facts_in(self, period: Period, now: datetime) -> DeskFacts:
        """Enquiries started and cases created in the period, as of ``now``."""
        ...


class UnitOfWork(Protocol):
    """One atomic piece of work; rolled back unless :meth:`commit` is called."""

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

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Opens a unit of work; a ``read_only`` one writes nothing and waits for no writer."""

    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...
