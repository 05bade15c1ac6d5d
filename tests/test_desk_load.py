"""The desk's load as /metrics reads it from the database: outbox, queue, breaches, shifts."""

from __future__ import annotations

from datetime import timedelta

from bot.core.desk_load import QueueLoad
from bot.core.domain import Priority, Sender
from bot.core.tickets import Agent, DeliveryOutcome, Notice
from bot.storage.load_queries import SqlDeskLoadReader
from bot.storage.unit_of_work import sql_units_of_work
from tests.conftest import AppFactory
from tests.fakes import FakeTriage, ManualClock, escalating

OUTAGE = "the whole 2nd floor has no network since the power cut"
PRINTER = "the printer on floor 3 is jammed again"
ALICE = Sender("telegram", "4701", "Alice")
BOB = Sender("telegram", "4702", "Bob")


def test_an_empty_desk_has_no_load(make_app: AppFactory) -> None:
    app = make_app()
    load = SqlDeskLoadReader(app.sessions).load_at(ManualClock().now)
    assert (load.outbox_backlog, load.outbox_oldest_age_seconds, load.on_shift) == (0, 0.0, 0)
    assert load.queue == {priority: QueueLoad() for priority in Priority}
    assert set(load.handoffs.values()) == {0}
    assert (load.claim_breaches, load.resolve_breaches) == (0, 0)


def test_waiting_cases_their_wait_and_the_outbox_are_read_as_of_now(
    make_app: AppFactory,
) -> None:
    clock = ManualClock()
    triage = FakeTriage(
        {OUTAGE: escalating("network", "P1"), PRINTER: escalating("hardware", "P3")}
    )
    app = make_app(triage=triage, clock=clock)
    app.team.roster.add(Agent(id=0, name="dana", telegram_id="9701", on_shift=True))
    app.team.roster.add(Agent(id=0, name="eve", telegram_id="9702", on_shift=False))
    app.desk.handle(ALICE, OUTAGE)
    clock.advance(seconds=30)
    app.desk.handle(BOB, PRINTER)
    clock.advance(seconds=60)

    load = SqlDeskLoadReader(app.sessions).load_at(clock.now)

    assert load.queue[Priority.P1] == QueueLoad(1, 90.0)
    assert load.queue[Priority.P3] == QueueLoad(1, 60.0)
    assert load.queue[Priority.P2] == QueueLoad()
    assert (load.handoffs[Priority.P1], load.handoffs[Priority.P3]) == (1, 1)
    assert load.on_shift == 1
    assert load.outbox_backlog >= 1  # the offers to dana, not sent: no bot is running
    assert load.outbox_oldest_age_seconds == 90.0


def test_messages_never_sent_again_are_counted_by_how_their_send_ended(
    make_app: AppFactory,
) -> None:
    clock = ManualClock()
    app = make_app(clock=clock)
    with sql_units_of_work(app.sessions)() as uow:
        alice = uow.users.ensure(ALICE, clock())
        for text in ("timed out", "in doubt", "sent", "in doubt too"):
            uow.outbox.add(Notice(text, user_id=alice), clock())
        uow.commit()
    with sql_units_of_work(app.sessions)() as uow:
        kept = uow.outbox.pending(user_id=alice)
        outcomes = ["timed out", "in doubt", "sent", "in doubt"]
        for notice, outcome in zip(kept, outcomes, strict=True):
            uow.outbox.delivered([notice.id], clock(), DeliveryOutcome(outcome))
        uow.commit()
    load = SqlDeskLoadReader(app.sessions).load_at(clock.now)
    assert load.not_repeated == {"timed out": 1, "in doubt": 2}
    assert load.outbox_backlog == 0


def test_missed_claim_targets_are_counted(make_app: AppFactory) -> None:
    clock = ManualClock()
    app = make_app(triage=FakeTriage({OUTAGE: escalating("network", "P1")}), clock=clock)
    app.desk.handle(ALICE, OUTAGE)
    clock.advance(minutes=16)  # P1 is to be claimed within 15 minutes
    app.team.service_levels.run()
    load = SqlDeskLoadReader(app.sessions).load_at(clock.now + timedelta(seconds=1))
    assert (load.claim_breaches, load.resolve_breaches) == (1, 0)
