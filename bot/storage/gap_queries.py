"""Reading the enquiries that reached second line because no article answered them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.dialogue import REASON_NO_ARTICLE
from bot.core.domain import FeedbackOutcome
from bot.storage.schema import HandoffRow


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


def read_gap_enquiries(session: Session, since: datetime | None = None) -> list[GapEnquiry]:
    """Each conversation's latest gap handoff since ``since``, oldest first."""
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
