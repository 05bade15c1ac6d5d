"""Reading second line's corrections: training rows for the classifier, and drift figures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.tickets import TicketStatus, ticket_reference
from bot.storage.schema import ConversationRow, TicketRow
from classifier.drift import Judgement
from classifier.learning import TicketLabel

_DONE = (TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value)


def read_ticket_labels(session: Session) -> list[TicketLabel]:
    """Every resolved or closed ticket's question and second line's labels, oldest first."""
    rows = session.scalars(
        select(TicketRow).where(TicketRow.status.in_(_DONE)).order_by(TicketRow.id)
    )
    return [
        TicketLabel(
            reference=ticket_reference(row.id),
            text=str(row.packet.get("question") or row.packet.get("summary") or ""),
            category=row.corrected_category,
            second_line_needed=row.second_line_needed,
            priority=row.priority,
        )
        for row in rows
    ]


def read_judgements(session: Session, since: datetime | None = None) -> list[Judgement]:
    """Resolved tickets opened since ``since`` whose conversation has a triage verdict."""
    query = (
        select(TicketRow, ConversationRow.verdict)
        .join(ConversationRow, ConversationRow.id == TicketRow.conversation_id)
        .where(TicketRow.status.in_(_DONE), TicketRow.corrected_category.is_not(None))
        .order_by(TicketRow.id)
    )
    if since is not None:
        query = query.where(TicketRow.created_at >= since)
    judgements = []
    for ticket, verdict in session.execute(query):
        if not verdict:
            continue
        judgements.append(
            Judgement(
                reference=ticket_reference(ticket.id),
                model_version=verdict.get("model_version"),
                model_category=verdict.get("category"),
                model_escalate=bool(verdict.get("escalate")),
                corrected_category=str(ticket.corrected_category),
                second_line_needed=ticket.second_line_needed is not False,
            )
        )
    return judgements
