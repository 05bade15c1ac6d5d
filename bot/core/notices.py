"""Collecting the notices waiting for one user or agent, for doors that deliver them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.core.clock import utc_now
from bot.core.domain import Reply, Sender
from bot.core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.core.tickets import DeliveryOutcome, Notice, NoticeKind, PendingNotice

LEASE = timedelta(seconds=60)
"""How long a sender holds a notice it took (or an answer it reserved) before anyone else
may deliver it: only a crash, or a send stuck that long, lets it run out."""


@dataclass(frozen=True)
class Delivery:
    """A notice to send on a channel, and the address it goes to there; ``replaces`` is the
    channel's reference of a message to show it in instead (an offer it withdraws).
    ``in_flight``: a sender that stopped (a crash) was sending piece ``pieces_sent``, which
    may have arrived, so it is never sent again."""

    id: int
    notice: Notice
    address: str
    replaces: str | None = None
    pieces_sent: int = 0
    in_flight: bool = False


class NoticeBoard:
    """Hands each door what the desk queued for the person it serves, once, as of now."""

    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock = utc_now) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock

    def collect_for_user(self, sender: Sender) -> list[Notice]:
        """The user's undelivered notices, marked delivered."""
        now = self._clock()
        with self._unit_of_work() as uow:
            pending = uow.outbox.pending(user_id=uow.users.ensure(sender, now))
            notices = _taken(uow, pending, self._clock)
            uow.commit()
        return notices

    def collect_for_agent(self, agent_id: int) -> list[Notice]:
        """The agent's undelivered notices, marked delivered."""
        with self._unit_of_work() as uow:
            notices = _taken(uow, uow.outbox.pending(agent_id=agent_id), self._clock)
            uow.commit()
        return notices

    def due_on(self, channel: str, limit: int = 50) -> list[Delivery]:
        """Undelivered notices for people reachable on ``channel``, oldest first."""
        with self._unit_of_work(read_only=True) as uow:  # asked every second by each bot
            return [
                Delivery(
                    pending.id,
                    as_of_now(uow, pending.notice),
                    address,
                    pending.replaces,
                    pending.pieces_sent,
                    pending.in_flight,
                )
                for pending, address in uow.outbox.pending_on(channel, limit, self._clock())
            ]

    def reserved_for(self, caused_by: str, address: str) -> list[Delivery] | None:
        """The answers to one incoming update reserved for the door handling it, oldest
        first (what a crash left behind goes out with the courier once reservations end);
        None when the desk kept no answer to it (a read-only command): the door sends its
        answer itself."""
        with self._unit_of_work(read_only=True) as uow:
            if not uow.outbox.answered(caused_by):
                return None
            return [
                Delivery(
                    pending.id,
                    pending.notice,
                    address,
                    None,
                    pending.pieces_sent,
                    pending.in_flight,
                )
                for pending in uow.outbox.caused_by(caused_by, self._clock())
            ]

    def keep_answers(
        self,
        caused_by: str,
        replies: list[Reply],
        user: Sender | None = None,
        agent_id: int | None = None,
    ) -> bool:
        """Keep the answers to an update that changed nothing (a refusal, a read-only command,
        an edit not acted on) in the outbox, and record the update as handled, in one
        transaction: a crash before they are sent loses nothing, and the update delivered
        again is not answered twice. False if it was handled before (its answers were kept
        then, and go out with them)."""
        now = self._clock()
        with self._unit_of_work() as uow:
            if not uow.deliveries.first_time(caused_by, now):
                return False
            user_id = uow.users.ensure(user, now) if user is not None else None
            reserve_answers(uow, replies, caused_by, now, user_id=user_id, agent_id=agent_id)
            uow.commit()
        return True

    def record_handled(self, caused_by: str) -> bool:
        """Record an update answered without keeping the answer (it may quote a secret its
        sender typed); False if it was handled before, and must not be answered again."""
        with self._unit_of_work() as uow:
            first = uow.deliveries.first_time(caused_by, self._clock())
            uow.commit()
        return first

    def delivered(self, delivery: Delivery, outcome: DeliveryOutcome, reference: str = "") -> None:
        """Mark a delivery done: sent, or given up (timed out, or never deliverable), in one
        write the moment the channel answered (a crash in between leaves it in flight: never
        sent again, counted in doubt). An offer sent keeps the channel's
        ``reference`` of its message, so it can be withdrawn there."""
        with self._unit_of_work() as uow:
            uow.outbox.delivered([delivery.id], self._clock(), outcome)
            if reference and delivery.notice.kind is NoticeKind.OFFER:
                uow.outbox.sent_as(delivery.id, reference)
            uow.commit()

    def progress(self, delivery: Delivery, pieces_sent: int) -> None:
        """The channel accepted the first ``pieces_sent`` pieces of a long delivery: a crash
        from here on resends only the rest."""
        with self._unit_of_work() as uow:
            uow.outbox.progress(delivery.id, pieces_sent)
            uow.commit()

    def retry_later(self, delivery: Delivery, pieces_sent: int) -> None:
        """A delivery that failed in a way worth retrying: keep how far it got, and free it."""
        with self._unit_of_work() as uow:
            uow.outbox.progress(delivery.id, pieces_sent)
            uow.outbox.give_back(delivery.id)
            uow.commit()

    def start_sending(self, delivery: Delivery) -> bool:
        """Mark an answer reserved for this sender in flight, just before it is sent; False
        if a sender started it before (one that handled the same update), so it is not sent
        now: if that sender stopped, a courier settles it once the reservation ends."""
        with self._unit_of_work() as uow:
            started = uow.outbox.start_sending(delivery.id)
            uow.commit()
        return started

    def take(self, delivery: Delivery) -> bool:
        """Lease a delivery before sending it, marked in flight; False if another sender
        holds it. It is marked delivered only once sent (:meth:`delivered`), so a crash
        loses nothing; one in flight at a crash is never sent again, so nothing arrives
        twice (the delivery read before says so: ``in_flight``)."""
        now = self._clock()
        with self._unit_of_work() as uow:
            taken = uow.outbox.lease(delivery.id, now, now + LEASE)
            uow.commit()
        return taken

    def give_back_all(self, deliveries: list[Delivery]) -> None:
        """Free deliveries held but not tried (those after one that failed), in one write."""
        if not deliveries:
            return
        with self._unit_of_work() as uow:
            for delivery in deliveries:
                uow.outbox.give_back(delivery.id)
            uow.commit()


