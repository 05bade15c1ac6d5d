"""A homeworker's `mystats`, wired to the same database, targets and clock as their desk."""

from __future__ import annotations

from bot.core.agent_stats import AgentStats
from bot.core.domain import Reply
from bot.core.second_line import SecondLineDesk
from bot.storage.metrics_queries import read_facts_in


def agent_stats_beside(desk: SecondLineDesk) -> AgentStats:
    """The figures service over the same unit of work, service levels and clock as ``desk``."""
    # SecondLineDesk keeps its wiring private; a Team.stats built in bootstrap would be tidier.
    return AgentStats(desk._unit_of_work, read_facts_in, desk.levels, desk._clock)


def mystats(desk: SecondLineDesk, agent_id: int) -> Reply:
    """The asking agent's own figures, beside the team's medians."""
    return agent_stats_beside(desk).reply(agent_id)
