"""How updates come in from Telegram, through python-telegram-bot's public API only.

- ``Polling``: our own loop around ``Bot.get_updates`` (no ``Updater``). Each call's offset
  confirms the updates fetched before it, so those are made safe first (``make_safe``).
  Telegram's errors are retried with a growing pause; a token Telegram refuses stops it.
- ``WebhookServer``: a small aiohttp server, as PTB's custom-webhook example does. It
  refuses posts without the secret token, queues the update and answers 200 only once the
  update is acted on (or, past ``act_within``, kept), so a chat's updates are acted on in
  order across processes.

Both hand updates to the application through its public ``update_queue``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlparse

from aiohttp import web
from telegram import Bot, Update
from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut

from bot.doors.telegram.updates import UpdateKeeper

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIRST_PAUSE, LONGEST_PAUSE = 0.5, 30.0  # seconds between failed getUpdates, doubling


def _seconds(wait: int | timedelta) -> float:
    """RetryAfter.retry_after as seconds (PTB 22 gives a number or a timedelta)."""
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


class Polling:
    """Fetches updates with getUpdates, confirming each batch only once it is safe."""

    def __init__(
        self, bot: Bot, keeper: UpdateKeeper, queue: asyncio.Queue[object], timeout: int = 10
    ) -> None:
        self._bot = bot
        self._keeper = keeper
        self._queue = queue
        self._timeout = timeout
        self._offset: int | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> asyncio.Task[None]:
        """Start fetching; the task returned ends only if polling cannot go on."""
        await self._bot.delete_webhook()  # getUpdates is refused while a webhook is set
        # the one poller (see poller_lock.py): what a process that ended left in the inbox is
        # queued at once, before anything newer of the same chats
        await self._keeper.take_up_stranded(self._queue, self._bot, timedelta(0))
        self._task = asyncio.create_task(self._poll(), name="telegram polling")
        return self._task

    async def stop(self) -> None:
        """Stop fetching, and confirm what was fetched once it is safe."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._keeper.make_safe()
        if self._offset is not None:
            try:
                await self._bot.get_updates(offset=self._offset, timeout=0, limit=1)
            except TelegramError as error:  # they come again at the next start: none is lost
                log.warning("could not confirm the last updates to Telegram: %s", error)

    async def _poll(self) -> None:
        pause = FIRST_PAUSE
        while True:
            await self._keeper.make_safe()
            try:
                updates = await self._bot.get_updates(
                    offset=self._offset, timeout=self._timeout, allowed_updates=Update.ALL_TYPES
                )
            except InvalidToken:
                raise
            except TimedOut:
                continue  # a long poll the connection gave up on: ask again at once
            except RetryAfter as error:
                await asyncio.sleep(_seconds(error.retry_after))
                continue
            except TelegramError as error:
                log.warning("getUpdates failed (%s); trying again in %.1f s", error, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE)
                continue
            pause = FIRST_PAUSE
            for update in updates:
                self._keeper.arrived(update)
                await self._queue.put(update)
            if updates:
                self._offset = updates[-1].update_id + 1


@dataclass(frozen=True)
class WebhookEndpoint:
    """Where Telegram posts updates (``url``), and where this process listens for them;
    ``act_within``: how long a post waits for its update to be acted on before it is kept
    in the inbox and answered anyway (below Telegram's own timeout for a post)."""

    url: str
    secret: str
    listen: str = "127.0.0.1"
    port: int = 8443
    act_within: float = 8.0


class WebhookServer:
    """Receives Telegram's posts, answering 200 only once each update is acted on (or, if
    that takes longer than ``act_within``, kept in the inbox).

    Telegram posts a chat's next update only once the post of the one before is answered,
    so waiting for the action, not just for the inbox, means a chat's updates are acted on
    in order whichever of several processes receives them (a homeworker's `/switch T-1`
    and the `/resolve` after it). A crash before the answer loses nothing either: Telegram
    posts the update again, to any process, and the core acts on it once."""

    def __init__(
        self,
        bot: Bot,
        keeper: UpdateKeeper,
        queue: asyncio.Queue[object],
        endpoint: WebhookEndpoint,
    ) -> None:
        self._bot = bot
        self._keeper = keeper
        self._queue = queue
        self._endpoint = endpoint
        self._runner: web.AppRunner | None = None

    async def start(self) -> asyncio.Future[None]:
        """Listen, then ask Telegram to post here; the future returned never ends by itself."""
        server = web.Application()
        server.router.add_post(urlparse(self._endpoint.url).path or "/", self._receive)
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._endpoint.listen, self._endpoint.port).start()
        await self._bot.set_webhook(
            self._endpoint.url,
            secret_token=self._endpoint.secret,
            allowed_updates=Update.ALL_TYPES,
        )
        return asyncio.get_running_loop().create_future()

    async def stop(self) -> None:
        """Stop listening (the webhook stays set, so Telegram keeps updates until restart)."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        secret = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(secret.encode(), self._endpoint.secret.encode()):
            return web.Response(status=403)
        try:
            update = Update.de_json(await request.json(), self._bot)
        except (json.JSONDecodeError, TypeError, KeyError, ValueError):
            log.warning("a webhook post that is not an update was refused")
            return web.Response(status=400)
        self._keeper.arrived(update)
        await self._queue.put(update)
        await self._keeper.make_safe([update.update_id], grace=self._endpoint.act_within)
        return web.Response()
