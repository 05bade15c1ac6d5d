"""What the stand-in records: calls received, messages the bot sent, answers, violations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart call, as the bot uploaded it."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class Call:
    """One Bot API call received: method, decoded parameters, uploads and the HTTP status given."""

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile]
    status: int = 200
    content_type: str = ""


@dataclass(frozen=True)
class SentMessage:
    """A message the bot sent to a chat, in its current state (edits applied)."""

    chat_id: int
    message_id: int
    kind: str  # "text", "photo" or "document"
    text: str | None  # what the user sees: the parse mode's markup removed
    raw_text: str | None  # exactly as the bot sent it
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    reply_to_message_id: int | None
    file_id: str | None = None
    file_name: str | None = None
    edit_count: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard's rows of buttons (empty without one)."""
        return list((self.reply_markup or {}).get("inline_keyboard", []))

    @property
    def button_texts(self) -> list[str]:
        """Every inline button's label, row by row."""
        return [button["text"] for row in self.buttons for button in row]

    def callback_data(self, button_text: str) -> str:
        """The callback_data of the inline button with this label (KeyError if none)."""
        for row in self.buttons:
            for button in row:
                if button.get("text") == button_text and "callback_data" in button:
                    return str(button["callback_data"])
        raise KeyError(f"no callback button {button_text!r} in {self.button_texts}")


@dataclass(frozen=True)
class AnsweredCallback:
    """An answerCallbackQuery the bot made, with the press it answered."""

    callback_query_id: str
    user_id: int
    message_id: int | None
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None


@dataclass(frozen=True)
class Violation:
    """A departure from the official Bot API spec, by the bot or by the stand-in itself."""

    where: str  # "call" for what the bot sent, "result"/"update" for what the stand-in returned
    problem: str

    def __str__(self) -> str:
        return f"[{self.where}] {self.problem}"


@dataclass
class InjectedFailure:
    """An error the stand-in answers instead of processing matching calls."""

    method: str
    status: int
    description: str
    retry_after: int | None = None
    chat_id: int | None = None
    times: int = 1


@dataclass
class InjectedDelay:
    """A pause before answering matching calls (their effect still happens)."""

    method: str
    seconds: float
    times: int = 1


@dataclass(frozen=True)
class StoredFile:
    """A file held by the stand-in, downloadable by the bot through getFile."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None


@dataclass
class WebhookConfig:
    """The webhook the bot set, and how delivery to it is going."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    delivered: int = 0
