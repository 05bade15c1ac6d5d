"""The desk's load right now: what waits to be sent, what waits for a person, who is on shift.

A snapshot read from storage when an operator asks (the /metrics endpoint), so every
process sees the same figures; the counts since the start (handoffs, breaches) are
desk-wide totals, not this process's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.core.domain import Priority


@dataclass(frozen=True)
class QueueLoad:
    """Cases of one priority waiting to be claimed."""

    waiting: int = 0
    oldest_wait_seconds: float = 0.0


@dataclass(frozen=True)
class DeskLoad:
    """The desk's load at one moment."""

    outbox_backlog: int = 0
    outbox_oldest_age_seconds: float = 0.0
    not_repeated: dict[str, int] = field(default_factory=dict)  # by outcome: may have arrived
    queue: dict[Priority, QueueLoad] = field(default_factory=dict)
    handoffs: dict[Priority, int] = field(default_factory=dict)  # every case ever created
    claim_breaches: int = 0  # cases that waited past their claim target, ever
    resolve_breaches: int = 0  # cases that stayed open past their resolve target, ever
    on_shift: int = 0  # active homeworkers on shift


class DeskLoadReader(Protocol):
    """Reads the desk's load (a read model beside the unit of work)."""

    def load_at(self, now: datetime) -> DeskLoad:
        """The load as of ``now``."""
        ...
