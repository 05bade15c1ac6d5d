"""Telegram updates received and handled: none lost to a crash, none handled twice.

Every update is kept in the inbox before Telegram hears it arrived, and dropped from it once
processed; one a crash caught in between is taken up again later. An end user's update is
recorded as handled by the desk itself, in the transaction that answers it
(``FirstLineDesk.handle(..., delivery=key)``); this log answers the door's first question
about every update and records the ones homeworkers send.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.conversation_repositories import FIND_DELIVERY
from bot.storage.database import READ_ONLY, insert_all_new
from bot.storage.schema import AgentRow, DeliveryRow, InboxRow, table_of
from bot.storage.unit_of_work import SqlUnitOfWork

_agents = table_of(AgentRow)
_AGENT = select(_agents.c.id).where(
    _agents.c.telegram_id == bindparam("telegram_id"), _agents.c.active.is_(True)
)
_inbox = table_of(InboxRow)


@dataclass(frozen=True)
class FirstLook:
    """What the Telegram door needs to know about an update before handling it."""

    seen: bool
    from_agent: bool


class SqlUpdateLog:
    """Deliveries handled recently, in the desk's database (shared by every bot process)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def seen(self, delivery: str) -> bool:
        """Whether this delivery was handled already."""
        return self.first_look(delivery, "").seen

    def first_look(self, delivery: str, telegram_user_id: str) -> FirstLook:
        """Whether the update was handled already and whether its sender works second line.

        Both in one read: it is asked for every update, before anything else.
        """
        with self._sessions() as session:
            reading = session.connection(execution_options=READ_ONLY)
            seen = reading.execute(FIND_DELIVERY, {"by_key": delivery}).first()
            agent = reading.execute(_AGENT, {"telegram_id": telegram_user_id}).first()
            return FirstLook(seen=seen is not None, from_agent=agent is not None)

    def remember(self, delivery: str, now: datetime) -> None:
        """Record a delivery as handled (a second record of the same one changes nothing)."""
        with SqlUnitOfWork(self._sessions) as uow:
            uow.deliveries.first_time(delivery, now)
            uow.commit()

    def forget_before(self, moment: datetime) -> int:
        """Drop records older than ``moment`` (Telegram will not deliver those again)."""
        with self._sessions() as session, session.begin():
            result = session.execute(delete(DeliveryRow).where(DeliveryRow.handled_at < moment))
            return int(getattr(result, "rowcount", 0) or 0)

    # --- the inbox ---------------------------------------------------------------------

    def keep(self, payloads: Mapping[str, dict[str, Any]], now: datetime) -> None:
        """Keep received updates, by delivery, until they are processed, in one transaction
        (keeping one twice changes nothing)."""
        rows = [
            {"key": delivery, "payload": payload, "received_at": now}
            for delivery, payload in payloads.items()
        ]
        with self._sessions() as session, session.begin():
            insert_all_new(session.connection(), _inbox, rows)

    def done(self, deliveries: Sequence[str]) -> None:
        """These updates were processed, whatever came of it: they leave the inbox."""
        with self._sessions() as session, session.begin():
            session.connection().execute(delete(_inbox).where(_inbox.c.key.in_(deliveries)))

    def take_stranded(
        self, received_before: datetime, now: datetime, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Updates received before ``received_before`` and still not processed: a crash
        caught them. Each is taken for this process (stamped ``now``, so no other process
        takes it meanwhile); it leaves the inbox when processed."""
        with self._sessions() as session, session.begin():
            connection = session.connection()
            rows = connection.execute(
                select(_inbox.c.key, _inbox.c.payload)
                .where(_inbox.c.received_at < received_before)
                .order_by(_inbox.c.received_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            if rows:
                connection.execute(
                    update(_inbox)
                    .where(_inbox.c.key.in_([row.key for row in rows]))
                    .values(received_at=now)
                )
            return [dict(row.payload) for row in rows]
