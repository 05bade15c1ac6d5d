"""Updates coming in: a webhook answers 200 only once an update is safe, polling rides out
Telegram's errors, per-user turns leave nothing behind, and the PTB hooks we use still exist."""

from __future__ import annotations

import asyncio
import inspect
import logging
import socket
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import aiohttp
import pytest
from telegram import Bot, Update
from telegram.ext import ApplicationBuilder, BaseUpdateProcessor

from bot.doors.telegram.receiving import SECRET_HEADER, Polling, WebhookEndpoint, WebhookServer
from bot.doors.telegram.updates import UpdateKeeper
from bot.doors.telegram.user_turns import UserTurns
from tests.telegram_standin import TelegramStandIn

SECRET = "not-a-real-secret-42"


class MemoryStore:
    """An update store that keeps nothing."""

    def keep(self, payloads: Mapping[str, dict[str, Any]], now: datetime) -> None:
        pass

    def done(self, deliveries: Sequence[str]) -> None:
        pass

    def still_held(self, deliveries: Sequence[str], now: datetime) -> None:
        pass

    def take_stranded(
        self, received_before: datetime, now: datetime, limit: int = 100
    ) -> list[dict[str, Any]]:
        return []

    def forget_before(self, moment: datetime) -> int:
        return 0


class WebhookSettingBot:
    """Stands in for the Bot: only setWebhook is called, and de_json needs nothing else."""

    def __init__(self) -> None:
        self.webhooks: list[tuple[str, str | None]] = []

    async def set_webhook(self, url: str, secret_token: str | None = None, **_: Any) -> bool:
        self.webhooks.append((url, secret_token))
        return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.asyncio
async def test_a_webhook_post_gets_its_200_only_once_the_update_is_safe() -> None:
    keeper = UpdateKeeper(MemoryStore(), grace=30)
    queue: asyncio.Queue[object] = asyncio.Queue()
    port = _free_port()
    endpoint = WebhookEndpoint(f"http://127.0.0.1:{port}/telegram", SECRET, "127.0.0.1", port)
    bot = WebhookSettingBot()
    server = WebhookServer(bot, keeper, queue, endpoint)  # type: ignore[arg-type]
    await server.start()
    try:
        assert bot.webhooks == [(endpoint.url, SECRET)]
        async with aiohttp.ClientSession() as session:
            forged = await session.post(endpoint.url, json={"update_id": 1})
            assert forged.status == 403 and queue.empty()

            posting = asyncio.create_task(
                session.post(endpoint.url, json={"update_id": 2}, headers={SECRET_HEADER: SECRET})
            )
            update = await asyncio.wait_for(queue.get(), 5)  # queued at once for the handlers
            assert isinstance(update, Update) and update.update_id == 2
            await asyncio.sleep(0.1)
            assert not posting.done()  # not safe yet: no 200 for Telegram
            keeper.processed(update)
            answer = await asyncio.wait_for(posting, 5)
            assert answer.status == 200
    finally:
        await server.stop()


@pytest.mark.asyncio
async def test_polling_rides_out_a_bad_gateway_from_get_updates(
    telegram_standin: TelegramStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    telegram_standin.fail_next("getUpdates", status=502)
    keeper = UpdateKeeper(MemoryStore(), grace=0.05)
    queue: asyncio.Queue[object] = asyncio.Queue()
    bot = Bot(
        telegram_standin.token,
        base_url=telegram_standin.base_url,
        base_file_url=telegram_standin.base_file_url,
    )
    async with bot:
        polling = Polling(bot, keeper, queue, timeout=1)
        await polling.start()
        try:
            telegram_standin.user_sends_text(4401, "hello")
            update = await asyncio.wait_for(queue.get(), 10)
            assert isinstance(update, Update) and update.effective_message is not None
            keeper.processed(update)
        finally:
            await polling.stop()
    failed = [c for c in telegram_standin.calls_of("getUpdates") if c.status == 502]
    assert len(failed) == 1
    assert telegram_standin.pending_update_count == 0  # confirmed by the offset at stop
    # a transient failure is one warning line, not an error with a traceback
    assert [r.levelname for r in caplog.records if "getUpdates failed" in r.getMessage()] == [
        "WARNING"
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.asyncio
async def test_a_users_turn_is_dropped_once_no_one_holds_or_waits_for_it() -> None:
    turns = UserTurns()
    order: list[str] = []

    async def handle(user: int, name: str, pause: float) -> None:
        async with turns.turn(user):
            order.append(f"{name} starts")
            await asyncio.sleep(pause)
            order.append(f"{name} ends")

    first = asyncio.create_task(handle(1, "first", 0.05))
    await asyncio.sleep(0)
    second = asyncio.create_task(handle(1, "second", 0))
    other = asyncio.create_task(handle(2, "other", 0))
    await asyncio.sleep(0.01)
    assert len(turns) == 1  # user 1, held with one waiting; user 2 is done: dropped
    await asyncio.gather(first, second, other)
    assert order.index("first ends") < order.index("second starts")  # one at a time per user
    assert len(turns) == 0  # nothing left behind


def test_the_python_telegram_bot_hooks_the_door_relies_on_are_still_there() -> None:
    """Fails loudly when a python-telegram-bot upgrade moves what receiving.py and
    updates.py use (pyproject pins >=22,<23)."""
    assert BaseUpdateProcessor.__abstractmethods__ == {
        "do_process_update",
        "initialize",
        "shutdown",
    }
    fetching = inspect.signature(Bot.get_updates).parameters
    assert {"offset", "limit", "timeout", "allowed_updates"} <= set(fetching)
    assert "updater" in dict(inspect.getmembers(ApplicationBuilder))
    assert "update_queue" in dict(inspect.getmembers(ApplicationBuilder))
