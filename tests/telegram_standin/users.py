"""What Telegram users do in their private chat with the bot, turned into updates."""

from __future__ import annotations

import secrets
import struct
import time
import zlib
from typing import Any

from . import media
from .state import CallbackPress, StandInState


def _png(width: int, height: int) -> bytes:
    """A plain white RGB PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff" * 3 * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# A small white picture: the default photo when a test does not care which.
TINY_PNG = _png(4, 3)


def _command_entities(text: str) -> list[dict[str, Any]] | None:
    if not text.startswith("/"):
        return None
    length = len(text.split()[0]) if text.split() else 1
    return [{"type": "bot_command", "offset": 0, "length": length}]


def send_message(
    state: StandInState, user_id: int, reply_to: int | None = None, **content: Any
) -> dict[str, Any]:
    """The user sends a message of any kind; it is queued as a 'message' update."""
    with state.lock:
        user = state.add_user(user_id)
        reply = state.embedded(user_id, reply_to) if reply_to is not None else None
        if reply_to is not None and reply is None:
            raise ValueError(f"chat {user_id} has no message {reply_to} to reply to")
        message = state.new_message(user_id, user, reply_to_message=reply, **content)
        state.queue_update("message", message)
    state.changed()
    return message


def send_text(state: StandInState, user_id: int, text: str, reply_to: int | None) -> int:
    """The user sends text (a leading /command gets its bot_command entity, as in Telegram)."""
    message = send_message(state, user_id, reply_to, text=text, entities=_command_entities(text))
    return int(message["message_id"])


def edit_text(state: StandInState, user_id: int, message_id: int, text: str) -> None:
    """The user edits a text message sent earlier; it is queued as an 'edited_message'."""
    with state.lock:
        message = state.messages.get((user_id, message_id))
        if message is None or "text" not in message:
            raise ValueError(f"chat {user_id} has no text message {message_id} to edit")
        message.update(text=text, entities=_command_entities(text), edit_date=int(time.time()))
        message = {k: v for k, v in message.items() if v is not None}
        state.queue_update("edited_message", message)
    state.changed()


def send_photo(state: StandInState, user_id: int, data: bytes, caption: str | None) -> int:
    """The user sends a photo, optionally captioned."""
    with state.lock:
        sizes, _ = media.photo_sizes(state, data)
    return int(send_message(state, user_id, photo=sizes, caption=caption)["message_id"])


def send_document(
    state: StandInState,
    user_id: int,
    data: bytes,
    file_name: str,
    mime_type: str | None,
    caption: str | None,
) -> int:
    """The user sends a file as a document."""
    with state.lock:
        doc, _ = media.document(state, data, file_name, mime_type)
    return int(send_message(state, user_id, document=doc, caption=caption)["message_id"])


def press_button(
    state: StandInState, user_id: int, message_id: int, callback_data: str, must_exist: bool
) -> str:
    """The user presses an inline button under a bot message; returns the callback query id."""
    with state.lock:
        user = state.add_user(user_id)
        sent = state.sent.get((user_id, message_id))
        if sent is None:
            raise ValueError(f"the bot sent no message {message_id} to chat {user_id}")
        offered = [b.get("callback_data") for row in sent.buttons for b in row]
        if must_exist and callback_data not in offered:
            raise ValueError(f"message {message_id} has no button with data {callback_data!r}")
        query_id = str(secrets.randbits(63))
        state.presses[query_id] = CallbackPress(query_id, user_id, message_id, callback_data)
        state.queue_update(
            "callback_query",
            {
                "id": query_id,
                "from": user,
                "message": state.embedded(user_id, message_id),
                "chat_instance": f"{user_id}{state.bot_user['id']}",
                "data": callback_data,
            },
        )
    state.changed()
    return query_id
