"""Stopping `triage run` gracefully, within a bound, with the operations endpoints beside it.

On SIGTERM (or Ctrl-C) the bot stops taking updates, finishes the ones in hand (python-
telegram-bot's ``Application.stop`` waits for them and for a running outbox round), tells
Telegram which updates are safe, and shuts down; the outbox stays in the database for the
next start. If that takes longer than the bound, what is left is abandoned: an update not
finished is still in the inbox or unconfirmed to Telegram, so it is taken up at the next
start. Should even the process's own exit hang (a worker thread stuck on the database),
a watchdog ends it a little later.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from bot.ops.readiness import Check, CheckResult
from bot.ops.server import OpsServer

log = logging.getLogger(__name__)
HARD_STOP_GRACE = 5.0  # seconds after the bound before the watchdog ends the process


class HardStop:
    """A watchdog that ends the process if stopping outlasts its bound."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._timer: threading.Timer | None = None

    def arm(self) -> None:
        """Start counting down (once)."""
        if self._timer is None:
            self._timer = threading.Timer(self._seconds, self._exit)
            self._timer.daemon = True
            self._timer.start()

    def cancel(self) -> None:
        """Stopped in time: no need to end the process."""
        if self._timer is not None:
            self._timer.cancel()

    def _exit(self) -> None:
        log.error("still stopping after %.0f s; ending the process now", self._seconds)
        for handler in logging.getLogger().handlers:
            handler.flush()
        sys.stderr.flush()
        os._exit(1)


@asynccontextmanager
async def bounded_stop(
    seconds: float, watchdog: HardStop | None = None
) -> AsyncIterator[AsyncExitStack]:
    """Yield a stack of what runs; on leaving, close it within ``seconds``, or give up."""
    stack = AsyncExitStack()
    try:
        yield stack
    finally:
        if watchdog is not None:
            watchdog.arm()
        try:
            async with asyncio.timeout(seconds):
                await stack.aclose()
        except TimeoutError:
            log.warning(
                "stopping took over %g s (TRIAGE_STOP_TIMEOUT); the updates not finished "
                "are taken up at the next start",
                seconds,
            )


def accepting(stopping: asyncio.Event) -> Check:
    """Readiness: not stopping (a balancer sends nothing more to a draining process)."""

    async def check() -> CheckResult:
        if stopping.is_set():
            return CheckResult(False, "stopping")
        return CheckResult(True, "running")

    return check


@asynccontextmanager
async def serving_ops(ops: OpsServer | None, **checks: Check) -> AsyncIterator[None]:
    """Serve the operations endpoints, with these readiness checks added, for the block."""
    if ops is None:
        yield
        return
    for name, check in checks.items():
        ops.add_check(name, check)
    await ops.start()
    try:
        yield
    finally:
        await ops.stop()
