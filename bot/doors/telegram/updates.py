"""A Telegram update's life: arrived, kept, handled, processed, forgotten. None lost, none
handled twice.

Telegram sends an update again until the bot confirms it: by the next getUpdates' offset
when polling, by answering 200 to a webhook (``receiving.py`` asks ``make_safe`` first; a
webhook post waits for its update to be handled, up to ``WebhookEndpoint.act_within``, so
Telegram posts a chat's next update only once this one was acted on).

1. **Arrived.** The receiver tells the keeper (``arrived``) and queues it for the handlers.
   It is not yet safe: Telegram must not hear of it, or a crash would lose it.
2. **Kept.** Each update gets a short grace to be handled; the ones still waiting after it
   are kept in the inbox, together, in one write (``make_safe``), and are then safe. Most
   updates are handled within the grace and cost no inbox write at all.
3. **Handled.** The core records the update's delivery key (``delivery_key``) as handled in
   the very transaction that acts on it (``FirstLineDesk.handle(..., delivery=key)``,
   ``SecondLineDesk.claim(..., delivery=key)`` ...): the same update again, after a crash or
   from a second process, changes nothing (the desk answers ``[]`` or raises
   ``AlreadyHandled``, and the door sends nothing). The door then tells the keeper
   (``handled``): safe, even before the answer is sent. Updates that change nothing (/myid,
   /help, a sticker, a refused command, a read-only command such as /queue or /view) are not
   recorded: answering one of them again has no effect. They are safe once processed.
4. **Processed.** Whatever came of it (``KeeperProcessor`` wraps every update's handling):
   safe, and no longer needed in the inbox. Kept updates leave it together, about once a
   second (``sweep``), which also stamps those still in hand as held. One a crash caught
   is no longer stamped, and a few seconds later ``take_up_stranded`` queues it again (the
   core sees whether it was handled meanwhile); the one poller takes up all that is left at
   its start, before it fetches anything newer.
5. **Forgotten.** Telegram gives up on an unconfirmed update after 24 hours, so the records
   of handled deliveries older than ``KEEP_HANDLED_FOR`` go (``forget_old``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from telegram import Bot, Update
from telegram.ext import BaseUpdateProcessor

from bot.core.clock import utc_now

log = logging.getLogger(__name__)
KEEP_HANDLED_FOR = timedelta(days=2)


class UpdateStore(Protocol):
    """The inbox of received updates, and the records of handled ones, across restarts."""

    def keep(self, payloads: Mapping[str, dict[str, Any]], now: datetime) -> None: ...

    def done(self, deliveries: Sequence[str]) -> None: ...

    def still_held(self, deliveries: Sequence[str], now: datetime) -> None: ...

    def take_stranded(
        self, received_before: datetime, now: datetime, limit: int = 100
    ) -> list[dict[str, Any]]: ...

    def forget_before(self, moment: datetime) -> int: ...


def delivery_key(update_id: int) -> str:
    """How a Telegram update is named among the desk's deliveries and in the inbox."""
    return f"telegram:{update_id}"


class UpdateKeeper:
    """Which received updates are not yet safe to confirm, and which wait in the inbox."""

    def __init__(self, store: UpdateStore, grace: float) -> None:
        self._store = store
        self._grace = grace
        self._unsafe: dict[int, tuple[Update, asyncio.Future[None]]] = {}
        self._kept: set[str] = set()  # in the inbox, not yet processed
        self._done: list[str] = []  # in the inbox and processed: to leave it at the next sweep
        self._writing = asyncio.Lock()  # a keep and a sweep never cross in the inbox

    def arrived(self, update: Update) -> None:
        """A new update, not yet safe: Telegram must not hear of it before it is."""
        self._unsafe[update.update_id] = (update, asyncio.get_running_loop().create_future())

    def handled(self, update_id: int) -> None:
        """The core acted on it and recorded it as handled, in one committed transaction:
        safe to confirm, even before the answer is sent."""
        entry = self._unsafe.pop(update_id, None)
        if entry is not None and not entry[1].done():
            entry[1].set_result(None)

    def processed(self, update: Update) -> None:
        """Processed, whatever came of it: safe, and no longer needed in the inbox."""
        self.handled(update.update_id)
        key = delivery_key(update.update_id)
        if key in self._kept:
            self._kept.discard(key)
            self._done.append(key)

    async def make_safe(
        self, update_ids: Iterable[int] | None = None, grace: float | None = None
    ) -> int:
        """Wait up to the grace (``grace``, if given) for these updates (by default every
        unsafe one) to be handled, then keep the ones still waiting in the inbox; how many
        were kept."""
        wanted = self._unsafe.keys() if update_ids is None else update_ids
        entries = [self._unsafe[number] for number in list(wanted) if number in self._unsafe]
        if not entries:
            return 0
        waiting_for = self._grace if grace is None else grace
        await asyncio.wait([waiting for _, waiting in entries], timeout=waiting_for)
        late = [update for update, waiting in entries if not waiting.done()]
        if not late:
            return 0
        payloads = {delivery_key(update.update_id): update.to_dict() for update in late}
        self._kept.update(payloads)  # before the write: one processed meanwhile is swept after
        async with self._writing:
            await asyncio.to_thread(self._store.keep, payloads, utc_now())
        for update in late:
            self._unsafe.pop(update.update_id, None)
        return len(late)

    async def sweep(self) -> int:
        """Drop the kept updates processed since the last sweep from the inbox, in one write,
        and stamp the ones still in hand as held now: a live process's updates never look
        stranded, so those of a process that died are taken up a few seconds after."""
        done, self._done = self._done, []
        held = sorted(self._kept)
        if done or held:
            async with self._writing:
                if done:
                    await asyncio.to_thread(self._store.done, done)
                if held:
                    await asyncio.to_thread(self._store.still_held, held, utc_now())
        return len(done)

    async def take_up_stranded(
        self, queue: asyncio.Queue[object], bot: Bot, older_than: timedelta
    ) -> int:
        """Queue again the updates a crash caught between arriving and being processed."""
        now = utc_now()
        payloads = await asyncio.to_thread(self._store.take_stranded, now - older_than, now)
        for payload in payloads:
            update = Update.de_json(payload, bot)
            log.warning("taking up update %s, received but never processed", update.update_id)
            self._kept.add(delivery_key(update.update_id))  # still in the inbox: not kept again
            queue.put_nowait(update)
        return len(payloads)

    async def forget_old(self) -> int:
        """Drop the records of updates handled longer ago than Telegram delivers again."""
        forgotten = await asyncio.to_thread(self._store.forget_before, utc_now() - KEEP_HANDLED_FOR)
        log.info("forgot %s handled updates older than %s", forgotten, KEEP_HANDLED_FOR)
        return forgotten


class KeeperProcessor(BaseUpdateProcessor):
    """Processes up to ``max_concurrent_updates`` updates at once (PTB's public extension
    point for that), telling the keeper of each one done, and sweeping at shutdown."""

    def __init__(self, max_concurrent_updates: int, keeper: UpdateKeeper) -> None:
        super().__init__(max_concurrent_updates)
        self._keeper = keeper

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handlers for one update; whatever came of it, it is processed."""
        try:
            await coroutine
        finally:
            if isinstance(update, Update):
                self._keeper.processed(update)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """The processed kept updates leave the inbox before the process ends."""
        await self._keeper.sweep()
