"""Collecting the notices waiting for one user or agent, for doors that deliver them."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.clock import utc_now
from bot.core.domain import Sender
from bot.core.ports import Clock, UnitOfWork
from bot.core.tickets import Notice


class NoticeBoard:
    """Hands each door what the desk queued for the person it serves, once."""

    def __init__(self, unit_of_work: Callable[[], UnitOfWork], clock: Clock = utc_now) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock

    def collect_for_user(self, sender: Sender) -> list[Notice]:
        """The user's undelivered notices, marked delivered."""
        now = self._clock()
        with self._unit_of_work() as uow:
            pending = uow.outbox.pending(user_id=uow.users.ensure(sender, now))
            uow.outbox.delivered([item.id for item in pending], now)
            uow.commit()
        return [item.notice for item in pending]

    def collect_for_agent(self, agent_id: int) -> list[Notice]:
        """The agent's undelivered notices, marked delivered."""
        now = self._clock()
        with self._unit_of_work() as uow:
            pending = uow.outbox.pending(agent_id=agent_id)
            uow.outbox.delivered([item.id for item in pending], now)
            uow.commit()
        return [item.notice for item in pending]
