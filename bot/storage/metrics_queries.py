"""Reading the facts behind the desk's figures: the one place metrics touch the database."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.domain import FeedbackOutcome, Priority
from bot.core.incidents import incident_reference
from bot.core.metrics import (
    REPEAT_WINDOW,
    ConversationFact,
    DeskFacts,
    IncidentFact,
    Period,
    TicketFact,
)
from bot.core.tickets import TRANSITIONS, Move
from bot.storage.database import READ_ONLY
from bot.storage.schema import (
    AgentRow,
    ConversationRow,
    FeedbackRow,
    HandoffRow,
    MajorIncidentRow,
    TicketEventRow,
    TicketRow,
)

_HANDED_OFF = exists().where(HandoffRow.conversation_id == ConversationRow.id)
_NOT_SOLVED = exists().where(
    FeedbackRow.conversation_id == ConversationRow.id,
    FeedbackRow.outcome == FeedbackOutcome.NOT_SOLVED.value,
)
# A conversation counts once the user asked something (small talk alone does not).
_ENQUIRY = or_(ConversationRow.question != "", _HANDED_OFF)


def _event(action: str) -> ColumnElement[bool]:
    return exists().where(TicketEventRow.ticket_id == TicketRow.id, TicketEventRow.action == action)


def _within(column: Any, since: datetime | None, until: datetime | None) -> ColumnElement[bool]:
    bounds = []
    if since is not None:
        bounds.append(column >= since)
    if until is not None:
        bounds.append(column < until)
    return and_(True, *bounds)


def read_facts(session: Session, period: Period, now: datetime) -> DeskFacts:
    """Enquiries started and cases created in [since, until), as of ``now`` (or ``until``)."""
    as_of = now if period.until is None else min(now, period.until)
    return DeskFacts(
        conversations=tuple(_conversations(session, period)),
        tickets=tuple(_tickets(session, period)),
        as_of=as_of,
        period=period,
        incidents=tuple(_incidents(session, period)),
    )


class SqlMetricsReader:
    """The metrics' facts from the database, each read in a read-only transaction of its own."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def facts_in(self, period: Period, now: datetime) -> DeskFacts:
        """:func:`read_facts` in a transaction that waits for no writer."""
        with self._sessions() as session:
            session.connection(execution_options=READ_ONLY)
            return read_facts(session, period, now)


def count_conversations(session: Session) -> int:
    """How many conversations the database holds."""
    return session.scalar(select(func.count()).select_from(ConversationRow)) or 0


def _conversations(session: Session, period: Period) -> list[ConversationFact]:
    latest_ticket = (
        select(TicketRow.conversation_id, func.max(TicketRow.id).label("ticket_id"))
        .group_by(TicketRow.conversation_id)
        .subquery()
    )
    query = (
        select(
            ConversationRow.id,
            ConversationRow.user_id,
            ConversationRow.status,
            func.coalesce(
                TicketRow.corrected_category, TicketRow.category, ConversationRow.category
            ),
            ConversationRow.started_at,
            ConversationRow.closed_at,
            _HANDED_OFF,
            _NOT_SOLVED,
            TicketRow.status,
        )
        .outerjoin(latest_ticket, latest_ticket.c.conversation_id == ConversationRow.id)
        .outerjoin(TicketRow, TicketRow.id == latest_ticket.c.ticket_id)
        .where(_ENQUIRY, _within(ConversationRow.started_at, period.since, period.until))
        .order_by(ConversationRow.started_at, ConversationRow.id)
    )
    rows = session.execute(query).all()
    if not rows:
        return []
    later_until = None if period.until is None else period.until + REPEAT_WINDOW
    contacts = _contacts(session, rows[0].started_at, later_until, {row[1] for row in rows})
    facts = []
    for row in rows:
        (cid, user_id, status, category, started, closed, handed, unsolved, ticket_status) = row
        facts.append(
            ConversationFact(
                id=cid,
                user_id=user_id,
                status=status,
                category=category,
                started_at=started,
                closed_at=closed,
                handed_off=bool(handed),
                not_solved=bool(unsolved),
                next_contact_at=_next_contact(contacts.get(user_id, []), started, cid),
                ticket_status=ticket_status,
            )
        )
    return facts


def _contacts(
    session: Session, since: datetime, until: datetime | None, users: set[int]
) -> dict[int, list[tuple[datetime, int]]]:
    """Each user's enquiries from ``since`` on, in order (to find repeat contacts)."""
    found: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    query = (
        select(ConversationRow.user_id, ConversationRow.started_at, ConversationRow.id)
        .where(_ENQUIRY, _within(ConversationRow.started_at, since, until))
        .order_by(ConversationRow.started_at, ConversationRow.id)
    )
    for user_id, started, cid in session.execute(query):
        if user_id in users:
            found[user_id].append((started, cid))
    return found


def _next_contact(
    contacts: Sequence[tuple[datetime, int]], started: datetime, cid: int
) -> datetime | None:
    """When the user asked something next after this enquiry."""
    index = bisect.bisect_right(contacts, (started, cid))
    return contacts[index][0] if index < len(contacts) else None


def _tickets(session: Session, period: Period) -> list[TicketFact]:
    query = (
        select(
            TicketRow,
            AgentRow.name,
            _event("resolved"),
            _event("reopened"),
        )
        .outerjoin(AgentRow, AgentRow.id == TicketRow.assignee_id)
        .where(_within(TicketRow.created_at, period.since, period.until))
        .order_by(TicketRow.created_at, TicketRow.id)
    )
    return [
        TicketFact(
            id=row.id,
            status=row.status,
            priority=Priority(row.priority),
            category=row.corrected_category or row.category,
            created_at=row.created_at,
            claimed_at=row.claimed_at,
            first_response_at=row.first_response_at,
            resolved_at=row.resolved_at,
            closed_at=row.closed_at,
            assignee_id=row.assignee_id,
            assignee=name,
            rating=row.rating,
            ever_resolved=bool(resolved),
            reopened=bool(reopened),
        )
        for row, name, resolved, reopened in session.execute(query)
    ]


def _incidents(session: Session, period: Period) -> list[IncidentFact]:
    """Major incidents whose first report fell in the period, with the enquiries linked to
    each (by the trail, so a case reopened since still counts) and those that needed no
    homeworker's reply."""
    rows = session.scalars(
        select(MajorIncidentRow)
        .where(_within(MajorIncidentRow.first_report_at, period.since, period.until))
        .order_by(MajorIncidentRow.id)
    ).all()
    linked = {
        detail: count
        for detail, count in session.execute(
            select(TicketEventRow.detail, func.count(func.distinct(TicketEventRow.ticket_id)))
            .where(TicketEventRow.action == TRANSITIONS[Move.LINK].action)
            .group_by(TicketEventRow.detail)
        )
    }
    no_reply = {
        incident_id: count
        for incident_id, count in session.execute(
            select(TicketRow.incident_id, func.count())
            .where(
                TicketRow.incident_id.is_not(None),
                TicketRow.first_response_at.is_(None),
                TicketRow.status.in_(["resolved", "closed"]),
            )
            .group_by(TicketRow.incident_id)
        )
    }
    return [
        IncidentFact(
            id=row.id,
            status=row.status,
            first_report_at=row.first_report_at,
            confirmed_at=row.confirmed_at,
            resolved_at=row.resolved_at,
            linked=linked.get(f"to {incident_reference(row.id)}", 0),
            needed_no_reply=no_reply.get(row.id, 0),
        )
        for row in rows
    ]
