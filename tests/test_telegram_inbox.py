"""An update's life: when it is safe to confirm to Telegram, when it waits in the inbox,
when its record is forgotten."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from telegram import Bot, Update

from bot.core.clock import utc_now
from bot.doors.telegram.updates import UpdateKeeper


class RecordingInbox:
    """An inbox in memory that remembers every write."""

    def __init__(self) -> None:
        self.held: dict[str, dict[str, Any]] = {}
        self.writes: list[tuple[str, list[str]]] = []
        self.forgotten_before: datetime | None = None

    def keep(self, payloads: Mapping[str, dict[str, Any]], now: datetime) -> None:
        self.writes.append(("keep", list(payloads)))
        self.held.update(payloads)

    def done(self, deliveries: Sequence[str]) -> None:
        self.writes.append(("done", list(deliveries)))
        for delivery in deliveries:
            self.held.pop(delivery, None)

    def still_held(self, deliveries: Sequence[str], now: datetime) -> None:
        pass

    def take_stranded(
        self, received_before: datetime, now: datetime, limit: int = 100
    ) -> list[dict[str, Any]]:
        return list(self.held.values())[:limit]

    def forget_before(self, moment: datetime) -> int:
        self.forgotten_before = moment
        return 3


def update(number: int) -> Update:
    return Update(number)


@pytest.mark.asyncio
async def test_an_update_processed_within_the_grace_is_confirmed_without_a_write() -> None:
    inbox = RecordingInbox()
    keeper = UpdateKeeper(inbox, grace=5)
    question = update(1)
    keeper.arrived(question)
    asyncio.get_running_loop().call_later(0.01, keeper.processed, question)

    assert await keeper.make_safe() == 0
    assert await keeper.sweep() == 0
    assert inbox.writes == []


@pytest.mark.asyncio
async def test_an_update_still_waiting_after_the_grace_is_kept_and_leaves_once_processed() -> None:
    inbox = RecordingInbox()
    keeper = UpdateKeeper(inbox, grace=0.01)
    quick, slow, slower = update(1), update(2), update(3)
    for arrived in (quick, slow, slower):
        keeper.arrived(arrived)
    keeper.processed(quick)

    assert await keeper.make_safe() == 2
    assert inbox.writes == [("keep", ["telegram:2", "telegram:3"])]  # one write for both
    assert await keeper.make_safe() == 0  # kept: safe, not kept again

    keeper.processed(slow)
    assert await keeper.sweep() == 1
    assert list(inbox.held) == ["telegram:3"]  # still being processed: still kept
    keeper.processed(slower)
    await keeper.sweep()
    assert inbox.held == {} and inbox.writes[-1] == ("done", ["telegram:3"])


@pytest.mark.asyncio
async def test_an_update_taken_up_again_leaves_the_inbox_once_processed() -> None:
    inbox = RecordingInbox()
    inbox.held["telegram:9"] = {"update_id": 9}
    keeper = UpdateKeeper(inbox, grace=5)
    queue: asyncio.Queue[object] = asyncio.Queue()
    bot = Bot("123456:TEST-TOKEN-not-real")

    assert await keeper.take_up_stranded(queue, bot, timedelta(minutes=1)) == 1
    taken = queue.get_nowait()
    assert isinstance(taken, Update) and taken.update_id == 9
    assert await keeper.make_safe() == 0  # already in the inbox: not kept again

    keeper.processed(taken)
    await keeper.sweep()
    assert inbox.held == {}


@pytest.mark.asyncio
async def test_records_of_handled_updates_are_forgotten_once_telegram_would_not_resend() -> None:
    inbox = RecordingInbox()
    keeper = UpdateKeeper(inbox, grace=5)

    assert await keeper.forget_old() == 3
    assert inbox.forgotten_before is not None
    assert utc_now() - inbox.forgotten_before >= timedelta(hours=24)  # Telegram's own limit
