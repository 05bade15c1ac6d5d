"""Buttons are bound to what they answer and work once (issue 13, point 5).

An old "1 poor" under a resolved case rated a newer case 1/5 and alerted the supervisors,
and the same button pressed twice was processed twice.
"""

from __future__ import annotations

import pytest

from bot.bootstrap import App
from bot.core import texts
from bot.doors.telegram.buttons import MAX_CALLBACK_BYTES, ButtonSigner, Pressed
from bot.storage.unit_of_work import sql_units_of_work
from tests.conftest import AppFactory
from tests.desk_fixtures import ALICE, Desk
from tests.fakes import FakeTriage, escalating
from tests.telegram_standin import TelegramStandIn
from tests.test_telegram_door import register, running, said_to

VPN = "how do I connect to the VPN from home"
OUTAGE = "the whole 2nd floor has no network since the power cut"
PRINTERS = "every printer on floor 3 has gone offline"
ALICE_ID, DANA_ID = 4501, 9501


def test_a_button_is_bound_to_its_chat_answer_and_case() -> None:
    signer = ButtonSigner("123:fake-token-for-tests")
    data = signer.sign(42, "1", "T-1001")
    assert data is not None and len(data.encode()) <= MAX_CALLBACK_BYTES
    assert signer.verify(42, data) == Pressed("1", "T-1001")
    assert signer.verify(43, data) is None  # another chat
    assert signer.verify(42, data.replace("T-1001", "T-1002")) is None  # moved to another case
    assert signer.verify(42, data.replace("1|", "5|", 1)) is None  # another answer
    assert signer.verify(42, signer.sign(42, "yes")) == Pressed("yes")  # bound to nothing
    assert signer.sign(42, "yes", "a|b") is None


@pytest.mark.memory
@pytest.mark.parametrize("storage", ["memory"])
def test_an_articles_buttons_work_once(desk: Desk) -> None:
    assert "Connect to the VPN from home" in desk.user(VPN)
    [article] = [s.article_id for s in desk.stored.conversations()[-1].shown]
    about = f"{texts.ARTICLE_ASKED}{article}"
    assert "glad" in " ".join(r.text for r in desk.app.desk.handle(ALICE, "yes", about=about))
    again = desk.app.desk.handle(ALICE, "no", about=about)
    assert [r.text for r in again] == [texts.BUTTON_OUT_OF_DATE]


@pytest.fixture
def desk_app(make_app: AppFactory) -> App:
    return make_app(
        triage=FakeTriage(
            {OUTAGE: escalating("network", "P1"), PRINTERS: escalating("network", "P2")}
        )
    )


@pytest.mark.asyncio
async def test_an_old_rating_button_rates_nothing_and_a_press_counts_once(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(desk_app, telegram_standin, "dana", DANA_ID, skills=("network",))
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(ALICE_ID, OUTAGE)
        await said_to(telegram_standin, ALICE_ID, "Your reference is T-1001")
        telegram_standin.user_sends_text(DANA_ID, "/claim T-1001")
        await said_to(telegram_standin, DANA_ID, "T-1001 · P1 · network · assigned")
        telegram_standin.user_sends_text(DANA_ID, "/resolve breaker reset")
        first = await said_to(telegram_standin, ALICE_ID, "How would you rate the help")
        old_poor = first.callback_data("1 poor")

        telegram_standin.user_sends_text(ALICE_ID, PRINTERS)  # a new problem, not a rating
        await said_to(telegram_standin, ALICE_ID, "Your reference is T-1002")
        telegram_standin.user_sends_text(DANA_ID, "/claim T-1002")
        await said_to(telegram_standin, DANA_ID, "T-1002 · P2 · network · assigned")
        telegram_standin.user_sends_text(DANA_ID, "/resolve print server restarted")
        second = await said_to(telegram_standin, ALICE_ID, "How would you rate the help")
        excellent = second.callback_data("5 excellent")

        telegram_standin.user_presses_button(ALICE_ID, first.message_id, old_poor)
        await said_to(telegram_standin, ALICE_ID, texts.BUTTON_OUT_OF_DATE)
        telegram_standin.user_presses_button(ALICE_ID, second.message_id, excellent)
        await said_to(telegram_standin, ALICE_ID, "Thank you for rating the help 5/5")
        telegram_standin.user_presses_button(
            ALICE_ID, second.message_id, excellent, must_exist=False
        )  # pressed again before the buttons went
        await said_to(telegram_standin, ALICE_ID, texts.BUTTON_OUT_OF_DATE)

    with sql_units_of_work(desk_app.sessions)(read_only=True) as uow:
        ratings = [(t.reference, t.rating) for t in (uow.tickets.get(1), uow.tickets.get(2)) if t]
    assert ratings == [("T-1001", None), ("T-1002", 5)]


@pytest.mark.asyncio
async def test_a_press_taken_up_late_runs_even_when_telegram_calls_it_too_old(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(ALICE_ID, VPN)
        answer = await said_to(telegram_standin, ALICE_ID, "Connect to the VPN from home")
        telegram_standin.fail_next(
            "answerCallbackQuery",
            status=400,
            description="Bad Request: query is too old and response timeout expired",
        )
        telegram_standin.user_presses(ALICE_ID, answer, "Yes, solved")
        await said_to(telegram_standin, ALICE_ID, "glad that sorted it")
    failed = [c for c in telegram_standin.calls_of("answerCallbackQuery") if c.status == 400]
    assert len(failed) == 1
