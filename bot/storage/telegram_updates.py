"""Telegram updates received and handled, in the desk's database (shared by every process).

The storage side of ``bot/doors/telegram/updates.py``: the inbox, where received updates
wait until they are processed, and forgetting the records of old handled deliveries (the
core writes those itself, in the transaction that acts on each update).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.database import insert_all_new
from bot.storage.schema import DeliveryRow, InboxRow, table_of

_inbox = table_of(InboxRow)


class SqlUpdateLog:
    """The inbox of received updates and the records of handled ones, in SQL."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

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

    def still_held(self, deliveries: Sequence[str], now: datetime) -> None:
        """These updates are still in hand in a live process: not stranded as of ``now``."""
        with self._sessions() as session, session.begin():
            session.connection().execute(
                update(_inbox).where(_inbox.c.key.in_(deliveries)).values(received_at=now)
            )

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
