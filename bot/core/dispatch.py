"""Offering cases to homeworkers and alerting supervisors, through the outbox."""

from __future__ import annotations

from datetime import datetime

from bot.core.audit import store
from bot.core.cards import handoff_card, reads_internal_notes
from bot.core.domain import Attachment, Choice, Reply
from bot.core.ports import UnitOfWork
from bot.core.routing import offer_targets
from bot.core.tickets import Agent, Notice, NoticeKind, Role, ServiceLevels, Ticket


def claim_choice(ticket: Ticket) -> Choice:
    """The quick answer that claims a case."""
    return Choice(f"Claim {ticket.reference}", f"claim {ticket.reference}")


def case_card(uow: UnitOfWork, ticket: Ticket, now: datetime, reader: Agent | None = None) -> str:
    """The handoff card with the conversation's transcript as stored (already masked), and
    internal notes and help requests when the reader holds the case or is a supervisor."""
    trail = uow.events.for_ticket(ticket.id) if reads_internal_notes(reader, ticket) else []
    return handoff_card(ticket, uow.messages.transcript(ticket.conversation_id), now, trail)


def case_attachments(uow: UnitOfWork, ticket: Ticket) -> tuple[Attachment, ...]:
    """The photos and documents sent in the case's conversation, by the user or the team."""
    return tuple(
        line.attachment
        for line in uow.messages.transcript(ticket.conversation_id)
        if line.attachment is not None
    )


def case_reply(uow: UnitOfWork, ticket: Ticket, now: datetime, reader: Agent) -> Reply:
    """The card of a case as ``reader`` may see it, with what the user attached, as one reply."""
    card = case_card(uow, ticket, now, reader)
    return Reply(card, attachments=case_attachments(uow, ticket))


def offer_case(
    uow: UnitOfWork,
    ticket: Ticket,
    now: datetime,
    levels: ServiceLevels,
    everyone: bool = False,
    excluding: int | None = None,
    news: str = "",
) -> list[Agent]:
    """Offer a queued case to the least-loaded homeworkers able to take it (or to all of them),
    with ``news`` (what just happened to it) above its card."""
    agents = [agent for agent in uow.agents.all() if agent.id != excluding]
    fanout = len(agents) if everyone else levels.offer_fanout
    targets = offer_targets(agents, ticket, uow.agents.loads(), now, fanout)
    card = case_card(uow, ticket, now)
    heading = f"{news}\nNew case waiting:" if news else "New case waiting:"
    for agent in targets:
        uow.outbox.add(
            Notice(
                text=f"{heading}\n{card}",
                agent_id=agent.id,
                ticket_id=ticket.id,
                choices=(claim_choice(ticket),),
                kind=NoticeKind.OFFER,
                case_status=ticket.status,
            ),
            now,
        )
    store(uow, ticket, ticket.offered(targets, now))
    return targets


def alert_supervisors(
    uow: UnitOfWork, ticket: Ticket, message: str, now: datetime, with_card: bool = True
) -> list[Agent]:
    """Send every supervisor a message about a case (with its card as supervisors see it)."""
    supervisors = [agent for agent in uow.agents.all() if agent.role is Role.SUPERVISOR]
    text = message
    if with_card and supervisors:  # every supervisor sees the same card
        text = f"{message}\n{case_card(uow, ticket, now, supervisors[0])}"
    shown = ticket.status if with_card else None
    for supervisor in supervisors:
        uow.outbox.add(
            Notice(text=text, agent_id=supervisor.id, ticket_id=ticket.id, case_status=shown),
            now,
        )
    return supervisors
