"""The stand-in's world: users, chats, messages, pending updates, files and what was recorded."""

from __future__ import annotations

import copy
import hashlib
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .chaos import RandomFaults
from .notifier import Notifier
from .records import (
    AnsweredCallback,
    Call,
    InjectedDelay,
    InjectedFailure,
    SentMessage,
    StoredFile,
    Violation,
    WebhookConfig,
)

UPDATE_KINDS = ("message", "edited_message", "callback_query")


class ApiError(Exception):
    """A Bot API error answer: HTTP status, Telegram's description and optional parameters."""

    def __init__(self, status: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class CallbackPress:
    """A button press sent to the bot and not yet answered."""

    query_id: str
    user_id: int
    message_id: int | None
    data: str | None
    answered: bool = False


@dataclass
class StandInState:
    """Everything the stand-in knows; mutate only while holding `lock`, then call `changed()`."""

    token: str
    bot_user: dict[str, Any]
    lock: threading.RLock = field(default_factory=threading.RLock)
    notifier: Notifier = field(default_factory=Notifier)
    calls: list[Call] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    answered_callbacks: list[AnsweredCallback] = field(default_factory=list)
    chat_actions: list[tuple[int, str]] = field(default_factory=list)
    commands: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    webhook: WebhookConfig | None = None
    allowed_updates: list[str] | None = None
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    sent: dict[tuple[int, int], SentMessage] = field(default_factory=dict)
    pending_updates: list[dict[str, Any]] = field(default_factory=list)
    sent_updates: dict[int, dict[str, Any]] = field(default_factory=dict)  # every one, by id
    presses: dict[str, CallbackPress] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    failures: list[InjectedFailure] = field(default_factory=list)
    delays: list[InjectedDelay] = field(default_factory=list)
    poll_generation: int = 0
    random_faults: RandomFaults | None = None  # off unless a soak run turns it on
    webhook_parallel: int = 1  # updates posted to the webhook at once (other chats only)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(10_001))
    _file_numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: dict[int, itertools.count[int]] = field(default_factory=dict)

    def changed(self) -> None:
        """Wake whoever waits on the state (long polls, webhook delivery, tests)."""
        self.notifier.notify()

    def add_user(self, user_id: int, first_name: str | None = None, **extra: Any) -> dict[str, Any]:
        """Register (or return) a Telegram user who has started a private chat with the bot."""
        with self.lock:
            if user_id not in self.users:
                user = {
                    "id": user_id,
                    "is_bot": False,
                    "first_name": first_name or f"User{user_id}",
                }
                user.update({k: v for k, v in extra.items() if v is not None})
                self.users[user_id] = user
            return self.users[user_id]

    def chat(self, chat_id: int) -> dict[str, Any]:
        """The private chat object for a known user."""
        user = self.users[chat_id]
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        return chat

    def next_message_id(self, chat_id: int) -> int:
        """Message ids count up per private chat, shared by both sides as in Telegram."""
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def new_message(self, chat_id: int, sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        """Create and store a Message object in a chat."""
        message = {
            "message_id": self.next_message_id(chat_id),
            "from": sender,
            "chat": self.chat(chat_id),
            "date": int(time.time()),
            **{k: v for k, v in content.items() if v is not None},
        }
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def embedded(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """A stored message as it appears inside another (without its own reply_to_message)."""
        message = self.messages.get((chat_id, message_id))
        if message is None:
            return None
        return {k: copy.deepcopy(v) for k, v in message.items() if k != "reply_to_message"}

    def queue_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates or the webhook (dropped if allowed_updates filters it)."""
        update_id = next(self._update_ids)
        update = {"update_id": update_id, kind: copy.deepcopy(payload)}
        self.sent_updates[update_id] = update
        allowed = self.webhook.allowed_updates if self.webhook else self.allowed_updates
        if allowed and kind not in allowed:
            return update
        self.pending_updates.append(update)
        return update

    def confirm_updates(self, offset: int) -> None:
        """Forget updates confirmed by a getUpdates offset (negative: keep only the last ones)."""
        if offset < 0:
            self.pending_updates = self.pending_updates[offset:]
        else:
            self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]

    def store_file(
        self, data: bytes, folder: str, suffix: str, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        """Keep a file and give it Telegram-like identifiers and a download path."""
        number = next(self._file_numbers)
        digest = hashlib.sha256(data).hexdigest()[:16]
        stored = StoredFile(
            file_id=f"{folder[:2].upper()}AC{number:06d}{digest}",
            file_unique_id=f"AQAD{digest[:12]}{number}",
            file_path=f"{folder}/file_{number}{suffix}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        return stored

    def take_failure(self, method: str, chat_id: int | None) -> InjectedFailure | None:
        """The next injected failure for this call, counting it down."""
        for failure in self.failures:
            if failure.method == method and failure.chat_id in (None, chat_id):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                return failure
        return None

    def take_delay(self, method: str) -> float:
        """Seconds to wait before answering this call, counting the injected delay down."""
        for delay in self.delays:
            if delay.method == method:
                delay.times -= 1
                if delay.times <= 0:
                    self.delays.remove(delay)
                return delay.seconds
        return 0.0
