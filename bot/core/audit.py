"""The audit trail: every change to a ticket is recorded with who, when and why."""

from __future__ import annotations

from datetime import datetime

from bot.core.ports import UnitOfWork
from bot.core.tickets import Agent, Ticket, TicketEvent, TicketStatus

SYSTEM = "system"
USER = "user"


def actor_of(agent: Agent) -> str:
    """How an agent is named in the audit trail."""
    return f"{agent.role.value}:{agent.name}"


def record(
    uow: UnitOfWork,
    ticket: Ticket,
    actor: str,
    action: str,
    now: datetime,
    to_status: TicketStatus | None = None,
    detail: str = "",
) -> None:
    """Apply a status change (if any) to the ticket, store it, and log the event."""
    before = ticket.status
    if to_status is not None:
        ticket.status = to_status
    uow.tickets.save(ticket)
    uow.events.add(
        TicketEvent(
            ticket_id=ticket.id,
            at=now,
            actor=actor,
            action=action,
            from_status=before.value,
            to_status=ticket.status.value,
            detail=detail,
        )
    )
