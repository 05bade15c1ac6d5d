"""Inline-button data that stays under Telegram's 64 bytes and can't be forged or reused.

Each button carries the answer it stands for, what it is about (a case, an article), and a
short HMAC over those and the chat it was sent to: a button pressed in another chat, data
made up by a client, or an answer moved onto another case does nothing. What it is about
lets the desk refuse a button once its question is closed (an old one, or one pressed twice).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64
_MAC_CHARS = 12
_SEPARATOR = "|"
MAX_VALUE_BYTES = MAX_CALLBACK_BYTES - _MAC_CHARS - len(_SEPARATOR)


@dataclass(frozen=True)
class Pressed:
    """A verified button: the answer it stands for and what it is about ("" for nothing)."""

    value: str
    about: str = ""


class ButtonSigner:
    """Signs and checks callback data with a key only this bot knows."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"triage-desk buttons\0" + secret.encode()).digest()

    def _mac(self, chat_id: int, payload: str) -> str:
        digest = hmac.new(self._key, f"{chat_id}:{payload}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_MAC_CHARS]

    def sign(self, chat_id: int, value: str, about: str = "") -> str | None:
        """The callback data for ``value`` (about ``about``) in this chat, or None if it
        can't fit."""
        if _SEPARATOR in value or _SEPARATOR in about:
            return None
        payload = f"{value}{_SEPARATOR}{about}" if about else value
        if len(payload.encode()) > MAX_VALUE_BYTES:
            return None
        return f"{payload}{_SEPARATOR}{self._mac(chat_id, payload)}"

    def verify(self, chat_id: int, data: str | None) -> Pressed | None:
        """The answer behind callback data pressed in this chat, or None if it is not ours."""
        if not data or _SEPARATOR not in data:
            return None
        payload, _, mac = data.rpartition(_SEPARATOR)
        if not hmac.compare_digest(mac, self._mac(chat_id, payload)):
            return None
        value, _, about = payload.partition(_SEPARATOR)
        return Pressed(value, about)
