"""Wake-ups on state changes, for coroutines on any event loop and for plain threads."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Notifier:
    """Lets waiters sleep until something changed, whichever thread or loop changed it."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._futures: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._version = 0

    def notify(self) -> None:
        """Wake every waiter so it re-checks its condition."""
        with self._condition:
            futures, self._futures = self._futures, []
            self._version += 1
            self._condition.notify_all()
        for loop, future in futures:
            if not loop.is_closed():
                loop.call_soon_threadsafe(_resolve, future)

    async def wait_for(self, check: Callable[[], T | None], timeout: float) -> T | None:
        """Await until check() returns something other than None, or None after timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            future: asyncio.Future[None] = loop.create_future()
            with self._condition:
                self._futures.append((loop, future))
            result = check()
            remaining = deadline - loop.time()
            if result is not None or remaining <= 0:
                self._forget(future)
                return result
            try:
                await asyncio.wait_for(future, remaining)
            except TimeoutError:
                self._forget(future)

    def wait_for_sync(self, check: Callable[[], T | None], timeout: float) -> T | None:
        """Block the calling thread until check() returns something, or None after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._condition:
                version = self._version
            result = check()  # outside the condition: check() takes the state's own lock
            remaining = deadline - time.monotonic()
            if result is not None or remaining <= 0:
                return result
            with self._condition:
                if self._version == version:
                    self._condition.wait(remaining)

    def _forget(self, future: asyncio.Future[None]) -> None:
        with self._condition:
            self._futures = [(lp, f) for lp, f in self._futures if f is not future]


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
