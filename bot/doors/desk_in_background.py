"""A desk built on a thread while a person reads the greeting and types their first message.

Opening the database, loading the triage model and indexing the articles take a few seconds;
a person needs longer than that to read a greeting and type. What the build logs meanwhile is
held back and written when the desk is first needed, so no log line lands in the middle of the
line the person is typing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

Built = TypeVar("Built")


class HeldLogRecords(logging.Handler):
    """Keeps the records of one thread instead of writing them; the others pass on untouched."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.held_thread: int | None = None

    def holds(self, record: logging.LogRecord) -> bool:
        """Whether ``record`` comes from the thread whose records are held."""
        return record.thread == self.held_thread

    def emit(self, record: logging.LogRecord) -> None:
        """Keep a held thread's record."""
        if self.holds(record):
            self.records.append(record)


class _NotFromHeldThread(logging.Filter):
    def __init__(self, held: HeldLogRecords) -> None:
        super().__init__()
        self.held = held

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.held.holds(record)


class InBackground(Generic[Built]):
    """``build()`` running on its own thread from now on; :meth:`result` waits for it.

    An error the build raised is raised by :meth:`result`, where the caller would have met it.
    """

    def __init__(self, build: Callable[[], Built]) -> None:
        self._held = HeldLogRecords()
        self._writers = list(logging.getLogger().handlers)
        self._quiet = _NotFromHeldThread(self._held)
        self._hold_logs()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="desk-build")
        self._future: Future[Built] = self._executor.submit(self._build, build)
        self._executor.shutdown(wait=False)
        self._released = False

    def _build(self, build: Callable[[], Built]) -> Built:
        self._held.held_thread = threading.get_ident()
        return build()

    def _hold_logs(self) -> None:
        logging.getLogger().addHandler(self._held)
        for writer in self._writers:
            writer.addFilter(self._quiet)

    def done(self) -> bool:
        """Whether the build has finished (well or not)."""
        return self._future.done()

    def result(self) -> Built:
        """The built thing, once ready; the build's held log lines are written first."""
        try:
            return self._future.result()
        finally:
            self._release_logs()

    def _release_logs(self) -> None:
        if self._released:
            return
        self._released = True
        logging.getLogger().removeHandler(self._held)
        for writer in self._writers:
            writer.removeFilter(self._quiet)
        for record in self._held.records:
            for writer in self._writers:
                if record.levelno >= writer.level:
                    writer.handle(record)
