"""How domain values are written to JSON columns and read back, for every repository.

Conversations, handoffs, tickets and the outbox store some values as JSON (articles shown,
attachments, triage verdicts); each has one writer and one reader here, so a value
written by one repository reads back the same in another.
"""

from __future__ import annotations

from typing import Any

from bot.core.domain import (
    Attachment,
    FeedbackOutcome,
    Markup,
    ShownArticle,
    TextPart,
    TriageVerdict,
)


def attachment_to_json(attachment: Attachment | None) -> dict[str, str] | None:
    """An attachment as stored in a JSON column."""
    if attachment is None:
        return None
    return {"kind": attachment.kind, "ref": attachment.ref, "name": attachment.name}


def attachment_from_json(data: dict[str, Any] | None) -> Attachment | None:
    """An attachment from its JSON column."""
    if not data:
        return None
    return Attachment(str(data["kind"]), str(data["ref"]), str(data.get("name", "")))


def shown_to_json(shown: ShownArticle) -> dict[str, Any]:
    """An article shown to a user, and what they said to it, as JSON."""
    return {
        "article_id": shown.article_id,
        "score": shown.score,
        "outcome": shown.outcome.value if shown.outcome else None,
    }


def shown_from_json(data: dict[str, Any]) -> ShownArticle:
    """An article shown to a user, from :func:`shown_to_json`'s output."""
    outcome = FeedbackOutcome(data["outcome"]) if data.get("outcome") else None
    return ShownArticle(str(data["article_id"]), float(data["score"]), outcome)


def verdict_to_json(verdict: TriageVerdict | None) -> dict[str, object] | None:
    """A triage verdict as stored in a JSON column."""
    return None if verdict is None else verdict.as_dict()


def verdict_from_json(data: dict[str, object] | None) -> TriageVerdict | None:
    """A triage verdict from its JSON column."""
    return None if data is None else TriageVerdict.from_dict(data)


def parts_to_json(parts: tuple[TextPart, ...]) -> list[list[str]] | None:
    """A message's text parts as stored in a JSON column; None when it is all plain text."""
    return [[part.markup.value, part.text] for part in parts] if parts else None


def parts_from_json(data: list[Any] | None) -> tuple[TextPart, ...]:
    """A message's text parts from :func:`parts_to_json`'s output."""
    return tuple(TextPart(str(text), Markup(markup)) for markup, text in data or ())
