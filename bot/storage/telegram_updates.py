"""Which Telegram updates were already handled, so one delivered again is not handled twice.

An end user's update is recorded by the desk itself, in the transaction that answers it
(``FirstLineDesk.handle(..., delivery=key)``); this log answers the door's first question
about every update and records the ones homeworkers send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.conversation_repositories import FIND_DELIVERY
from bot.storage.database import READ_ONLY
from bot.storage.schema import AgentRow, DeliveryRow, table_of
from bot.storage.unit_of_work import SqlUnitOfWork

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
