"""Which Telegram updates were already handled, so one delivered again is not handled twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.database import READ_ONLY
from bot.storage.schema import TelegramUpdateRow

KEEP_FOR = timedelta(days=2)
PRUNE_EVERY = 500  # updates between clean-ups


class SqlUpdateLog:
    """Update ids handled recently, in the desk's database (shared by every bot process)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def seen(self, update_id: int) -> bool:
        """Whether this update was handled already."""
        with self._sessions() as session:
            session.connection(execution_options=READ_ONLY)
            found = session.scalar(
                select(TelegramUpdateRow.update_id).where(TelegramUpdateRow.update_id == update_id)
            )
            return found is not None

    def remember(self, update_id: int, now: datetime) -> None:
        """Record an update as handled; now and then forget ones older than two days."""
        with self._sessions() as session:
            try:
                with session.begin():
                    session.add(TelegramUpdateRow(update_id=update_id, handled_at=now))
            except IntegrityError:
                return
            if update_id % PRUNE_EVERY:
                return
            with session.begin():
                session.execute(
                    delete(TelegramUpdateRow).where(TelegramUpdateRow.handled_at < now - KEEP_FOR)
                )
