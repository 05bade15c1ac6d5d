"""One update at a time per user, with no lock left behind once a user goes quiet.

Telegram may deliver a user's next message while the previous one is still being handled;
the desk must see them in order. A lock per user does that, and is dropped as soon as no
one holds it or waits for it, so a bot that has met a million users holds no million locks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class UserTurns:
    """Per-user locks that exist only while someone holds or waits for them."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._wanting: dict[int, int] = {}  # holders and waiters, per user

    @asynccontextmanager
    async def turn(self, user_id: int) -> AsyncIterator[None]:
        """Wait for this user's earlier updates, then hold the turn for the block."""
        lock = self._locks.setdefault(user_id, asyncio.Lock())
        self._wanting[user_id] = self._wanting.get(user_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._wanting[user_id] -= 1
            if not self._wanting[user_id]:
                del self._wanting[user_id], self._locks[user_id]

    def __len__(self) -> int:
        """How many users have a lock now."""
        return len(self._locks)
