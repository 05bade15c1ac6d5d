"""The satisfaction trend's points: each day's mean rating, and how many ratings are behind it.

A day with a single rating would plot as a 1.0 or a 5.0 and read like a trend. So a day with
fewer than ``MIN_RATINGS`` ratings is folded into a wider mean: the ratings of the
``ROLLING_DAYS`` days up to and including it, or, when even those are too few, the whole
period's. Every point says which mean it is and how many ratings it rests on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.core.metrics import Satisfaction

MIN_RATINGS = 3
ROLLING_DAYS = 7


class Basis(StrEnum):
    """Which ratings a point's mean is taken over."""

    DAY = "day"  # the day's own: it has enough
    ROLLING = "rolling"  # the rolling window's up to that day: the day alone has too few
    PERIOD = "period"  # the whole period's: even the window has too few


@dataclass(frozen=True)
class SatisfactionPoint:
    """One rated day on the trend: the mean drawn, the ratings behind it, and which mean it is."""

    day: date
    mean: float
    ratings: int
    day_ratings: int
    basis: Basis

    @property
    def label(self) -> str:
        """How many ratings are behind the point, e.g. ``n=5 (1 that day)``."""
        if self.basis is Basis.DAY:
            return f"n={self.ratings}"
        return f"n={self.ratings} ({self.day_ratings} that day)"


@dataclass(frozen=True)
class _Rated:
    day: date
    count: int
    total: int  # the sum of the day's ratings (ratings are whole numbers)


def satisfaction_points(
    by_day: Sequence[tuple[date, Satisfaction]],
    period: Satisfaction,
    min_ratings: int = MIN_RATINGS,
    rolling_days: int = ROLLING_DAYS,
) -> tuple[SatisfactionPoint, ...]:
    """A point per day with ratings, oldest first; thin days folded into a wider mean."""
    rated = [
        _Rated(day, s.responses, round(s.mean * s.responses))
        for day, s in sorted(by_day)
        if s.responses and s.mean is not None
    ]
    points = []
    for today in rated:
        if today.count >= min_ratings:
            points.append(_point(today, today.count, today.total, Basis.DAY))
            continue
        since = today.day - timedelta(days=rolling_days - 1)
        window = [r for r in rated if since <= r.day <= today.day]
        count, total = sum(r.count for r in window), sum(r.total for r in window)
        if count >= min_ratings or period.mean is None:
            points.append(_point(today, count, total, Basis.ROLLING))
        else:
            points.append(
                SatisfactionPoint(
                    today.day, period.mean, period.responses, today.count, Basis.PERIOD
                )
            )
    return tuple(points)


def _point(today: _Rated, count: int, total: int, basis: Basis) -> SatisfactionPoint:
    return SatisfactionPoint(today.day, total / count, count, today.count, basis)
