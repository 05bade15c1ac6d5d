"""What homeworkers read: the handoff card, queue lines and short case headers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.domain import ShownArticle
from bot.core.incidents import incident_reference
from bot.core.metrics import minutes_text
from bot.core.tickets import (
    TRANSITIONS,
    Agent,
    Move,
    Ticket,
    TicketEvent,
    TicketStatus,
    TranscriptLine,
)

TRANSCRIPT_LINES = 30
INTERNAL_LINES = 10
BOT_LINE_CHARS = 120
PERSON_LINE_CHARS = 500
_INTERNAL_ACTIONS = {
    TRANSITIONS[Move.NOTE].action: "noted",
    TRANSITIONS[Move.ASK_FOR_HELP].action: "asked the supervisors",
}


def waited(since: datetime, now: datetime) -> str:
    """A duration as people say it: 45s, 12 min, 3 h 05 min, 2 d 4 h."""
    seconds = max(0, int((now - since).total_seconds()))
    return f"{seconds}s" if seconds < 60 else minutes_text(seconds // 60)


def header(ticket: Ticket, now: datetime) -> str:
    """One line naming a case: reference, priority, category, state and wait."""
    category = ticket.category or "uncategorised"
    state = ticket.status.value.replace("_", " ")
    if ticket.status is TicketStatus.LINKED and ticket.incident_id is not None:
        state = f"linked to {incident_reference(ticket.incident_id)}"
    return (
        f"{ticket.reference} · {ticket.priority} · {category} · {state} · "
        f"waiting {waited(ticket.created_at, now)}"
    )


def queue_line(ticket: Ticket, now: datetime) -> str:
    """A queued case in one line, with the start of its summary."""
    summary = ticket.packet.summary or ticket.packet.question
    if len(summary) > 80:
        summary = summary[:79].rstrip() + "…"
    return f"{header(ticket, now)} — {summary}"


def _tried(shown: ShownArticle) -> str:
    answer = shown.outcome.value.replace("_", " ") if shown.outcome else "no answer"
    return f"{shown.article_id} ({answer})"


def _one_line(line: TranscriptLine) -> str:
    """A message on one line; the bot's own words cut short, the user's kept."""
    limit = PERSON_LINE_CHARS if line.direction == "in" or line.author else BOT_LINE_CHARS
    return _squeezed(line.text, limit)


def _squeezed(text: str, limit: int) -> str:
    """Text on one line, cut to ``limit`` characters."""
    joined = " ⏎ ".join(part.strip() for part in text.splitlines() if part.strip())
    return joined if len(joined) <= limit else joined[: limit - 1].rstrip() + "…"


def _author(line: TranscriptLine) -> str:
    if line.author:
        return line.author
    return "user" if line.direction == "in" else "bot"


def reads_internal_notes(reader: Agent | None, ticket: Ticket) -> bool:
    """Whether the card shown to ``reader`` includes internal notes and help requests: only
    for the homeworker holding the case and for supervisors (never other homeworkers or users)."""
    return reader is not None and (reader.is_supervisor or reader.id == ticket.assignee_id)


def _person(actor: str) -> str:
    """``homeworker:dana`` as ``dana``, ``supervisor:sam`` as ``sam (supervisor)``."""
    role, _, name = actor.partition(":")
    return f"{name} ({role})" if role == "supervisor" else name or role


def _internal_section(events: Sequence[TicketEvent], now: datetime) -> list[str]:
    """Notes and help requests, newest last; times UTC, with the day when it is not today."""
    internal = [event for event in events if event.action in _INTERNAL_ACTIONS]
    if not internal:
        return []
    lines = [f"Internal notes and help requests ({len(internal)}; the user never sees these):"]
    shown = internal[-INTERNAL_LINES:]
    if len(internal) > len(shown):
        lines.append(f"  … {len(internal) - len(shown)} earlier")
    for event in shown:
        when = f"{event.at:%H:%M}" if event.at.date() == now.date() else f"{event.at:%b %d %H:%M}"
        what = _INTERNAL_ACTIONS[event.action]
        text = _squeezed(event.detail, PERSON_LINE_CHARS)
        lines.append(f"  {when} {_person(event.actor)} {what}: {text}")
    return lines


def _category_line(ticket: Ticket) -> str:
    """Triage's category with its confidence; second line's first when it changed it."""
    packet = ticket.packet
    runner_ups = ", ".join(f"{name} {p:.0%}" for name, p in packet.runner_ups) or "none"
    confidence = f" ({packet.confidence:.0%})" if packet.category else ""
    triage = f"{packet.category or 'not sure'}{confidence}; runner-ups: {runner_ups}"
    if ticket.category == packet.category:
        return f"Category: {triage}"
    return f"Category: {ticket.category or 'uncategorised'}, set by second line (triage: {triage})"


def handoff_card(
    ticket: Ticket,
    transcript: Sequence[TranscriptLine],
    now: datetime,
    trail: Sequence[TicketEvent] = (),
) -> str:
    """Everything first line knew about a case, for the homeworker who takes it; with the
    ticket's ``trail``, second line's own notes and help requests too."""
    packet = ticket.packet
    tried = "; ".join(_tried(shown) for shown in packet.articles_tried) or "none"
    lines = [
        header(ticket, now),
        f"User: {packet.user_name}",
        f"Why second line: {packet.reason} [{packet.signal}]",
        _category_line(ticket),
        f"Priority: {packet.priority}",
    ]
    if packet.terms:
        lines.append("Key terms: " + ", ".join(packet.terms))
    lines += [f"Articles tried: {tried}", f"Summary: {packet.summary or packet.question}"]
    lines += _internal_section(trail, now)
    shown_lines = transcript[-TRANSCRIPT_LINES:]
    lines.append(f"Transcript ({len(transcript)} messages, times UTC):")
    if len(transcript) > len(shown_lines):
        lines.append(f"  … {len(transcript) - len(shown_lines)} earlier messages")
    for line in shown_lines:
        lines.append(f"  {line.at:%H:%M} {_author(line)}: {_one_line(line)}")
    return "\n".join(lines)
