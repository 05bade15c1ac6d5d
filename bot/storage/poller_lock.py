"""One poller per bot: a second `triage run` polling the same bot refuses to start.

Two processes calling getUpdates for one bot take turns receiving updates and both answer
from the same conversations, so replies were duplicated. The lock goes with the process
however it ends (a kill -9 included), so there is no stale lease to clear:

- PostgreSQL: a session advisory lock, held on a connection kept open while polling;
- SQLite: an exclusive ``flock`` on a file beside the database.

Webhook processes need no lock: Telegram posts each update once, to one of them.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from bot.errors import AlreadyPolling
from bot.private_files import PRIVATE_FILE, private_folder

REFUSED = (
    "another `triage run` is already polling Telegram for this bot on this database; only one "
    "may poll (stop it, or run several processes with --webhook)"
)


def _key(bot_id: str) -> int:
    """A signed 64-bit advisory lock key for one bot."""
    digest = hashlib.sha256(f"triage-desk poller {bot_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def polling_lock(engine: Engine, bot_id: str) -> Iterator[None]:
    """Hold the poller lock for ``bot_id`` (the token's number) while the block runs;
    raises :class:`AlreadyPolling` if another process holds it."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        with engine.connect() as connection:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": _key(bot_id)}
            )
            if not taken.scalar():
                raise AlreadyPolling(REFUSED)
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _key(bot_id)})
                connection.commit()
        return
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        yield  # no other process can share this database
        return
    database = Path(url.database).expanduser()
    lock_path = database.with_name(f"{database.name}.poller-{bot_id}.lock")
    private_folder(lock_path.parent)
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyPolling(REFUSED) from None
        yield
    finally:
        os.close(descriptor)  # releases the lock
