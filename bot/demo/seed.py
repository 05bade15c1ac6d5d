"""`triage demo seed`: a month of simulated traffic through the real desk and team, with
one outage that becomes a major incident."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, event, func, select

from bot.bootstrap import App, Wiring
from bot.core.ports import Triage, UnitOfWorkFactory
from bot.core.tickets import Role, Ticket, TicketStatus, ticket_id_from_reference
from bot.demo.clock import SimulatedClock, Timeline
from bot.demo.material import enquiries
from bot.demo.outage import Outage
from bot.demo.team import DemoTeam
from bot.demo.users import Users
from bot.errors import Refused
from bot.settings import Settings
from bot.storage.metrics_queries import count_conversations
from bot.storage.schema import AgentRow, ConversationRow, TicketRow

TICK = timedelta(minutes=10)
CHECK_EVERY = timedelta(minutes=30)
# Enquiries by UTC hour: a working day in Europe, a little in the evening and at night.
HOUR_WEIGHTS = (
    0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 1.0, 2.5, 4.5, 5.0, 5.0, 4.5,
    3.5, 4.0, 4.5, 4.0, 3.0, 2.0, 1.2, 0.8, 0.6, 0.4, 0.3, 0.2,
)  # fmt: skip
WEEKDAY_MEAN, WEEKEND_MEAN = 22.0, 4.0
Progress = Callable[[str], None]


@dataclass(frozen=True)
class SeedSummary:
    """What the simulation left in the database."""

    start: datetime
    end: datetime
    conversations: int
    tickets: int
    agents: int


def demo_window(days: int, now: datetime) -> tuple[datetime, datetime]:
    """The simulated days: the ``days`` whole UTC days before today."""
    end = datetime.combine(now.astimezone(UTC).date(), time(), tzinfo=UTC)
    return end - timedelta(days=days), end


def seed_demo(
    settings: Settings,
    days: int = 30,
    seed: int = 7,
    force: bool = False,
    triage: Triage | None = None,
    progress: Progress | None = None,
) -> SeedSummary:
    """Drive ``days`` of users and homeworkers through the desk; refuses a used database."""
    start, end = demo_window(days, datetime.now(UTC))
    clock = SimulatedClock(start)
    with Wiring(settings, triage=triage, clock=clock) as wired:
        app = wired.app(progress)
        _quick_writes(app.engine)
        with app.sessions() as session:
            if count_conversations(session) and not force:
                raise Refused(
                    "the database already has conversations; use a fresh one or pass --force"
                )
        _simulate(app, wired.units_of_work, clock, start, end, random.Random(seed), progress)
        return _summary(app, start, end)


def _quick_writes(engine: Engine) -> None:
    """Demo data need not survive a power cut: SQLite skips its fsync on every commit."""
    if engine.dialect.name != "sqlite":
        return
    engine.dispose()
    event.listen(engine, "connect", _no_sync)


def _no_sync(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def _simulate(
    app: App,
    units: UnitOfWorkFactory,
    clock: SimulatedClock,
    start: datetime,
    end: datetime,
    rng: random.Random,
    progress: Progress | None,
) -> None:
    timeline = Timeline(clock)

    def open_tickets() -> list[Ticket]:
        with units(read_only=True) as uow:
            return uow.tickets.with_status(
                TicketStatus.QUEUED, TicketStatus.ASSIGNED, TicketStatus.WAITING_ON_USER
            )

    def status_of(reference: str) -> TicketStatus | None:
        ticket_id = ticket_id_from_reference(reference)
        with units(read_only=True) as uow:
            ticket = uow.tickets.get(ticket_id) if ticket_id is not None else None
        return None if ticket is None else ticket.status

    def title_of(article_id: str) -> str | None:
        article = app.knowledge.article(article_id)
        return None if article is None else article.title

    users = Users(
        app.desk.handle,
        status_of,
        title_of,
        timeline,
        rng,
        enquiries(app.settings.kb_dir),
        (0.6, 0.4),
    )
    team = DemoTeam(app.team.desk, app.team.roster, users, open_tickets, rng, clock)
    team.register()
    _schedule_arrivals(timeline, users, start, end, rng)
    supervisor = next(a for a in team.agents.values() if a.role is Role.SUPERVISOR)
    outage = Outage(
        app.desk.handle, app.team.desk.incidents, units, supervisor.id, timeline,
        random.Random(rng.random()),
    )  # fmt: skip
    outage.schedule(start, end)
    timeline.every(TICK, team.tick)
    timeline.every(CHECK_EVERY, lambda: _check(app, team))
    if progress is not None:
        total = (end - start).days
        timeline.every(
            timedelta(days=1),
            lambda: progress(f"simulating day {(clock.now - start).days + 1} of {total}"),
        )
    timeline.run_until(end)


def _check(app: App, team: DemoTeam) -> None:
    if team.open_cases:  # the check only has work when some case is open
        app.team.service_levels.run()


def _schedule_arrivals(
    timeline: Timeline, users: Users, start: datetime, end: datetime, rng: random.Random
) -> None:
    day = start
    while day < end:
        weekend = day.weekday() >= 5
        mean = WEEKEND_MEAN if weekend else WEEKDAY_MEAN * (1.3 if day.weekday() == 0 else 1.0)
        count = max(0, round(rng.gauss(mean, mean / 5)))
        for _ in range(count):
            hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
            timeline.at(day + timedelta(hours=hour, minutes=rng.uniform(0, 60)), users.arrive)
        day += timedelta(days=1)


def _summary(app: App, start: datetime, end: datetime) -> SeedSummary:
    with app.sessions() as session:
        counts = [
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (ConversationRow, TicketRow, AgentRow)
        ]
    return SeedSummary(start, end, *counts)
