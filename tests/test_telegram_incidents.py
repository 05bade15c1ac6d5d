"""A major incident in Telegram, end to end: the real python-telegram-bot against the stand-in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.core.tickets import Role
from bot.storage.schema import MajorIncidentRow, TicketRow
from tests.conftest import AppFactory
from tests.fakes import FakeTriage, escalating
from tests.telegram_standin import TelegramStandIn
from tests.test_telegram_door import register, running, said_to

ALICE, BOB, CAROL, DAN, DANA, BOSS = 4201, 4202, 4203, 4204, 9001, 9100
REPORTS = {
    ALICE: "the vpn is down, can't connect",
    BOB: "vpn won't connect from home",
    CAROL: "can't connect to the vpn since this morning",
    DAN: "VPN down, cannot connect",
}


@pytest.fixture
def outage_app(make_app: AppFactory) -> App:
    triage = FakeTriage({text: escalating("network", "P2") for text in REPORTS.values()})
    return make_app(triage=triage, incident_burst_reports=3, incident_burst_minutes=15)


@pytest.mark.asyncio
async def test_a_burst_is_confirmed_with_a_button_and_every_linked_user_hears_of_the_fix(
    outage_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(outage_app, telegram_standin, "dana", DANA, skills=("network",))
    register(outage_app, telegram_standin, "boss", BOSS, role=Role.SUPERVISOR)
    async with running(outage_app, telegram_standin):
        for number, user in enumerate((ALICE, BOB, CAROL), start=1):
            telegram_standin.user_sends_text(user, REPORTS[user])
            await said_to(telegram_standin, user, f"Your reference is T-100{number}")

        proposal = await said_to(telegram_standin, BOSS, "Possible major incident MI-1")
        assert proposal.button_texts == ["Confirm MI-1", "Dismiss MI-1"]
        telegram_standin.user_presses(BOSS, proposal, "Confirm MI-1")
        await said_to(telegram_standin, BOSS, "MI-1 confirmed")
        for user in (ALICE, BOB, CAROL):
            await said_to(telegram_standin, user, "This is a known problem")

        telegram_standin.user_sends_text(DAN, REPORTS[DAN])
        linked = await said_to(telegram_standin, DAN, "This is a known problem")
        assert "Your request T-1004 is part of MI-1" in (linked.text or "")

        telegram_standin.user_sends_text(DANA, "/queue")
        queue = await said_to(telegram_standin, DANA, "Open major incidents")
        assert "MI-1 · open · Network: connect vpn · owner boss · 4 linked" in (queue.text or "")

        telegram_standin.user_sends_text(BOSS, "/announce known VPN outage, link cases to MI-1")
        await said_to(telegram_standin, DANA, "Announcement from boss: known VPN outage")

        telegram_standin.user_sends_text(BOSS, "/incident update MI-1 the vendor is on site")
        await said_to(telegram_standin, BOSS, "Update sent to 4 linked user(s) of MI-1.")
        await said_to(telegram_standin, DAN, "Update on the known problem MI-1")
        telegram_standin.user_sends_text(DAN, "/status")
        await said_to(telegram_standin, DAN, "Latest news: the vendor is on site")

        telegram_standin.user_sends_text(BOSS, "/incident resolve MI-1 the gateway was restarted")
        fixed = await said_to(telegram_standin, ALICE, "is fixed: the gateway was restarted")
        telegram_standin.user_presses(ALICE, fixed, "Not fixed")
        await said_to(telegram_standin, ALICE, "reopened")
        await said_to(telegram_standin, DANA, "The user says T-1001 is not fixed")
        rating = await said_to(telegram_standin, BOB, "is fixed")
        telegram_standin.user_presses(BOB, rating, "5 excellent")
        await said_to(telegram_standin, BOB, "Thank you for rating the help 5/5")

    with outage_app.sessions() as session:
        tickets = session.scalars(select(TicketRow).order_by(TicketRow.id)).all()
        incident = session.scalars(select(MajorIncidentRow)).one()
    assert [(t.status, t.incident_id) for t in tickets] == [
        ("queued", None),  # "not fixed": its own case again, linked to nothing
        ("closed", incident.id),
        ("resolved", incident.id),
        ("resolved", incident.id),
    ]
    assert (incident.status, incident.updates) == ("resolved", ["the vendor is on site"])
