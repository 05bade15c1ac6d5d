"""A homeworker's own figures beside the team's medians; no other homeworker is named."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from bot.core.clock import utc_now
from bot.core.domain import Reply
from bot.core.metrics import (
    HomeworkerFigures,
    Period,
    homeworker_figures,
    minutes_text,
    percent_text,
)
from bot.core.ports import Clock, MetricsReader
from bot.core.tickets import DEFAULT_SERVICE_LEVELS, ServiceLevels

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class OwnLine:
    """One of the agent's figures and the team's median of it."""

    label: str
    mine: float | None
    team: float | None


@dataclass(frozen=True)
class OwnFigures:
    """What a homeworker may see about their own work over a period."""

    days: int
    resolved: OwnLine
    handling_minutes: OwnLine
    mean_rating: OwnLine
    ratings: int
    claimed_in_target: OwnLine
    resolved_in_target: OwnLine

    def text(self) -> str:
        """The figures as a chat message."""
        return "\n".join(
            [
                f"Your figures over the last {self.days} days (team median in brackets):",
                f"  cases resolved: {_count(self.resolved.mine)} ({_count(self.resolved.team)})",
                f"  median handling time: {minutes_text(self.handling_minutes.mine)} "
                f"({minutes_text(self.handling_minutes.team)})",
                f"  your mean rating: {_rating(self.mean_rating.mine)} from {self.ratings} "
                f"rating(s) ({_rating(self.mean_rating.team)})",
                f"  claimed within target: {percent_text(self.claimed_in_target.mine)} "
                f"({percent_text(self.claimed_in_target.team)})",
                f"  resolved within target: {percent_text(self.resolved_in_target.mine)} "
                f"({percent_text(self.resolved_in_target.team)})",
            ]
        )


class AgentStats:
    """Each homeworker's own figures, for any door (`mystats`)."""

    def __init__(
        self,
        facts: MetricsReader,
        levels: ServiceLevels = DEFAULT_SERVICE_LEVELS,
        clock: Clock = utc_now,
    ) -> None:
        self._facts = facts
        self._levels = levels
        self._clock = clock

    def figures(self, agent_id: int, days: int = DEFAULT_DAYS) -> OwnFigures:
        """One agent's figures over the last ``days`` days, beside the team's medians."""
        now = self._clock()
        facts = self._facts.facts_in(Period(now - timedelta(days=days), None), now)
        team = homeworker_figures(facts.tickets, self._levels, facts.as_of)
        mine = next((row for row in team if row.agent_id == agent_id), None)
        return OwnFigures(
            days=days,
            resolved=_line("resolved", mine, team, lambda r: float(r.figures.resolved)),
            handling_minutes=_line("handling", mine, team, lambda r: r.figures.handling.median),
            mean_rating=_line("rating", mine, team, lambda r: r.figures.satisfaction.mean),
            ratings=mine.figures.satisfaction.responses if mine else 0,
            claimed_in_target=_line("claim", mine, team, lambda r: r.claim.share),
            resolved_in_target=_line("resolve", mine, team, lambda r: r.resolve.share),
        )

    def reply(self, agent_id: int, days: int = DEFAULT_DAYS) -> Reply:
        """One agent's figures as a message for them alone."""
        return Reply(self.figures(agent_id, days).text())


def _line(
    label: str,
    mine: HomeworkerFigures | None,
    team: Iterable[HomeworkerFigures],
    value: Callable[[HomeworkerFigures], float | None],
) -> OwnLine:
    known = [v for v in (value(row) for row in team) if v is not None]
    own = value(mine) if mine is not None else (0.0 if label == "resolved" else None)
    return OwnLine(label, own, statistics.median(known) if known else None)


def _count(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _rating(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}/5"
