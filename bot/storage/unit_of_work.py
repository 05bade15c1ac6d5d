"""The SQLAlchemy unit of work: one transaction, and the repositories the core uses in it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

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
    UnitOfWorkFactory,
    UserRepository,
)
from bot.storage.case_repositories import (
    SqlAgents,
    SqlEvents,
    SqlIncidents,
    SqlOutbox,
    SqlTickets,
)
from bot.storage.conversation_repositories import (
    SqlConversations,
    SqlDeliveries,
    SqlFeedback,
    SqlHandoffs,
    SqlMessages,
    SqlUsers,
)
from bot.storage.database import READ_ONLY


class SqlUnitOfWork:
    """A database transaction; everything is rolled back unless :meth:`commit` is called."""

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

    def __init__(self, session_factory: sessionmaker[Session], read_only: bool = False) -> None:
        self._session_factory = session_factory
        self._read_only = read_only

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self._connection: Connection | None = None
        if self._read_only:  # said before the first read: it waits for no writer
            self._connection = self.session.connection(execution_options=READ_ONLY)
        self.users = SqlUsers(self.session, self.connection)
        self.conversations = SqlConversations(self.session, self.connection)
        self.messages = SqlMessages(self.session, self.connection)
        self.feedback = SqlFeedback(self.session, self.connection)
        self.handoffs = SqlHandoffs(self.session, self.connection)
        self.agents = SqlAgents(self.session)
        self.tickets = SqlTickets(self.session)
        self.events = SqlEvents(self.session)
        self.outbox = SqlOutbox(self.session)
        self.deliveries = SqlDeliveries(self.session, self.connection)
        self.incidents = SqlIncidents(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def connection(self) -> Connection:
        """The transaction's connection (asking the session each time costs more than a query)."""
        if self._connection is None:
            self._connection = self.session.connection()
        return self._connection

    def commit(self) -> None:
        self.session.commit()
        self._connection = None


def sql_units_of_work(session_factory: sessionmaker[Session]) -> UnitOfWorkFactory:
    """The unit-of-work factory the core's services are given, over one sessionmaker."""

    def open_unit(*, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(session_factory, read_only=read_only)

    return open_unit
