"""Collecting the notices waiting for one user or agent, for doors that deliver them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.clock import utc_now
from bot.core.domain import Reply, Sender
from bot.core.ports import Clock, UnitOfWorkFactory
from bot.core.tickets import Notice


@dataclass(frozen=True)
class Delivery:
    """A notice to send on a channel, and the address it goes to there."""

    id: int
    notice: Notice
    address: str


class NoticeBoard:
    """Hands each door what the desk queued for the person it serves, once."""

    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock = utc_now) -> None:
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

    def due_on(self, channel: str, limit: int = 50) -> list[Delivery]:
        """Undelivered notices for people reachable on ``channel``, oldest first."""
        with self._unit_of_work(read_only=True) as uow:  # asked every second by each bot
            return [
                Delivery(pending.id, pending.notice, address)
                for pending, address in uow.outbox.pending_on(channel, limit)
            ]

    def take(self, delivery: Delivery) -> bool:
        """Claim a delivery before sending it; False if another process already did."""
        with self._unit_of_work() as uow:
            taken = uow.outbox.take(delivery.id, self._clock())
            uow.commit()
        return taken

    def give_back(self, delivery: Delivery) -> None:
        """Return a delivery that could not be sent, so it is tried again."""
        with self._unit_of_work() as uow:
            uow.outbox.give_back(delivery.id)
            uow.commit()

    def defer_to_user(self, sender: Sender, replies: list[Reply]) -> None:
        """Queue replies a door could not send right now, for its courier to retry."""
        now = self._clock()
        with self._unit_of_work() as uow:
            user_id = uow.users.ensure(sender, now)
            for reply in replies:
                uow.outbox.add(
                    Notice(reply.text, user_id=user_id, choices=reply.choices, parts=reply.parts),
                    now,
                )
            uow.commit()
