"""Fakes for the core's ports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.domain import Priority, TriageVerdict

FIRST_LINE = TriageVerdict(
    category="network",
    confidence=0.9,
    priority=Priority.P3,
    escalate=False,
    signal="model",
    reason="the model rates it a first-line enquiry",
)


class FakeTriage:
    """Escalates the messages it is told to, and calls everything else a first-line enquiry."""

    def __init__(self, escalate: dict[str, TriageVerdict] | None = None) -> None:
        self.escalate = escalate or {}
        self.assessed: list[str] = []

    def assess(self, text: str) -> TriageVerdict:
        self.assessed.append(text)
        return self.escalate.get(text, FIRST_LINE)


def escalating(
    category: str, priority: str, reason: str = "the model rates it a complex incident"
) -> TriageVerdict:
    """A verdict that sends an enquiry straight to second line."""
    return TriageVerdict(
        category=category,
        confidence=0.93,
        priority=Priority(priority),
        escalate=True,
        signal="model",
        reason=reason,
        runner_ups=(("hardware", 0.04),),
        terms=("outage",),
    )


class ManualClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move forward by a timedelta's keyword arguments, e.g. ``minutes=16``."""
        self.now += timedelta(**delta)
