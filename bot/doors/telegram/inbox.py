"""No update lost to a crash: kept before Telegram hears it arrived, dropped once processed.

python-telegram-bot tells Telegram an update arrived (the next getUpdates' offset, or the
webhook's 200) right after putting it in the application's queue, before any handler runs.
``KeepingQueue`` keeps each update in the inbox before it enters the queue;
``InboxProcessor`` notes it once processed, whatever came of it, and ``sweep`` drops the
noted ones from the inbox together, about once a second. What a crash caught in between
stays in the inbox, and ``take_up_stranded`` puts it back in the queue (an update processed
but not yet swept is taken up again too; the desk and the update log see it was handled).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from telegram import Bot, Update
from telegram.ext import SimpleUpdateProcessor

from bot.core.clock import utc_now

log = logging.getLogger(__name__)


class Inbox(Protocol):
    """Where received updates wait until they are processed."""

    def keep(self, delivery: str, payload: dict[str, Any], now: datetime) -> None: ...

    def done(self, deliveries: Sequence[str]) -> None: ...

    def take_stranded(
        self, received_before: datetime, now: datetime, limit: int = 100
    ) -> list[dict[str, Any]]: ...


def delivery_key(update_id: int) -> str:
    """How a Telegram update is named among the desk's deliveries and in the inbox."""
    return f"telegram:{update_id}"


class KeepingQueue(asyncio.Queue[object]):
    """The application's update queue: an update is kept in the inbox before it is queued."""

    def __init__(self, inbox: Inbox) -> None:
        super().__init__()
        self._inbox = inbox

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            await asyncio.to_thread(
                self._inbox.keep, delivery_key(item.update_id), item.to_dict(), utc_now()
            )
        await super().put(item)


class InboxProcessor(SimpleUpdateProcessor):
    """Processes updates as python-telegram-bot does, noting each one processed."""

    def __init__(self, max_concurrent_updates: int, inbox: Inbox) -> None:
        super().__init__(max_concurrent_updates)
        self._inbox = inbox
        self._processed: list[str] = []

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await coroutine
        finally:
            if isinstance(update, Update):
                self._processed.append(delivery_key(update.update_id))

    async def sweep(self) -> int:
        """Drop the updates processed since the last sweep from the inbox, in one write."""
        processed, self._processed = self._processed, []
        if processed:
            await asyncio.to_thread(self._inbox.done, processed)
        return len(processed)

    async def shutdown(self) -> None:
        await self.sweep()
        await super().shutdown()


async def take_up_stranded(
    inbox: Inbox, queue: asyncio.Queue[object], bot: Bot, older_than: timedelta
) -> int:
    """Queue again the updates a crash caught between arriving and being processed."""
    now = utc_now()
    payloads = await asyncio.to_thread(inbox.take_stranded, now - older_than, now)
    for payload in payloads:
        update = Update.de_json(payload, bot)
        log.warning("taking up update %s, received but never processed", update.update_id)
        queue.put_nowait(update)  # still in the inbox: not kept again
    return len(payloads)
