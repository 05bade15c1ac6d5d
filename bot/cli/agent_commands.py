"""`triage agents ...`, `triage desk` and `triage sla check`: second line from the terminal."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import console, fail, print_table, wiring
from bot.core.tickets import Agent, Role, WorkingHours
from bot.errors import Refused

agents_app = typer.Typer(help="Register and manage homeworkers and supervisors.")
sla_app = typer.Typer(help="Service levels.")

SkillsOption = Annotated[
    str | None, typer.Option("--skills", help="Categories, comma-separated (none: every one).")
]
CapacityOption = Annotated[int | None, typer.Option("--capacity", help="Cases at once.")]
RoleOption = Annotated[Role | None, typer.Option("--role", help="homeworker or supervisor.")]
TelegramOption = Annotated[
    str | None, typer.Option("--telegram-id", help="Their numeric Telegram user id.")
]
DisplayOption = Annotated[
    str | None,
    typer.Option("--display-name", help="The name users see (default: 'Support team')."),
]
ZoneOption = Annotated[str | None, typer.Option("--timezone", help="e.g. Europe/London.")]
HoursOption = Annotated[
    str | None, typer.Option("--hours", help="Working hours in their zone, e.g. 09:00-17:30.")
]


def _skills(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(sorted({part.strip().casefold() for part in text.split(",") if part.strip()}))


def _hours(text: str | None) -> WorkingHours | None:
    if text is None or not text.strip():
        return None
    try:
        return WorkingHours.parse(text)
    except ValueError as error:
        raise fail(str(error)) from None


@agents_app.command("add")
def add_agent(
    name: str,
    skills: SkillsOption = None,
    capacity: CapacityOption = None,
    role: RoleOption = None,
    telegram_id: TelegramOption = None,
    display_name: DisplayOption = None,
    timezone: ZoneOption = None,
    hours: HoursOption = None,
) -> None:
    """Register a homeworker or supervisor (off shift until they say `shift on`)."""
    agent = Agent(
        id=0,
        name=name.strip(),
        role=role or Role.HOMEWORKER,
        skills=_skills(skills) or (),
        capacity=3 if capacity is None else capacity,
        timezone=timezone or "UTC",
        working_hours=_hours(hours),
        telegram_id=telegram_id,
        display_name=display_name or "",
    )
    with wiring() as wired:
        added = wired.team.roster.add(agent)
    console.print(f"added {added.role.value} {added.name}", markup=False, soft_wrap=True)


@agents_app.command("update")
def update_agent(
    name: str,
    skills: SkillsOption = None,
    capacity: CapacityOption = None,
    role: RoleOption = None,
    telegram_id: TelegramOption = None,
    display_name: DisplayOption = None,
    timezone: ZoneOption = None,
    hours: HoursOption = None,
) -> None:
    """Change a person's skills, capacity, role, Telegram id, display name, zone or hours."""
    changes: dict[str, object] = {
        key: value
        for key, value in {
            "skills": _skills(skills),
            "capacity": capacity,
            "role": role,
            "telegram_id": telegram_id,
            "display_name": display_name,
            "timezone": timezone,
        }.items()
        if value is not None
    }
    if hours is not None:
        changes["working_hours"] = _hours(hours)
    if not changes:
        raise fail("nothing to change: give at least one option, e.g. --capacity 4")
    with wiring() as wired:
        wired.team.roster.update(name, **changes)
    console.print(f"updated {name}", markup=False, soft_wrap=True)


@agents_app.command("remove")
def remove_agent(name: str) -> None:
    """Unregister a person who holds no open cases (their history is kept)."""
    with wiring() as wired:
        wired.team.roster.remove(name)
    console.print(f"removed {name}", markup=False, soft_wrap=True)


@agents_app.command("list")
def list_agents(
    as_json: Annotated[bool, typer.Option("--json", help="Print the register as JSON.")] = False,
) -> None:
    """Everyone registered, with their load and availability."""
    with wiring() as wired:
        everyone = wired.team.roster.everyone()
    if as_json:
        typer.echo(json.dumps([_agent_json(agent, load) for agent, load in everyone], indent=2))
        return
    if not everyone:
        console.print("Nobody is registered yet: `triage agents add NAME --skills network`.")
        return
    table = Table(title="Second line")
    for column in ("name", "role", "skills", "load", "shift", "hours", "telegram", "shown as"):
        # On a narrow terminal ids fold (never cut), one-word values stay whole, text wraps.
        if column in ("name", "telegram"):
            table.add_column(column, overflow="fold")
        else:
            table.add_column(column, no_wrap=column in ("role", "load", "shift"))
    for agent, load in everyone:
        table.add_row(
            agent.name,
            agent.role.value,
            ", ".join(agent.skills) or "all",
            f"{load}/{agent.capacity}",
            "on" if agent.on_shift else "off",
            f"{agent.working_hours} {agent.timezone}" if agent.working_hours else agent.timezone,
            agent.telegram_id or "-",
            agent.display_name or "Support team",
        )
    print_table(table)


def _agent_json(agent: Agent, load: int) -> dict[str, object]:
    return {
        "name": agent.name,
        "role": agent.role.value,
        "skills": list(agent.skills),
        "load": load,
        "capacity": agent.capacity,
        "on_shift": agent.on_shift,
        "working_hours": str(agent.working_hours) if agent.working_hours else None,
        "timezone": agent.timezone,
        "telegram_id": agent.telegram_id,
        "display_name": agent.display_name or None,
    }


@sla_app.command("check")
def sla_check() -> None:
    """Re-offer and report cases past their targets; take back cases from silent homeworkers."""
    with wiring() as wired:
        report = wired.team.service_levels.run()
    console.print(str(report), markup=False, soft_wrap=True)


def desk(
    agent: Annotated[str, typer.Option("--agent", help="Your name in the register.")],
) -> None:
    """Work second-line cases from the terminal; pipe commands in to script it."""
    from bot.doors.terminal_desk import PROMPT, DeskSession
    from bot.doors.terminal_io import replace_undecodable

    with wiring() as wired:
        team = wired.team
        try:
            me = team.desk.agent_named(agent)
        except Refused as refusal:
            raise fail(str(refusal)) from None
        session = DeskSession(
            team.desk,
            me,
            lambda: team.notices.collect_for_agent(me.id),
            team.service_levels,
            team.stats,
        )
        replace_undecodable(sys.stdin)
        if sys.stdin.isatty():
            sys.stdout.write(f"Hello {me.name}. Type `help` for the commands.\n\n")
            session.run(iter(sys.stdin.readline, ""), sys.stdout, prompt=PROMPT)
            sys.stdout.write("\nBye!\n")
        else:
            session.run(sys.stdin, sys.stdout)


__all__ = ["agents_app", "desk", "sla_app"]
