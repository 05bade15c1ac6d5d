"""No secret typed in Telegram is stored, relayed or logged (issue 12, point 1).

The real python-telegram-bot against the loopback stand-in: a user's texts, a caption and an
edited message, then a homeworker's replies, notes and resolution, every one holding the
secrets of tests/test_secrets_everywhere.py. Afterwards every text column of every table
(the outbox included), every message the bot sent to anyone, and the log at DEBUG, with
python-telegram-bot's and httpx's own records, are searched for them.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.bootstrap import App, configure_logging
from tests.conftest import AppFactory
from tests.fakes import FakeTriage
from tests.telegram_standin import TelegramStandIn
from tests.test_secrets_everywhere import MESSAGES, ONE_LINE, database_leaks, leaked
from tests.test_telegram_door import register, running, said_to

ALICE, DANA = 4301, 9301


@pytest.fixture
def debug_log(telegram_standin: TelegramStandIn) -> Iterator[io.StringIO]:
    """Everything logged at DEBUG, through the filters the desk puts on every log handler."""
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    configure_logging("DEBUG", (telegram_standin.token,))
    root.setLevel(logging.DEBUG)
    try:
        yield written
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def answered(standin: TelegramStandIn, chat: int, text: str) -> None:
    """The user sends ``text`` and the bot answers something."""
    before = len(standin.messages_to(chat))
    standin.user_sends_text(chat, text)
    await standin.wait_for(lambda: len(standin.messages_to(chat)) > before or None)


@pytest.mark.asyncio
async def test_no_secret_typed_in_telegram_is_kept_relayed_or_logged(
    make_app: AppFactory, telegram_standin: TelegramStandIn, debug_log: io.StringIO
) -> None:
    app: App = make_app(triage=FakeTriage())
    configure_logging("DEBUG", (telegram_standin.token,))  # as TRIAGE_LOG_LEVEL=DEBUG does
    register(app, telegram_standin, "dana", DANA)
    async with running(app, telegram_standin):
        first = telegram_standin.user_sends_text(ALICE, MESSAGES[0])
        await said_to(telegram_standin, ALICE, "")
        telegram_standin.user_edits_text(ALICE, first, ONE_LINE)
        for message in MESSAGES[1:6]:
            await answered(telegram_standin, ALICE, message)
        telegram_standin.user_sends_photo(ALICE, caption=ONE_LINE)
        await answered(telegram_standin, ALICE, "talk to a person")
        offer = await said_to(telegram_standin, DANA, "New case waiting", timeout=10)
        telegram_standin.user_presses(DANA, offer, offer.button_texts[0])
        await said_to(telegram_standin, ALICE, "has picked up your request")
        for message in MESSAGES:
            await answered(telegram_standin, ALICE, message)  # relayed to dana, masked
            telegram_standin.user_sends_text(DANA, message)  # relayed to alice, masked
            await said_to(telegram_standin, ALICE, "Support team")
        telegram_standin.user_sends_photo(ALICE, caption=f"and a photo: {ONE_LINE}")
        await said_to(telegram_standin, DANA, "and a photo")
        telegram_standin.user_sends_text(DANA, f"/note {ONE_LINE}")
        telegram_standin.user_sends_text(DANA, f"/resolve {ONE_LINE}")
        await said_to(telegram_standin, ALICE, "How would you rate the help", timeout=10)

    sent = [m for chat in (ALICE, DANA) for m in telegram_standin.messages_to(chat)]
    shown = [(m.chat_id, m.raw_text or "") for m in sent]
    assert [(chat, leaked(text)) for chat, text in shown if leaked(text)] == []
    assert "[password removed]" in " ".join(text for _, text in shown)
    assert database_leaks(app.settings.database_url) == []
    logged = debug_log.getvalue()
    assert "DEBUG" in logged and "getUpdates" in logged  # the libraries' own records too
    assert leaked(logged) == [] and telegram_standin.token not in logged


@pytest.mark.asyncio
async def test_a_refused_command_that_echoes_a_secret_is_not_kept(
    make_app: AppFactory, telegram_standin: TelegramStandIn
) -> None:
    """A refusal may quote what its sender typed (here a password where a case reference
    belongs): it is sent back to them once and never stored."""
    app: App = make_app(triage=FakeTriage())
    register(app, telegram_standin, "dana", DANA)
    secret = "Summer2024!"
    async with running(app, telegram_standin):
        for command in (f"/claim {secret}", f"/transfer {secret}", f"/view {secret}"):
            await answered(telegram_standin, DANA, command)
    said = [m.raw_text or "" for m in telegram_standin.messages_to(DANA)]
    assert sum(text.startswith("⚠️") for text in said) == 3
    assert database_leaks(app.settings.database_url) == []
