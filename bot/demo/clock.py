"""Simulated time, and a timeline of things due at given moments."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta


class SimulatedClock:
    """A clock that only moves when the simulation moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class Timeline:
    """Actions due at moments, run in order while the clock is moved to each one."""

    def __init__(self, clock: SimulatedClock) -> None:
        self._clock = clock
        self._due: list[tuple[datetime, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        """Run ``action`` when the clock reaches ``moment``."""
        heapq.heappush(self._due, (moment, next(self._order), action))

    def after(self, delay: timedelta, action: Callable[[], None]) -> None:
        """Run ``action`` once ``delay`` has passed."""
        self.at(self._clock.now + delay, action)

    def every(self, interval: timedelta, action: Callable[[], None]) -> None:
        """Run ``action`` now and then every ``interval``."""

        def repeat() -> None:
            action()
            self.after(interval, repeat)

        self.at(self._clock.now, repeat)

    def run_until(self, end: datetime) -> None:
        """Run everything due before ``end``, moving the clock along."""
        while self._due and self._due[0][0] < end:
            moment, _, action = heapq.heappop(self._due)
            self._clock.now = max(self._clock.now, moment)
            action()
        self._clock.now = max(self._clock.now, end)
