"""No update lost to a crash: Telegram hears an update arrived only once it is safe.

Telegram sends an update again until the bot confirms it: by the next getUpdates' offset
when polling, by answering 200 to a webhook. python-telegram-bot confirms an update as soon
as it is in the application's queue, before any handler has run, so a crash in between
would lose it. Here an update is confirmed only once it is safe: answered (an end user's
answer is committed together with the record that it was handled; the door says so before
it sends the answer), processed, or kept in the inbox.

``InboxKeeper`` gives each update a short grace to be processed; only the ones still
waiting after it are kept, together, in one write. Most updates are answered within the
grace, so they cost no write at all. ``ConfirmingBot`` asks the keeper before each
getUpdates; ``KeepingQueue``, in webhook mode, before the 200. Kept updates leave the inbox
together once processed (``sweep``, about once a second); one a crash caught is still there,
and ``take_up_stranded`` puts it back in the queue (the desk and the update log see whether
it was handled meanwhile).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from telegram import Bot, Update
from telegram.ext import ExtBot, SimpleUpdateProcessor

from bot.core.clock import utc_now

log = logging.getLogger(__name__)


class Inbox(Protocol):
    """Where received updates wait until they are processed."""

    def keep(self, payloads: Mapping[str, dict[str, Any]], now: datetime) -> None: ...

    def done(self, deliveries: Sequence[str]) -> None: ...

    def take_stranded(
        self, received_before: datetime, now: datetime, limit: int = 100
    ) -> list[dict[str, Any]]: ...


def delivery_key(update_id: int) -> str:
    """How a Telegram update is named among the desk's deliveries and in the inbox."""
    return f"telegram:{update_id}"


class InboxKeeper:
    """Which received updates are not yet safe to confirm, and which wait in the inbox."""

    def __init__(self, inbox: Inbox, grace: float) -> None:
        self._inbox = inbox
        self._grace = grace
        self._unsafe: dict[int, tuple[Update, asyncio.Future[None]]] = {}
        self._kept: set[str] = set()  # in the inbox, not yet processed
        self._done: list[str] = []  # in the inbox and processed: to leave it at the next sweep
        self._writing = asyncio.Lock()  # a keep and a sweep never cross in the inbox

    def arrived(self, update: Update) -> None:
        """A new update, not yet safe: Telegram must not hear of it before it is."""
        self._unsafe[update.update_id] = (update, asyncio.get_running_loop().create_future())

    def taken_up(self, update: Update) -> None:
        """An update taken up from the inbox again: it leaves the inbox once processed."""
        self._kept.add(delivery_key(update.update_id))

    def answered(self, update_id: int) -> None:
        """Its answer is stored (committed with the record that it was handled): safe to
        confirm, even before the answer is sent."""
        entry = self._unsafe.pop(update_id, None)
        if entry is not None and not entry[1].done():
            entry[1].set_result(None)

    def processed(self, update: Update) -> None:
        """Processed, whatever came of it: safe, and no longer needed in the inbox."""
        self.answered(update.update_id)
        key = delivery_key(update.update_id)
        if key in self._kept:
            self._kept.discard(key)
            self._done.append(key)

    async def make_safe(self, update_ids: Iterable[int] | None = None) -> int:
        """Wait up to the grace for these updates (by default every unsafe one) to be
        processed, then keep the ones still waiting in the inbox; how many were kept."""
        wanted = self._unsafe.keys() if update_ids is None else update_ids
        entries = [self._unsafe[number] for number in list(wanted) if number in self._unsafe]
        if not entries:
            return 0
        await asyncio.wait([waiting for _, waiting in entries], timeout=self._grace)
        late = [update for update, waiting in entries if not waiting.done()]
        if not late:
            return 0
        payloads = {delivery_key(update.update_id): update.to_dict() for update in late}
        self._kept.update(payloads)  # before the write: one processed meanwhile is swept after
        async with self._writing:
            await asyncio.to_thread(self._inbox.keep, payloads, utc_now())
        for update in late:
            self._unsafe.pop(update.update_id, None)
        return len(late)

    async def sweep(self) -> int:
        """Drop the kept updates processed since the last sweep from the inbox, in one write."""
        done, self._done = self._done, []
        if done:
            async with self._writing:
                await asyncio.to_thread(self._inbox.done, done)
        return len(done)


class ConfirmingBot(ExtBot[None]):
    """The application's bot: before each getUpdates, whose offset confirms the updates
    fetched so far, those updates are made safe."""

    __slots__ = ("_keeper",)

    def __init__(self, keeper: InboxKeeper, token: str, **options: Any) -> None:
        super().__init__(token, **options)
        with self._unfrozen():
            self._keeper = keeper

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        await self._keeper.make_safe()
        return await super().get_updates(*args, **kwargs)


class KeepingQueue(asyncio.Queue[object]):
    """The application's update queue. An update is queued at once; with ``confirm_each``
    (webhook mode, where returning from ``put`` lets the 200 go out) ``put`` returns only
    once the update is safe."""

    def __init__(self, keeper: InboxKeeper, confirm_each: bool = False) -> None:
        super().__init__()
        self._keeper = keeper
        self._confirm_each = confirm_each

    async def put(self, item: object) -> None:
        if not isinstance(item, Update):
            await super().put(item)
            return
        self._keeper.arrived(item)
        await super().put(item)
        if self._confirm_each:
            await self._keeper.make_safe([item.update_id])


class InboxProcessor(SimpleUpdateProcessor):
    """Processes updates as python-telegram-bot does, telling the keeper of each one done."""

    def __init__(self, max_concurrent_updates: int, keeper: InboxKeeper) -> None:
        super().__init__(max_concurrent_updates)
        self._keeper = keeper

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await coroutine
        finally:
            if isinstance(update, Update):
                self._keeper.processed(update)

    async def shutdown(self) -> None:
        await self._keeper.sweep()
        await super().shutdown()


async def take_up_stranded(
    inbox: Inbox,
    keeper: InboxKeeper,
    queue: asyncio.Queue[object],
    bot: Bot,
    older_than: timedelta,
) -> int:
    """Queue again the updates a crash caught between arriving and being processed."""
    now = utc_now()
    payloads = await asyncio.to_thread(inbox.take_stranded, now - older_than, now)
    for payload in payloads:
        update = Update.de_json(payload, bot)
        log.warning("taking up update %s, received but never processed", update.update_id)
        keeper.taken_up(update)
        queue.put_nowait(update)  # still in the inbox: not kept again
    return len(payloads)
