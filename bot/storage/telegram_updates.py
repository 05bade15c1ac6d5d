"""Which Telegram updates were already handled, so one delivered again is not handled twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.database import READ_ONLY
from bot.storage.schema import AgentRow, TelegramUpdateRow, table_of

KEEP_FOR = timedelta(days=2)
PRUNE_EVERY = 500  # updates between clean-ups
_updates = table_of(TelegramUpdateRow)
_FIND = select(_updates.c.update_id).where(_updates.c.update_id == bindparam("by_id"))
_ADD = insert(_updates)  # asked and written on every update: built once
_agents = table_of(AgentRow)
_AGENT = select(_agents.c.id).where(
    _agents.c.telegram_id == bindparam("telegram_id"), _agents.c.active.is_(True)
)


@dataclass(frozen=True)
class FirstLook:
    """What the Telegram door needs to know about an update before handling it."""

    seen: bool
    from_agent: bool


class SqlUpdateLog:
    """Update ids handled recently, in the desk's database (shared by every bot process)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def seen(self, update_id: int) -> bool:
        """Whether this update was handled already."""
        with self._sessions() as session:
            reading = session.connection(execution_options=READ_ONLY)
            return reading.execute(_FIND, {"by_id": update_id}).first() is not None

    def first_look(self, update_id: int, telegram_user_id: str) -> FirstLook:
        """Whether the update was handled already and whether its sender works second line.

        Both in one read: it is asked for every update, before anything else.
        """
        with self._sessions() as session:
            reading = session.connection(execution_options=READ_ONLY)
            seen = reading.execute(_FIND, {"by_id": update_id}).first() is not None
            agent = reading.execute(_AGENT, {"telegram_id": telegram_user_id}).first()
            return FirstLook(seen=seen, from_agent=agent is not None)

    def remember(self, update_id: int, now: datetime) -> None:
        """Record an update as handled; now and then forget ones older than two days."""
        with self._sessions() as session:
            try:
                with session.begin():
                    session.connection().execute(_ADD, {"update_id": update_id, "handled_at": now})
            except IntegrityError:
                return
            if update_id % PRUNE_EVERY:
                return
            with session.begin():
                session.execute(
                    delete(TelegramUpdateRow).where(TelegramUpdateRow.handled_at < now - KEEP_FOR)
                )
