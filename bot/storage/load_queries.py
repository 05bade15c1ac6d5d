"""The desk's load read from the database in one short read-only session."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.desk_load import DeskLoad, QueueLoad
from bot.core.domain import Priority
from bot.core.tickets import DeliveryOutcome, TicketStatus
from bot.storage.schema import AgentRow, OutboxRow, TicketRow


def _seconds_since(moment: datetime | None, now: datetime) -> float:
    return max((now - moment).total_seconds(), 0.0) if moment is not None else 0.0


def _priority(value: str) -> Priority | None:
    try:
        return Priority(value)
    except ValueError:
        return None


def _not_repeated(session: Session) -> dict[str, int]:
    """Messages never sent again because they may have arrived, by how their send ended."""
    outcomes = (DeliveryOutcome.TIMED_OUT, DeliveryOutcome.IN_DOUBT)
    rows = session.execute(
        select(OutboxRow.outcome, func.count())
        .where(OutboxRow.outcome.in_([outcome.value for outcome in outcomes]))
        .group_by(OutboxRow.outcome)
    )
    counted = {outcome: count for outcome, count in rows}
    return {outcome.value: counted.get(outcome.value, 0) for outcome in outcomes}


class SqlDeskLoadReader:
    """Implements the core's DeskLoadReader with a few aggregate queries."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def load_at(self, now: datetime) -> DeskLoad:
        """The load as of ``now``."""
        with self._sessions() as session:
            backlog, oldest = session.execute(
                select(func.count(), func.min(OutboxRow.created_at)).where(
                    OutboxRow.delivered_at.is_(None)
                )
            ).one()
            return DeskLoad(
                outbox_backlog=backlog,
                outbox_oldest_age_seconds=_seconds_since(_as_utc(oldest), now),
                not_repeated=_not_repeated(session),
                queue=_queue(session, now),
                handoffs=_handoffs(session),
                claim_breaches=_count(session, TicketRow.claim_breached_at.is_not(None)),
                resolve_breaches=_count(session, TicketRow.resolve_breached_at.is_not(None)),
                on_shift=_count_agents_on_shift(session),
            )


def _as_utc(moment: datetime | None) -> datetime | None:
    """An aggregate's timestamp (SQLite returns it without the column's type, as text)."""
    if moment is None or isinstance(moment, datetime):
        return _aware(moment)
    return _aware(datetime.fromisoformat(str(moment)))


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _queue(session: Session, now: datetime) -> dict[Priority, QueueLoad]:
    rows = session.execute(
        select(TicketRow.priority, func.count(), func.min(TicketRow.created_at))
        .where(TicketRow.status == TicketStatus.QUEUED.value)
        .group_by(TicketRow.priority)
    ).all()
    load = {priority: QueueLoad() for priority in Priority}
    for value, waiting, oldest in rows:
        priority = _priority(value)
        if priority is not None:
            load[priority] = QueueLoad(waiting, _seconds_since(_as_utc(oldest), now))
    return load


def _handoffs(session: Session) -> dict[Priority, int]:
    rows = session.execute(
        select(TicketRow.priority, func.count()).group_by(TicketRow.priority)
    ).all()
    counts = dict.fromkeys(Priority, 0)
    for value, count in rows:
        priority = _priority(value)
        if priority is not None:
            counts[priority] = count
    return counts


def _count(session: Session, condition: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(TicketRow).where(condition)) or 0)


def _count_agents_on_shift(session: Session) -> int:
    chosen = select(func.count()).select_from(AgentRow)
    return int(session.scalar(chosen.where(AgentRow.on_shift, AgentRow.active)) or 0)
