"""What both second-line desks (cases and major incidents) read from a command: the agent
who sent it, the ticket it names, and the text it carries."""

from __future__ import annotations

from bot.core.desk import MAX_MESSAGE_CHARS
from bot.core.ports import UnitOfWork
from bot.core.tickets import Agent, Ticket, ticket_id_from_reference
from bot.errors import Refused


def registered_agent(uow: UnitOfWork, agent_id: int) -> Agent:
    """The agent behind a command; refused if they were removed meanwhile."""
    agent = uow.agents.get(agent_id)
    if agent is None:
        raise Refused("You are no longer registered as a homeworker.")
    return agent


def named_ticket(uow: UnitOfWork, reference: str) -> Ticket:
    """The ticket a command names (``T-1042`` or ``1042``); refused if there is none."""
    ticket_id = ticket_id_from_reference(reference)
    ticket = uow.tickets.get(ticket_id) if ticket_id is not None else None
    if ticket is None:
        raise Refused(f"There is no ticket {reference.strip()!r}. References look like T-1042.")
    return ticket


def written(text: str, what: str) -> str:
    """A homeworker's text without NULs or surrounding space; refused when over the size limit."""
    cleaned = text.replace("\x00", "").strip()
    if len(cleaned) > MAX_MESSAGE_CHARS:
        raise Refused(
            f"The {what} is {len(cleaned):,} characters long; "
            f"the limit is {MAX_MESSAGE_CHARS:,}. Nothing was sent or saved."
        )
    return cleaned
