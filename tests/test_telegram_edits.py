"""An edited message is never acted on again (issue 13, point 1).

A homeworker wrote on Bob's case, claimed Carol's, then edited the earlier message: Carol
received it. Now an edit is not relayed, not re-run as a command and not sent to anyone:
its sender is asked to send the correction as a new message.
"""

from __future__ import annotations

import pytest

from bot.bootstrap import App
from bot.core import texts
from bot.core.tickets import TicketStatus
from bot.storage.unit_of_work import sql_units_of_work
from tests.conftest import AppFactory
from tests.fakes import FakeTriage, escalating
from tests.telegram_standin import TelegramStandIn
from tests.test_telegram_door import register, running, said_to

BOB, CAROL, DANA = 4401, 4402, 9401
OUTAGE = "the whole 2nd floor has no network since the power cut"
SWITCH = "the core switch in building B is down for everyone"


@pytest.fixture
def desk_app(make_app: AppFactory) -> App:
    return make_app(
        triage=FakeTriage(
            {OUTAGE: escalating("network", "P1"), SWITCH: escalating("network", "P1")}
        )
    )


@pytest.mark.asyncio
async def test_an_edit_reaches_nobody_and_runs_nothing(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(desk_app, telegram_standin, "dana", DANA, skills=("network",))
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(BOB, OUTAGE)
        await said_to(telegram_standin, BOB, "Your reference is T-1001")
        telegram_standin.user_sends_text(CAROL, SWITCH)
        await said_to(telegram_standin, CAROL, "Your reference is T-1002")

        telegram_standin.user_sends_text(DANA, "/claim T-1001")
        await said_to(telegram_standin, DANA, "T-1001 · P1 · network · assigned")
        to_bob = telegram_standin.user_sends_text(DANA, "Is the light on the router green?")
        await said_to(telegram_standin, BOB, "Is the light on the router green?")
        claim = telegram_standin.user_sends_text(DANA, "/claim T-1002")
        await said_to(telegram_standin, DANA, "T-1002 · P1 · network · assigned")

        # dana corrects the message she wrote on Bob's case, and her claim, after the fact
        telegram_standin.user_edits_text(DANA, to_bob, "Carol, you are next on my list")
        await said_to(telegram_standin, DANA, texts.EDIT_NOT_USED)
        telegram_standin.user_edits_text(DANA, claim, "/resolve fixed it")
        await said_to(telegram_standin, DANA, texts.EDIT_NOT_USED)
        # carol edits what she wrote to dana
        written = telegram_standin.user_sends_text(CAROL, "it went down at 9")
        await said_to(telegram_standin, DANA, "it went down at 9")
        telegram_standin.user_edits_text(CAROL, written, "it went down at 8")
        await said_to(telegram_standin, CAROL, texts.EDIT_NOT_USED)

    def texts_to(chat: int) -> list[str]:
        return [message.text or "" for message in telegram_standin.messages_to(chat)]

    assert not [t for t in texts_to(CAROL) if "next on my list" in t]
    assert not [t for t in texts_to(BOB) if "next on my list" in t]
    assert not [t for t in texts_to(DANA) if "went down at 8" in t]
    assert [t for t in texts_to(DANA) if "went down at 9" in t]  # the original, once
    with sql_units_of_work(desk_app.sessions)(read_only=True) as uow:
        ticket = uow.tickets.get(2)
    assert ticket is not None and ticket.status is TicketStatus.ASSIGNED  # not resolved
