"""Storing what a ticket's or an agent's verb changed, with the audit event it returned."""

from __future__ import annotations

from bot.core.offers import leaves_the_queue, withdraw_offers
from bot.core.ports import UnitOfWork
from bot.core.tickets import Ticket, TicketEvent


def store(uow: UnitOfWork, ticket: Ticket, event: TicketEvent) -> None:
    """Save the ticket's new state and add the event to its trail, in the same unit of work;
    a case that left the queue has its open offers withdrawn with it."""
    uow.tickets.save(ticket)
    uow.events.add(event)
    if leaves_the_queue(event):
        withdraw_offers(uow, ticket, event)


def done_with(uow: UnitOfWork, agent_id: int | None, ticket_id: int) -> None:
    """Stop that case being the agent's current one (if the agent still exists)."""
    agent = uow.agents.get(agent_id) if agent_id is not None else None
    if agent is not None and agent.current_ticket_id == ticket_id:
        uow.agents.save(agent.done_with(ticket_id))
