"""The admin's register of homeworkers and supervisors."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from bot.core.clock import utc_now
from bot.core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.core.tickets import Agent, Role, WorkingHours, zone
from bot.errors import Refused

_NAME = re.compile(r"[\w.-]{1,80}")
_TELEGRAM_ID = re.compile(r"[0-9]{1,20}")  # Telegram's user ids fit in 64 bits
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MAX_DISPLAY_NAME_CHARS = 80
MAX_CAPACITY = 50


class Roster:
    """Adds, changes and removes second-line people; refusals change nothing."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        categories: Sequence[str],
        clock: Clock = utc_now,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._categories = tuple(categories)
        self._clock = clock

    def add(self, agent: Agent) -> Agent:
        """Register a new person (the id is assigned)."""
        self._check(agent)
        with self._unit_of_work() as uow:
            if uow.agents.by_name(agent.name) is not None:
                raise Refused(f"{agent.name} is already registered; use `triage agents update`.")
            self._check_telegram_free(uow, agent)
            added = uow.agents.add(agent, self._clock())
            uow.commit()
        return added

    def update(self, name: str, **changes: object) -> Agent:
        """Change some of a person's fields, e.g. ``capacity=4``."""
        with self._unit_of_work() as uow:
            agent = self._named(uow, name)
            changed = replace(agent, **changes)  # type: ignore[arg-type]
            self._check(changed)
            self._check_telegram_free(uow, changed)
            uow.agents.save(changed)
            uow.commit()
        return changed

    def remove(self, name: str) -> None:
        """Unregister a person who holds no open cases; their history stays."""
        with self._unit_of_work() as uow:
            agent = self._named(uow, name)
            held = uow.tickets.held_by(agent.id)
            if held:
                raise Refused(
                    f"{agent.name} still holds {', '.join(t.reference for t in held)}; "
                    "transfer or release them first."
                )
            uow.agents.remove(agent.id)
            uow.commit()

    def everyone(self) -> list[tuple[Agent, int]]:
        """Every registered person with the number of cases they hold."""
        with self._unit_of_work(read_only=True) as uow:
            loads = uow.agents.loads()
            return [(agent, loads.get(agent.id, 0)) for agent in uow.agents.all()]

    def _named(self, uow: UnitOfWork, name: str) -> Agent:
        agent = uow.agents.by_name(name)
        if agent is None:
            raise Refused(f"Nobody called {name!r} is registered.")
        return agent

    def _check(self, agent: Agent) -> None:
        if not _NAME.fullmatch(agent.name):
            raise Refused(f"{agent.name!r} is not a usable name: letters, digits, . _ - only.")
        unknown = [skill for skill in agent.skills if skill not in self._categories]
        if unknown:
            raise Refused(
                f"Unknown skill(s) {', '.join(unknown)}; skills are: {', '.join(self._categories)}."
            )
        if not 1 <= agent.capacity <= MAX_CAPACITY:
            raise Refused(f"Capacity must be between 1 and {MAX_CAPACITY} cases.")
        if agent.telegram_id is not None and not _TELEGRAM_ID.fullmatch(agent.telegram_id):
            raise Refused("That is not a Telegram user id (up to 20 digits).")
        if len(agent.display_name) > MAX_DISPLAY_NAME_CHARS or _CONTROL.search(agent.display_name):
            raise Refused(
                f"A display name is at most {MAX_DISPLAY_NAME_CHARS} characters, "
                "with no control characters."
            )
        try:
            zone(agent.timezone)
        except ValueError as error:
            raise Refused(str(error)) from None
        if not isinstance(agent.role, Role) or not isinstance(
            agent.working_hours, WorkingHours | None
        ):
            raise Refused("Role or working hours are not valid.")

    @staticmethod
    def _check_telegram_free(uow: UnitOfWork, agent: Agent) -> None:
        if agent.telegram_id is None:
            return
        holder = uow.agents.by_telegram_id(agent.telegram_id)
        if holder is not None and holder.name != agent.name:
            raise Refused(f"Telegram id {agent.telegram_id} already belongs to {holder.name}.")
