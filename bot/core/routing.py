"""Who gets offered a case, in what order cases are worked, and how long a user may wait."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from bot.core.tickets import Agent, Role, ServiceLevels, Ticket


def queue_order(ticket: Ticket) -> tuple[int, datetime, int]:
    """Priority first, then the longest waiting."""
    return ticket.priority.rank, ticket.created_at, ticket.id


def can_take(agent: Agent, skill: str | None, loads: Mapping[int, int], now: datetime) -> bool:
    """Available now, with the skill and a free place among their cases."""
    return (
        agent.is_available(now)
        and agent.has_skill(skill)
        and loads.get(agent.id, 0) < agent.capacity
    )


def offer_targets(
    agents: Iterable[Agent],
    ticket: Ticket,
    loads: Mapping[int, int],
    now: datetime,
    fanout: int,
) -> list[Agent]:
    """The homeworkers to offer a case to: able to take it, least loaded first."""
    able = [
        agent
        for agent in agents
        if agent.role is Role.HOMEWORKER and can_take(agent, ticket.category, loads, now)
    ]
    able.sort(key=lambda agent: (loads.get(agent.id, 0) / agent.capacity, agent.id))
    return able[:fanout]


def expected_wait(
    agents: Iterable[Agent],
    ticket: Ticket,
    now: datetime,
    levels: ServiceLevels,
) -> str:
    """A sentence telling the user how long they can expect to wait."""
    skilled = [agent for agent in agents if agent.has_skill(ticket.category)]
    target = _minutes(levels.claim_target(ticket.priority).total_seconds())
    if any(agent.is_available(now) for agent in skilled):
        return f"Someone should pick it up within {target}."
    starts = [start for agent in skilled if (start := agent.next_start(now)) is not None]
    when = (
        f" The next person is expected on shift at {min(starts).astimezone(now.tzinfo):%H:%M} "
        f"({now.tzinfo})."
        if starts
        else ""
    )
    return (
        "Nobody from second line is on shift right now, so your case is queued: it is not lost, "
        f"and the first person on shift will pick it up.{when}"
    )


def _minutes(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"{minutes} minutes"
    hours = minutes / 60
    return f"{hours:g} hours" if hours < 48 else f"{hours / 24:g} days"