def reserve_answers(
    uow: UnitOfWork,
    replies: list[Reply],
    delivery: str | None,
    now: datetime,
    *,
    user_id: int | None = None,
    agent_id: int | None = None,
) -> None:
    """Keep the answers to a delivered update in the outbox, in the transaction that acts
    on it, leased to the door that sends them at once: if it crashes first, whoever runs
    next delivers them once the lease runs out. A door without deliveries (a terminal)
    shows them itself."""
    if delivery is None:
        return
    for reply in replies:
        uow.outbox.add(
            Notice.of_reply(reply, user_id=user_id, agent_id=agent_id),
            now,
            caused_by=delivery,
            reserved_until=now + LEASE,
        )


def _taken(uow: UnitOfWork, pending: list[PendingNotice], clock: Clock) -> list[Notice]:
    """The notices this reader took, as of now: one another reader took first is not shown
    twice."""
    now = clock()
    return [as_of_now(uow, item.notice) for item in pending if uow.outbox.take(item.id, now)]


def as_of_now(uow: UnitOfWork, notice: Notice) -> Notice:
    """A notice whose card shows a case that has moved on since, saying where it is now (an
    offer no longer open loses its Claim choice)."""
    if notice.ticket_id is None or notice.case_status is None:
        return notice
    ticket = uow.tickets.get(notice.ticket_id)
    if ticket is None or ticket.status is notice.case_status:
        return notice
    update = f"Update: {ticket.reference} is now {ticket.status.value.replace('_', ' ')}"
    holder = uow.agents.get(ticket.assignee_id) if ticket.assignee_id is not None else None
    if holder is not None and ticket.is_open:
        update += f", held by {holder.name}"
    choices = () if notice.kind is NoticeKind.OFFER else notice.choices
    return replace(notice, text=f"{notice.text}\n{update}.", choices=choices)
