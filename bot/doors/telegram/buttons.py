"""Inline-button data that stays under Telegram's 64 bytes and can't be forged or reused.

Each button carries the answer it stands for and a short HMAC over the chat it was sent
to, so a button pressed in another chat, or data made up by a client, does nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

MAX_CALLBACK_BYTES = 64
_MAC_CHARS = 12
_SEPARATOR = "|"
MAX_VALUE_BYTES = MAX_CALLBACK_BYTES - _MAC_CHARS - len(_SEPARATOR)


class ButtonSigner:
    """Signs and checks callback data with a key only this bot knows."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"triage-desk buttons\0" + secret.encode()).digest()

    def _mac(self, chat_id: int, value: str) -> str:
        digest = hmac.new(self._key, f"{chat_id}:{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_MAC_CHARS]

    def sign(self, chat_id: int, value: str) -> str | None:
        """The callback data for ``value`` in this chat, or None if it can't fit."""
        if len(value.encode()) > MAX_VALUE_BYTES or _SEPARATOR in value:
            return None
        return f"{value}{_SEPARATOR}{self._mac(chat_id, value)}"

    def verify(self, chat_id: int, data: str | None) -> str | None:
        """The answer behind callback data pressed in this chat, or None if it is not ours."""
        if not data or _SEPARATOR not in data:
            return None
        value, _, mac = data.rpartition(_SEPARATOR)
        return value if hmac.compare_digest(mac, self._mac(chat_id, value)) else None
