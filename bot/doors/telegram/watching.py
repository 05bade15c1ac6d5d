"""Watching the Telegram door for the operations kit, through python-telegram-bot's public
extension points only; the handlers and the sending code know nothing of it.

- ``WatchedRequest``: wraps the HTTP backend (``BaseRequest``, meant to be implemented) and
  counts each send to the Bot API by outcome, the way ``sending.classify`` reads it: ok,
  retried (429, 5xx, no connection), failed (refused for good) or timed out. Any answer
  from the Bot API also tells readiness that it is reachable (``BotApiContact``).
- ``ArrivalQueue``: the application's update queue (``ApplicationBuilder.update_queue``),
  noting when each update arrived.
- ``UpdateTracking``: a handler before all others and one after them: each update is
  counted, its id put in the log context, and its handling counted as ok or error. The
  first message Telegram accepts while an update is handled gives the answer latency.
"""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, Update
from telegram.error import TelegramError, TimedOut
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.ops import log_context
from bot.ops.metrics import OpsMetrics, SendOutcome
from bot.ops.readiness import Check, CheckResult

SENDING = ("send", "edit", "answer", "copy", "forward")
NOT_SENDING = frozenset({"sendChatAction"})
ANSWERING = ("send", "copy", "forward")  # a message the user sees, not a button's settling
REACHABLE_WITHIN = 60.0  # seconds since the last answer from the Bot API
FIRST_GROUP, LAST_GROUP = -1_000, 1_000
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class _Handling:
    """The update this task handles: when it arrived, and how its handling is going."""

    arrived: float
    answered: bool = False
    failed: bool = False


_handling: ContextVar[_Handling | None] = ContextVar("handling", default=None)


class BotApiContact:
    """When the Bot API last answered this process (any answer but a 5xx or a bad token)."""

    def __init__(self) -> None:
        self.last_answer: float | None = None

    def answered(self) -> None:
        """The Bot API answered just now."""
        self.last_answer = time.monotonic()

    def within(self, seconds: float) -> bool:
        """Whether it answered in the last ``seconds``."""
        return self.last_answer is not None and time.monotonic() - self.last_answer < seconds


def _outcome(code: int) -> SendOutcome:
    if 200 <= code < 300:
        return SendOutcome.OK
    if code == 429 or code >= 500:
        return SendOutcome.RETRIED
    return SendOutcome.FAILED


class WatchedRequest(BaseRequest):
    """An HTTP backend for the bot that counts what it sends (wraps another backend)."""

    def __init__(self, inner: BaseRequest, metrics: OpsMetrics, contact: BotApiContact) -> None:
        self._inner = inner
        self._metrics = metrics
        self._contact = contact

    @property
    def read_timeout(self) -> float | None:
        """The inner backend's read timeout."""
        return self._inner.read_timeout

    async def initialize(self) -> None:
        """Initialize the inner backend."""
        await self._inner.initialize()

    async def shutdown(self) -> None:
        """Shut the inner backend down."""
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make the request with the inner backend, and count how it went."""
        endpoint = url.rsplit("/", 1)[-1]
        sending = endpoint.startswith(SENDING) and endpoint not in NOT_SENDING
        try:
            code, payload = await self._inner.do_request(
                url,
                method,
                request_data,
                read_timeout,
                write_timeout,
                connect_timeout,
                pool_timeout,
            )
        except TimedOut:
            if sending:
                self._metrics.sent(SendOutcome.TIMED_OUT)
            raise
        except (TelegramError, OSError):
            if sending:
                self._metrics.sent(SendOutcome.RETRIED)
            raise
        if code < 500 and code not in (401, 404):
            self._contact.answered()
        if sending:
            outcome = _outcome(code)
            self._metrics.sent(outcome)
            if outcome is SendOutcome.OK and endpoint.startswith(ANSWERING):
                self._answered()
        return code, payload

    def _answered(self) -> None:
        handling = _handling.get()
        if handling is not None and not handling.answered:
            handling.answered = True
            self._metrics.answer_seconds.observe(time.monotonic() - handling.arrived)


class ArrivalQueue(asyncio.Queue[object]):
    """The application's update queue, noting when each update arrived."""

    def __init__(self) -> None:
        super().__init__()
        self._arrived: dict[int, float] = {}

    def put_nowait(self, item: object) -> None:
        """Queue the item; an update's arrival time is noted."""
        if isinstance(item, Update):
            self._arrived[item.update_id] = time.monotonic()
        super().put_nowait(item)

    def arrival(self, update_id: int) -> float:
        """When the update arrived (now, if it was not seen), forgetting it."""
        return self._arrived.pop(update_id, None) or time.monotonic()


@dataclass
class TelegramWatch:
    """What watches one Telegram bot: its metrics, its contact with the Bot API, its queue."""

    metrics: OpsMetrics = field(default_factory=OpsMetrics)
    contact: BotApiContact = field(default_factory=BotApiContact)
    queue: ArrivalQueue = field(default_factory=ArrivalQueue)

    def request(self, connections: int) -> BaseRequest:
        """An HTTP backend for the bot with this many connections, watched."""
        return WatchedRequest(
            HTTPXRequest(connection_pool_size=connections), self.metrics, self.contact
        )

    def track(self, application: AnyApplication) -> None:
        """Count and trace every update the application handles."""
        application.add_handler(TypeHandler(Update, self._taken), group=FIRST_GROUP)
        application.add_handler(TypeHandler(Update, self._finished), group=LAST_GROUP)
        application.add_error_handler(self._failed)

    def bot_api_check(self, bot: Bot, within: float = REACHABLE_WITHIN) -> Check:
        """Readiness: the Bot API answered lately, or answers getMe now."""

        async def check() -> CheckResult:
            if self.contact.within(within):
                return CheckResult(True, "answered in the last minute")
            try:
                await bot.get_me()
            except TelegramError as error:
                return CheckResult(False, f"unreachable: {error}")
            except RuntimeError:  # asked before the bot started
                return CheckResult(False, "not started yet")
            return CheckResult(True, "answered getMe")

        return check

    async def _taken(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        _handling.set(_Handling(self.queue.arrival(update.update_id)))
        log_context.about_update(update.update_id)
        self.metrics.updates_received.inc()

    async def _finished(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        handling = _handling.get()
        failed = handling is not None and handling.failed
        self.metrics.updates_handled.labels("error" if failed else "ok").inc()

    async def _failed(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        handling = _handling.get()
        if handling is not None:
            handling.failed = True
