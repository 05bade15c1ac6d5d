"""What a log line is about: the update being handled and the ticket, when known.

Context variables, so they follow an update's handling into the worker threads it uses
(``asyncio.to_thread`` copies the context) and never leak into another update's lines.
"""

from __future__ import annotations

from contextvars import ContextVar

update_id: ContextVar[int | None] = ContextVar("update_id", default=None)
ticket: ContextVar[str | None] = ContextVar("ticket", default=None)


def about_update(number: int) -> None:
    """The lines logged from here on in this context are about this update."""
    update_id.set(number)
    ticket.set(None)


def about_ticket(reference: str) -> None:
    """The lines logged from here on in this context are about this ticket (``T-1001``)."""
    ticket.set(reference)
