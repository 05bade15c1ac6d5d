"""Fakes for the core's ports."""

from __future__ import annotations

from bot.core.domain import TriageVerdict

FIRST_LINE = TriageVerdict(
    category="network",
    confidence=0.9,
    priority="P3",
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
