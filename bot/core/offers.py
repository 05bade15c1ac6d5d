"""Offers of a queued case: once the case leaves the queue, every offer still open is withdrawn.

An offer not yet delivered is dropped, so nobody is offered a case that is gone. One already
delivered gets a withdrawal saying why ("T-1001 claimed by dana"), which a door that can edit
its messages shows in place of the offer, without its Claim button, and any other door shows
as news. The person who took the case gets none: they know.
"""

from __future__ import annotations

from bot.core.ports import UnitOfWork
from bot.core.tickets import SYSTEM, USER, Notice, NoticeKind, Ticket, TicketEvent, TicketStatus

_TAKEN = {"claimed": "claimed", "claimed (next)": "claimed", "taken over": "taken over"}


def leaves_the_queue(event: TicketEvent) -> bool:
    """Whether this move took a queued case out of the queue."""
    queued = TicketStatus.QUEUED.value
    return event.from_status == queued and event.to_status not in (None, queued)


def withdraw_offers(uow: UnitOfWork, ticket: Ticket, event: TicketEvent) -> None:
    """Withdraw the case's open offers after ``event`` took it out of the queue."""
    offers = uow.outbox.live_offers(ticket.id)
    if not offers:
        return
    uow.outbox.withdraw([offer.id for offer in offers], event.at)
    text = withdrawal_text(ticket.reference, event)
    for offer in offers:
        if offer.delivered and offer.agent_id != ticket.assignee_id:
            uow.outbox.add(
                Notice(
                    text,
                    agent_id=offer.agent_id,
                    ticket_id=ticket.id,
                    kind=NoticeKind.WITHDRAWAL,
                    withdraws=offer.id,
                ),
                event.at,
            )


def withdrawal_text(reference: str, event: TicketEvent) -> str:
    """Why an offer is no longer open, in one line: "T-1001 claimed by dana"."""
    who = _who(event.actor)
    taken = _TAKEN.get(event.action)
    if taken is not None:
        return f"{reference} {taken} by {who}."
    return f"{reference} withdrawn: {event.action} by {who}."


def _who(actor: str) -> str:
    if actor == USER:
        return "the user"
    if actor == SYSTEM:
        return "the desk"
    return actor.partition(":")[2] or actor
