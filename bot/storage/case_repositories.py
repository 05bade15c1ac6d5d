"""Second line's repositories: agents, tickets, the audit trail, the outbox and major
incidents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from bot.core.domain import DEFAULT_PRIORITY, Choice, Priority
from bot.core.incidents import IncidentStatus, MajorIncident
from bot.core.routing import queue_order
from bot.core.tickets import (
    HELD_STATUSES,
    Agent,
    DeliveryOutcome,
    HandoffPacket,
    LiveOffer,
    Notice,
    NoticeKind,
    PendingNotice,
    Role,
    Ticket,
    TicketEvent,
    TicketStatus,
    WorkingHours,
)
from bot.storage.schema import (
    AgentRow,
    MajorIncidentRow,
    OutboxRow,
    TicketEventRow,
    TicketRow,
    UserRow,
    table_of,
)
from bot.storage.serialization import (
    attachment_from_json,
    attachment_to_json,
    parts_from_json,
    parts_to_json,
    shown_from_json,
    shown_to_json,
)

# Asked on every Telegram message (is the sender a homeworker?): built once.
_agents = table_of(AgentRow)
# Asked for every Telegram update (is the sender second line?): a Core statement, built once.
_AGENT_BY_TELEGRAM_ID = select(_agents).where(
    _agents.c.telegram_id == bindparam("telegram_id"), _agents.c.active
)

_HELD = [status.value for status in HELD_STATUSES]


def _agent_from_row(row: AgentRow | Row[Any]) -> Agent:
    return Agent(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        skills=tuple(row.skills),
        capacity=row.capacity,
        on_shift=row.on_shift,
        timezone=row.timezone,
        working_hours=WorkingHours.parse(row.working_hours) if row.working_hours else None,
        telegram_id=row.telegram_id,
        display_name=row.display_name,
        current_ticket_id=row.current_ticket_id,
    )


def _copy_agent(agent: Agent, row: AgentRow) -> None:
    row.name = agent.name
    row.role = agent.role.value
    row.skills = list(agent.skills)
    row.capacity = agent.capacity
    row.on_shift = agent.on_shift
    row.timezone = agent.timezone
    row.working_hours = str(agent.working_hours) if agent.working_hours else None
    row.telegram_id = agent.telegram_id
    row.display_name = agent.display_name
    row.current_ticket_id = agent.current_ticket_id


class SqlAgents:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, agent: Agent, now: datetime) -> Agent:
        row = self._session.scalar(select(AgentRow).where(AgentRow.name == agent.name))
        if row is None:
            row = AgentRow(created_at=now)
            self._session.add(row)
        row.active = True
        _copy_agent(agent, row)
        self._session.flush()
        return _agent_from_row(row)

    def get(self, agent_id: int) -> Agent | None:
        row = self._session.get(AgentRow, agent_id)
        return _agent_from_row(row) if row is not None and row.active else None

    def by_name(self, name: str) -> Agent | None:
        row = self._session.scalar(
            select(AgentRow).where(func.lower(AgentRow.name) == name.casefold(), AgentRow.active)
        )
        return _agent_from_row(row) if row is not None else None

    def by_telegram_id(self, telegram_id: str) -> Agent | None:
        found = self._session.execute(_AGENT_BY_TELEGRAM_ID, {"telegram_id": telegram_id}).first()
        return _agent_from_row(found) if found is not None else None

    def all(self) -> list[Agent]:
        rows = self._session.scalars(
            select(AgentRow).where(AgentRow.active).order_by(AgentRow.name)
        )
        return [_agent_from_row(row) for row in rows]

    def save(self, agent: Agent) -> None:
        _copy_agent(agent, self._session.get_one(AgentRow, agent.id))

    def remove(self, agent_id: int) -> None:
        row = self._session.get_one(AgentRow, agent_id)
        row.active = False
        row.on_shift = False
        row.telegram_id = None
        row.current_ticket_id = None

    def loads(self) -> dict[int, int]:
        rows = self._session.execute(
            select(TicketRow.assignee_id, func.count())
            .where(TicketRow.status.in_(_HELD), TicketRow.assignee_id.is_not(None))
            .group_by(TicketRow.assignee_id)
        )
        return {int(agent_id): int(count) for agent_id, count in rows if agent_id is not None}


def _packet_to_json(packet: HandoffPacket) -> dict[str, Any]:
    return {
        "user_name": packet.user_name,
        "question": packet.question,
        "summary": packet.summary,
        "reason": packet.reason,
        "signal": packet.signal,
        "category": packet.category,
        "confidence": packet.confidence,
        "runner_ups": [[name, p] for name, p in packet.runner_ups],
        "priority": packet.priority,
        "terms": list(packet.terms),
        "articles_tried": [shown_to_json(shown) for shown in packet.articles_tried],
    }


def _packet_from_json(data: dict[str, Any]) -> HandoffPacket:
    return HandoffPacket(
        user_name=str(data.get("user_name", "")),
        question=str(data.get("question", "")),
        summary=str(data.get("summary", "")),
        reason=str(data.get("reason", "")),
        signal=str(data.get("signal", "")),
        category=data.get("category"),
        confidence=float(data.get("confidence") or 0.0),
        runner_ups=tuple((str(n), float(p)) for n, p in data.get("runner_ups", [])),
        priority=Priority(str(data.get("priority") or DEFAULT_PRIORITY)),
        terms=tuple(str(t) for t in data.get("terms", [])),
        articles_tried=tuple(shown_from_json(item) for item in data.get("articles_tried", [])),
    )


_TICKET_FIELDS = (
    "status",
    "priority",
    "category",
    "assignee_id",
    "claimed_at",
    "first_response_at",
    "awaiting_agent_since",
    "resolved_at",
    "closed_at",
    "resolution_note",
    "corrected_category",
    "second_line_needed",
    "rating",
    "claim_breached_at",
    "resolve_breached_at",
    "incident_id",
)


def _ticket_from_row(row: TicketRow) -> Ticket:
    values = {name: getattr(row, name) for name in _TICKET_FIELDS}
    values["status"] = TicketStatus(row.status)
    values["priority"] = Priority(row.priority)
    return Ticket(
        id=row.id,
        conversation_id=row.conversation_id,
        user_id=row.user_id,
        packet=_packet_from_json(row.packet),
        created_at=row.created_at,
        offered_to=[int(i) for i in row.offered_to],
        **values,
    )


class SqlTickets:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, ticket: Ticket) -> Ticket:
        row = TicketRow(
            conversation_id=ticket.conversation_id,
            user_id=ticket.user_id,
            packet=_packet_to_json(ticket.packet),
            created_at=ticket.created_at,
            offered_to=list(ticket.offered_to),
        )
        self._copy(ticket, row)
        self._session.add(row)
        self._session.flush()
        return _ticket_from_row(row)

    def get(self, ticket_id: int) -> Ticket | None:
        row = self._session.get(TicketRow, ticket_id)
        return _ticket_from_row(row) if row is not None else None

    def for_conversation(self, conversation_id: int) -> Ticket | None:
        return self._latest(TicketRow.conversation_id == conversation_id)

    def latest_for_user(self, user_id: int) -> Ticket | None:
        return self._latest(TicketRow.user_id == user_id)

    def with_status(self, *statuses: TicketStatus) -> list[Ticket]:
        rows = self._session.scalars(
            select(TicketRow).where(TicketRow.status.in_([s.value for s in statuses]))
        )
        return sorted((_ticket_from_row(row) for row in rows), key=queue_order)

    def held_by(self, agent_id: int) -> list[Ticket]:
        rows = self._session.scalars(
            select(TicketRow)
            .where(TicketRow.assignee_id == agent_id, TicketRow.status.in_(_HELD))
            .order_by(TicketRow.id)
        )
        return [_ticket_from_row(row) for row in rows]

    def try_claim(self, ticket_id: int, agent_id: int, now: datetime) -> bool:
        self._session.flush()
        result = self._session.execute(
            update(TicketRow)
            .where(TicketRow.id == ticket_id, TicketRow.status == TicketStatus.QUEUED.value)
            .values(
                status=TicketStatus.ASSIGNED.value,
                assignee_id=agent_id,
                claimed_at=func.coalesce(TicketRow.claimed_at, now),
            )
            .execution_options(synchronize_session=False)
        )
        cached = self._session.identity_map.get(self._session.identity_key(TicketRow, ticket_id))
        if cached is not None:
            self._session.expire(cached)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def save(self, ticket: Ticket) -> None:
        row = self._session.get_one(TicketRow, ticket.id)
        self._copy(ticket, row)
        row.offered_to = list(ticket.offered_to)

    @staticmethod
    def _copy(ticket: Ticket, row: TicketRow) -> None:
        for name in _TICKET_FIELDS:
            setattr(row, name, getattr(ticket, name))
        row.status = ticket.status.value

    def of_incident(self, incident_id: int) -> list[Ticket]:
        rows = self._session.scalars(
            select(TicketRow).where(TicketRow.incident_id == incident_id).order_by(TicketRow.id)
        )
        return [_ticket_from_row(row) for row in rows]

    def created_since(self, since: datetime) -> list[Ticket]:
        rows = self._session.scalars(
            select(TicketRow)
            .where(TicketRow.created_at >= since)
            .order_by(TicketRow.created_at, TicketRow.id)
        )
        return [_ticket_from_row(row) for row in rows]

    def _latest(self, condition: Any) -> Ticket | None:
        row = self._session.scalar(
            select(TicketRow).where(condition).order_by(TicketRow.id.desc()).limit(1)
        )
        return _ticket_from_row(row) if row is not None else None


class SqlEvents:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, event: TicketEvent) -> None:
        self._session.add(
            TicketEventRow(
                ticket_id=event.ticket_id,
                at=event.at,
                actor=event.actor,
                action=event.action,
                from_status=event.from_status,
                to_status=event.to_status,
                detail=event.detail,
            )
        )

    def for_ticket(self, ticket_id: int) -> list[TicketEvent]:
        rows = self._session.scalars(
            select(TicketEventRow)
            .where(TicketEventRow.ticket_id == ticket_id)
            .order_by(TicketEventRow.id)
        )
        return [
            TicketEvent(
                row.ticket_id,
                row.at,
                row.actor,
                row.action,
                row.from_status,
                row.to_status,
                row.detail,
            )
            for row in rows
        ]


def _pending(row: OutboxRow, replaces: str | None = None) -> PendingNotice:
    return PendingNotice(
        row.id,
        Notice(
            text=row.text,
            user_id=row.user_id,
            agent_id=row.agent_id,
            ticket_id=row.ticket_id,
            choices=tuple(Choice(*choice) for choice in row.choices),
            attachment=attachment_from_json(row.attachment),
            kind=NoticeKind(row.kind),
            case_status=TicketStatus(row.case_status) if row.case_status else None,
            withdraws=row.withdraws,
            parts=parts_from_json(row.parts),
        ),
        replaces,
        row.pieces_sent or 0,
        bool(row.in_flight),
    )


class SqlOutbox:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        notice: Notice,
        now: datetime,
        caused_by: str | None = None,
        reserved_until: datetime | None = None,
    ) -> None:
        self._session.add(
            OutboxRow(
                caused_by=caused_by,
                taken_until=reserved_until,
                user_id=notice.user_id,
                agent_id=notice.agent_id,
                ticket_id=notice.ticket_id,
                text=notice.text,
                choices=[[choice.label, choice.value, choice.about] for choice in notice.choices],
                attachment=attachment_to_json(notice.attachment),
                parts=parts_to_json(notice.parts),
                created_at=now,
                kind=notice.kind.value,
                case_status=notice.case_status.value if notice.case_status else None,
                withdraws=notice.withdraws,
            )
        )

    def pending(
        self, user_id: int | None = None, agent_id: int | None = None
    ) -> list[PendingNotice]:
        query = select(OutboxRow).where(OutboxRow.delivered_at.is_(None)).order_by(OutboxRow.id)
        if user_id is not None:
            query = query.where(OutboxRow.user_id == user_id)
        if agent_id is not None:
            query = query.where(OutboxRow.agent_id == agent_id)
        return [_pending(row) for row in self._session.scalars(query)]

    def caused_by(self, key: str, now: datetime) -> list[PendingNotice]:
        query = (
            select(OutboxRow)
            .where(
                OutboxRow.caused_by == key,
                OutboxRow.delivered_at.is_(None),
                OutboxRow.taken_until > now,
            )
            .order_by(OutboxRow.id)
        )
        return [_pending(row) for row in self._session.scalars(query)]

    def answered(self, key: str) -> bool:
        kept = select(OutboxRow.id).where(OutboxRow.caused_by == key).limit(1)
        return self._session.scalar(kept) is not None

    def lease(self, notice_id: int, now: datetime, until: datetime) -> bool:
        result = self._session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.id == notice_id,
                OutboxRow.delivered_at.is_(None),
                or_(OutboxRow.taken_until.is_(None), OutboxRow.taken_until <= now),
            )
            .values(taken_until=until, in_flight=True)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def start_sending(self, notice_id: int) -> bool:
        result = self._session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.id == notice_id,
                OutboxRow.delivered_at.is_(None),
                OutboxRow.in_flight.is_(False),
            )
            .values(in_flight=True)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def progress(self, notice_id: int, pieces_sent: int) -> None:
        self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == notice_id)
            .values(pieces_sent=pieces_sent)
            .execution_options(synchronize_session=False)
        )

    def pending_on(
        self, channel: str, limit: int, now: datetime | None = None
    ) -> list[tuple[PendingNotice, str]]:
        address = func.coalesce(UserRow.external_id, AgentRow.telegram_id)
        offer = aliased(OutboxRow)
        query = (
            select(OutboxRow, address, offer.sent_as)
            .outerjoin(UserRow, (UserRow.id == OutboxRow.user_id) & (UserRow.channel == channel))
            .outerjoin(AgentRow, AgentRow.id == OutboxRow.agent_id)
            .outerjoin(offer, offer.id == OutboxRow.withdraws)
            .where(OutboxRow.delivered_at.is_(None), address.is_not(None))
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        if now is not None:
            query = query.where(or_(OutboxRow.taken_until.is_(None), OutboxRow.taken_until <= now))
        return [
            (_pending(row, replaces), str(to)) for row, to, replaces in self._session.execute(query)
        ]

    def sent_as(self, notice_id: int, reference: str) -> None:
        self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == notice_id)
            .values(sent_as=reference)
            .execution_options(synchronize_session=False)
        )

    def live_offers(self, ticket_id: int) -> list[LiveOffer]:
        rows = self._session.execute(
            select(OutboxRow.id, OutboxRow.agent_id, OutboxRow.delivered_at)
            .where(
                OutboxRow.ticket_id == ticket_id,
                OutboxRow.kind == NoticeKind.OFFER.value,
                OutboxRow.withdrawn_at.is_(None),
                OutboxRow.agent_id.is_not(None),
            )
            .order_by(OutboxRow.id)
        )
        return [
            LiveOffer(notice_id, agent_id, delivered_at is not None)
            for notice_id, agent_id, delivered_at in rows
            if agent_id is not None
        ]

    def withdraw(self, notice_ids: Sequence[int], now: datetime) -> None:
        if not notice_ids:
            return
        self._session.flush()
        self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(list(notice_ids)))
            .values(
                withdrawn_at=now,
                delivered_at=func.coalesce(OutboxRow.delivered_at, now),
            )
            .execution_options(synchronize_session=False)
        )

    def take(self, notice_id: int, now: datetime) -> bool:
        result = self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == notice_id, OutboxRow.delivered_at.is_(None))
            .values(delivered_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def give_back(self, notice_id: int) -> None:
        self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == notice_id)
            .values(taken_until=None, in_flight=False)
            .execution_options(synchronize_session=False)
        )

    def delivered(
        self,
        notice_ids: Sequence[int],
        now: datetime,
        outcome: DeliveryOutcome = DeliveryOutcome.SENT,
    ) -> None:
        if notice_ids:
            self._session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(list(notice_ids)), OutboxRow.delivered_at.is_(None))
                .values(delivered_at=now, outcome=outcome.value)
                .execution_options(synchronize_session=False)
            )


_INCIDENT_FIELDS = (
    "title",
    "category",
    "created_at",
    "first_report_at",
    "owner_id",
    "workaround",
    "confirmed_at",
    "resolved_at",
    "resolution",
)


def _incident_from_row(row: MajorIncidentRow) -> MajorIncident:
    return MajorIncident(
        id=row.id,
        status=IncidentStatus(row.status),
        terms=tuple(str(term) for term in row.terms),
        updates=[str(update) for update in row.updates],
        **{name: getattr(row, name) for name in _INCIDENT_FIELDS},
    )


class SqlIncidents:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, incident: MajorIncident) -> MajorIncident:
        row = MajorIncidentRow()
        self._copy(incident, row)
        self._session.add(row)
        self._session.flush()
        return _incident_from_row(row)

    def get(self, incident_id: int) -> MajorIncident | None:
        row = self._session.get(MajorIncidentRow, incident_id)
        return _incident_from_row(row) if row is not None else None

    def with_status(self, *statuses: IncidentStatus) -> list[MajorIncident]:
        rows = self._session.scalars(
            select(MajorIncidentRow)
            .where(MajorIncidentRow.status.in_([status.value for status in statuses]))
            .order_by(MajorIncidentRow.id)
        )
        return [_incident_from_row(row) for row in rows]

    def save(self, incident: MajorIncident) -> None:
        self._copy(incident, self._session.get_one(MajorIncidentRow, incident.id))

    @staticmethod
    def _copy(incident: MajorIncident, row: MajorIncidentRow) -> None:
        for name in _INCIDENT_FIELDS:
            setattr(row, name, getattr(incident, name))
        row.status = incident.status.value
        row.terms = list(incident.terms)
        row.updates = list(incident.updates)
