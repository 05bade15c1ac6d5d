"""Two webhook processes on one database behind a proxy: a chat's updates are acted on in
the order the chat sent them, whichever process receives each (issue 13)."""

from __future__ import annotations

import time
from contextlib import AsyncExitStack
from typing import Any

import pytest

from bot.bootstrap import App
from bot.doors.telegram.application import TelegramOptions, build_bot
from bot.doors.telegram.receiving import WebhookEndpoint
from bot.storage.telegram_updates import SqlUpdateLog
from tests.conftest import AppFactory
from tests.soak.bots import free_port
from tests.soak.proxy import RoundRobinProxy
from tests.telegram_standin import TelegramStandIn
from tests.test_telegram_door import register, said_to

ALICE, BOB, DANA = 4801, 4802, 9801
SECRET = "not-a-real-secret-48"
PATH = "/telegram"


def slow_switch(app: App, seconds: float) -> None:
    """/switch takes a while to act on, as it may on a busy process."""
    unhurried = app.team.desk.switch

    def switch(*arguments: Any, **options: Any) -> Any:
        time.sleep(seconds)
        return unhurried(*arguments, **options)

    app.team.desk.switch = switch  # type: ignore[method-assign]


@pytest.mark.asyncio
async def test_a_switch_then_a_resolve_act_in_order_on_two_processes(
    make_app: AppFactory, telegram_standin: TelegramStandIn
) -> None:
    app = make_app()
    register(app, telegram_standin, "dana", DANA)
    ports = [free_port(), free_port()]
    proxy = RoundRobinProxy(PATH, ports)  # each post to the next process in turn
    url = f"http://127.0.0.1:{proxy.port}{PATH}"
    options = TelegramOptions(
        token=telegram_standin.token,
        base_url=telegram_standin.base_url,
        max_send_rate=0,
        delivery_interval=0.1,
    )
    telegram_standin.deliver_webhooks_in_parallel(8)
    try:
        async with AsyncExitStack() as processes:
            for port in ports:
                bot = build_bot(app, SqlUpdateLog(app.sessions), options)
                endpoint = WebhookEndpoint(url, SECRET, "127.0.0.1", port)
                await processes.enter_async_context(bot.running(endpoint))
            for user in (ALICE, BOB):
                telegram_standin.user_sends_text(user, "talk to a person")
                await said_to(telegram_standin, user, "T-100")
            for case in ("T-1001", "T-1002"):
                telegram_standin.user_sends_text(DANA, f"/claim {case}")
                await said_to(telegram_standin, DANA, "Why second line")
            slow_switch(app, 0.5)
            telegram_standin.user_sends_text(DANA, "/switch T-1001")  # Alice's case ...
            telegram_standin.user_sends_text(DANA, "/resolve restarted the router")  # ... then
            resolved = await said_to(telegram_standin, DANA, "resolved")
            await said_to(telegram_standin, ALICE, "rate")
    finally:
        proxy.stop()
    assert (resolved.text or "").startswith("T-1001 resolved")
    assert not [m for m in telegram_standin.messages_to(BOB) if "rate" in (m.text or "")]
