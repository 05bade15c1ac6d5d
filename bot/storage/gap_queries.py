"""Reading the enquiries that reached second line because no article answered them.

An enquiry second line then answered with an existing article (`kb ARTICLE-ID` on its
case) is no article to write: its wording is one retrieval missed, listed apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.dialogue import REASON_NO_ARTICLE
from bot.core.domain import FeedbackOutcome
from bot.core.tickets import SENT_ARTICLE
from bot.storage.schema import HandoffRow, TicketEventRow, TicketRow


@dataclass(frozen=True)
class GapEnquiry:
    """A handed-over question (masked, as stored) that no article answered."""

    conversation_id: int
    question: str
    reason: str
    asked_at: datetime


def is_gap(reason: str, articles_tried: Sequence[dict[str, Any]]) -> bool:
    """No article fitted, or the user said "not solved" to every article shown."""
    if reason == REASON_NO_ARTICLE:
        return True
    return bool(articles_tried) and all(
        shown.get("outcome") == FeedbackOutcome.NOT_SOLVED.value for shown in articles_tried
    )


@dataclass(frozen=True)
class MissedArticle:
    """A gap handoff second line answered with an existing article: wording to add to it."""

    conversation_id: int
    question: str
    article_id: str


def read_gap_enquiries(session: Session, since: datetime | None = None) -> list[GapEnquiry]:
    """Each conversation's latest gap handoff since ``since``, oldest first, leaving out
    those second line answered with an existing article (see :func:`read_missed_articles`)."""
    answered = {missed.conversation_id for missed in read_missed_articles(session, since)}
    return [e for e in _latest_gaps(session, since) if e.conversation_id not in answered]


def read_missed_articles(session: Session, since: datetime | None = None) -> list[MissedArticle]:
    """Gap enquiries since ``since`` whose case got an article from second line, oldest first."""
    gaps = {enquiry.conversation_id: enquiry for enquiry in _latest_gaps(session, since)}
    sent = session.execute(
        select(TicketRow.conversation_id, TicketEventRow.detail)
        .join(TicketEventRow, TicketEventRow.ticket_id == TicketRow.id)
        .where(TicketEventRow.action == SENT_ARTICLE, TicketRow.conversation_id.in_(list(gaps)))
        .order_by(TicketEventRow.id)
    )
    first_sent: dict[int, str] = {}
    for conversation_id, article_id in sent:
        first_sent.setdefault(conversation_id, article_id)
    return [
        MissedArticle(conversation_id, gaps[conversation_id].question, article_id)
        for conversation_id, article_id in first_sent.items()
    ]


def _latest_gaps(session: Session, since: datetime | None) -> list[GapEnquiry]:
    query = select(HandoffRow).order_by(HandoffRow.created_at, HandoffRow.id)
    if since is not None:
        query = query.where(HandoffRow.created_at >= since)
    latest: dict[int, GapEnquiry] = {}
    for row in session.scalars(query):
        if row.question.strip() and is_gap(row.reason, row.articles_tried or []):
            latest.pop(row.conversation_id, None)
            latest[row.conversation_id] = GapEnquiry(
                row.conversation_id, row.question.strip(), row.reason, row.created_at
            )
    return list(latest.values())
