"""TelegramStandIn: a loopback Bot API server that tests drive as Telegram users."""

from __future__ import annotations

import asyncio
import copy
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from . import media, users
from .chaos import RandomFaults
from .records import (
    AnsweredCallback,
    Call,
    InjectedDelay,
    InjectedFailure,
    SentMessage,
    Violation,
    WebhookConfig,
)
from .server import BotApiServer
from .spec import BotApiSpec
from .state import StandInState

T = TypeVar("T")
FAKE_TOKEN = "123456:TEST-TOKEN-not-real"
STATUS_TEXT = {
    400: "Bad Request",
    403: "Forbidden: bot was blocked by the user",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
MessagePredicate = Callable[[SentMessage], bool]


class StandInTimeoutError(AssertionError):
    """What a test waited for did not happen in time."""


class TelegramStandIn:
    """A Bot API stand-in on 127.0.0.1: start it, point the bot at base_url, act as users."""

    def __init__(
        self,
        spec: BotApiSpec,
        token: str = FAKE_TOKEN,
        bot_username: str = "triage_desk_test_bot",
        bot_name: str = "Triage Desk (test)",
    ) -> None:
        bot_user = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.spec = spec
        self.token = token
        self.state = StandInState(token=token, bot_user=bot_user)
        self.server = BotApiServer(self.state, spec)
        self._returned: set[tuple[int, int]] = set()
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None

    # -- running ---------------------------------------------------------------------------

    async def start(self) -> TelegramStandIn:
        """Listen on an ephemeral loopback port, in the running event loop."""
        await self.server.start()
        return self

    async def stop(self) -> None:
        """Stop listening."""
        await self.server.stop()

    async def __aenter__(self) -> TelegramStandIn:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def start_in_thread(self) -> TelegramStandIn:
        """Serve from a background thread with its own loop (for subprocess or sync tests)."""
        ready = threading.Event()
        loop = asyncio.new_event_loop()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread_loop = loop
        self._thread = threading.Thread(target=serve, name="telegram-standin", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the Telegram stand-in did not start")
        return self

    def stop_thread(self) -> None:
        """Stop a stand-in started with start_in_thread."""
        if self._thread_loop is not None and self._thread is not None:
            self._thread_loop.call_soon_threadsafe(self._thread_loop.stop)
            self._thread.join(10)
            self._thread = self._thread_loop = None

    @property
    def port(self) -> int:
        """The loopback port the stand-in listens on."""
        return self.server.port

    @property
    def base_url(self) -> str:
        """For ApplicationBuilder().base_url(...): the token is appended by the library."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ApplicationBuilder().base_file_url(...)."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def method_url(self, method: str, token: str | None = None) -> str:
        """The full URL of a Bot API method, for calling the stand-in directly."""
        return f"{self.base_url}{token or self.token}/{method}"

    # -- acting as Telegram users ----------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """Make a user known (as if they had started the bot), so the bot may message them."""
        return self.state.add_user(
            user_id, first_name, last_name=last_name, username=username,
            language_code=language_code,
        )  # fmt: skip

    def user_sends_text(self, user_id: int, text: str, reply_to: int | None = None) -> int:
        """The user sends text (a reply when reply_to is a message id); returns its message_id."""
        return users.send_text(self.state, user_id, text, reply_to)

    def user_edits_text(self, user_id: int, message_id: int, text: str) -> None:
        """The user edits a text message they sent earlier (an edited_message update)."""
        users.edit_text(self.state, user_id, message_id, text)

    def user_presses_button(
        self, user_id: int, message_id: int, callback_data: str, must_exist: bool = True
    ) -> str:
        """The user presses an inline button; must_exist=False forges the data. Returns query id."""
        return users.press_button(self.state, user_id, message_id, callback_data, must_exist)

    def user_presses(self, user_id: int, message: SentMessage, button_text: str) -> str:
        """The user presses the inline button labelled button_text under a bot message."""
        data = message.callback_data(button_text)
        return self.user_presses_button(user_id, message.message_id, data)

    def user_sends_photo(
        self, user_id: int, data: bytes = users.TINY_PNG, caption: str | None = None
    ) -> int:
        """The user sends a photo; returns its message_id."""
        return users.send_photo(self.state, user_id, data, caption)

    def user_sends_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str = "document.txt",
        mime_type: str | None = "text/plain",
        caption: str | None = None,
    ) -> int:
        """The user sends a file as a document; returns its message_id."""
        return users.send_document(self.state, user_id, data, file_name, mime_type, caption)

    def user_sends_sticker(self, user_id: int, emoji: str = "👍") -> int:
        """The user sends a sticker; returns its message_id."""
        with self.state.lock:
            sticker = media.sticker(self.state, emoji, b"RIFF\x00\x00\x00\x00WEBP")
        return int(users.send_message(self.state, user_id, sticker=sticker)["message_id"])

    def user_sends_voice(self, user_id: int, data: bytes = b"OggS", duration: int = 3) -> int:
        """The user sends a voice note; returns its message_id."""
        with self.state.lock:
            voice = media.voice(self.state, data, duration)
        return int(users.send_message(self.state, user_id, voice=voice)["message_id"])

    def user_sends_location(self, user_id: int, latitude: float, longitude: float) -> int:
        """The user shares a location; returns its message_id."""
        location = {"latitude": float(latitude), "longitude": float(longitude)}
        return int(users.send_message(self.state, user_id, location=location)["message_id"])

    @property
    def last_update_id(self) -> int:
        """The id of the newest update any user caused."""
        with self.state.lock:
            return max(self.state.sent_updates)

    def delivers_again(self, update_id: int) -> None:
        """Telegram delivers an update once more, the same update_id, as it does when the
        bot crashed before confirming it (or two processes both fetched it)."""
        with self.state.lock:
            self.state.pending_updates.append(copy.deepcopy(self.state.sent_updates[update_id]))
        self.state.changed()

    def block_bot(self, user_id: int) -> None:
        """The user blocks the bot: sending to them now fails with 403 Forbidden."""
        with self.state.lock:
            self.state.blocked.add(user_id)

    def unblock_bot(self, user_id: int) -> None:
        """The user unblocks the bot."""
        with self.state.lock:
            self.state.blocked.discard(user_id)

    # -- injecting errors ------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next `times` calls of method (to chat_id, if given) with an error."""
        if status == 429:
            retry_after = retry_after if retry_after is not None else 1
            description = description or f"Too Many Requests: retry after {retry_after}"
        text = description or STATUS_TEXT.get(status, "Error")
        with self.state.lock:
            self.state.failures.append(
                InjectedFailure(method, status, text, retry_after, chat_id, times)
            )

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Answer the next `times` calls of method late; their effect still happens at once."""
        with self.state.lock:
            self.state.delays.append(InjectedDelay(method, seconds, times))

    def random_faults(self, rate: float, seed: int = 0, read_timeout: float = 5.0) -> RandomFaults:
        """From now on, answer a share `rate` of the bot's sends and polls with a random
        fault (429, 500, 502, a slow answer, one past read_timeout; 502 for getUpdates).
        Returns the fault source, whose `drawn` counts what was injected."""
        faults = RandomFaults(rate, seed, read_timeout)
        with self.state.lock:
            self.state.random_faults = faults if rate > 0 else None
        return faults

    def deliver_webhooks_in_parallel(self, connections: int) -> None:
        """Post up to this many updates to the webhook at once (one per chat at a time), as
        Telegram does with max_connections; 1, the default, posts one after another."""
        with self.state.lock:
            self.state.webhook_parallel = max(1, connections)
        self.state.changed()

    # -- reading what the bot did ----------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every Bot API call received, in the order answered."""
        with self.state.lock:
            return list(self.state.calls)

    def calls_of(self, method: str) -> list[Call]:
        """The calls received of one method."""
        return [c for c in self.calls if c.method == method]

    @property
    def violations(self) -> list[Violation]:
        """Departures from the official spec seen so far (calls and returned objects)."""
        with self.state.lock:
            return list(self.state.violations)

    @property
    def answered_callbacks(self) -> list[AnsweredCallback]:
        """The answerCallbackQuery calls the bot made, with the presses they answered."""
        with self.state.lock:
            return list(self.state.answered_callbacks)

    @property
    def chat_actions(self) -> list[tuple[int, str]]:
        """(chat_id, action) for every sendChatAction."""
        with self.state.lock:
            return list(self.state.chat_actions)

    @property
    def webhook(self) -> WebhookConfig | None:
        """The webhook the bot set, or None in polling mode."""
        return self.state.webhook

    @property
    def pending_update_count(self) -> int:
        """Updates not yet confirmed by the bot."""
        with self.state.lock:
            return len(self.state.pending_updates)

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        """The command menu set with setMyCommands, as (command, description) pairs."""
        from .methods import get_my_commands

        params: dict[str, Any] = {"language_code": language_code}
        if scope:
            params["scope"] = scope
        with self.state.lock:
            menu = get_my_commands(self.state, params)
        return [(c["command"], c["description"]) for c in menu]

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """What the bot sent to a chat, oldest first, in its current (edited) state."""
        with self.state.lock:
            return [m for (chat, _), m in self.state.sent.items() if chat == chat_id]

    @property
    def sent_messages(self) -> list[SentMessage]:
        """Every message the bot sent, to any chat, oldest first, in its current state."""
        with self.state.lock:
            return list(self.state.sent.values())

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """One message the bot sent, in its current state."""
        with self.state.lock:
            return self.state.sent[(chat_id, message_id)]

    def file_bytes(self, file_id: str) -> bytes:
        """The content of a file the bot uploaded or a user sent."""
        with self.state.lock:
            return self.state.files[file_id].data

    def _next_unreturned(
        self, chat_id: int, predicate: MessagePredicate | None
    ) -> SentMessage | None:
        for message in self.messages_to(chat_id):
            key = (chat_id, message.message_id)
            if key not in self._returned and (predicate is None or predicate(message)):
                self._returned.add(key)
                return message
        return None

    async def wait_for_message(
        self, chat_id: int, predicate: MessagePredicate | None = None, timeout: float = 5
    ) -> SentMessage:
        """The oldest bot message to chat_id not yet returned here that matches predicate."""
        found = await self.state.notifier.wait_for(
            lambda: self._next_unreturned(chat_id, predicate), timeout
        )
        if found is None:
            raise StandInTimeoutError(self._timeout_report(f"a message to chat {chat_id}", chat_id))
        return found

    def wait_for_message_sync(
        self, chat_id: int, predicate: MessagePredicate | None = None, timeout: float = 5
    ) -> SentMessage:
        """wait_for_message for tests that are not async (stand-in started in a thread)."""
        found = self.state.notifier.wait_for_sync(
            lambda: self._next_unreturned(chat_id, predicate), timeout
        )
        if found is None:
            raise StandInTimeoutError(self._timeout_report(f"a message to chat {chat_id}", chat_id))
        return found

    async def wait_for(
        self, condition: Callable[[], T], timeout: float = 5, what: str = "condition"
    ) -> T:
        """Await until condition() is truthy (checked on every change); return its value."""

        def truthy() -> T | None:
            value = condition()
            return value if value else None

        found = await self.state.notifier.wait_for(truthy, timeout)
        if found is None:
            raise StandInTimeoutError(self._timeout_report(what, None))
        return found

    async def wait_for_call(
        self, method: str, predicate: Callable[[Call], bool] | None = None, timeout: float = 5
    ) -> Call:
        """Await the first received call of method that matches predicate."""

        def match() -> Call | None:
            return next(
                (c for c in self.calls_of(method) if predicate is None or predicate(c)), None
            )

        found = await self.state.notifier.wait_for(match, timeout)
        if found is None:
            raise StandInTimeoutError(self._timeout_report(f"a {method} call", None))
        return found

    def _timeout_report(self, what: str, chat_id: int | None) -> str:
        lines = [f"timed out waiting for {what}"]
        if chat_id is not None:
            sent = [f"  #{m.message_id}: {m.text!r}" for m in self.messages_to(chat_id)]
            lines.append(f"the bot sent to chat {chat_id}:" if sent else "the bot sent nothing")
            lines += sent
        lines.append("last calls: " + ", ".join(f"{c.method}->{c.status}" for c in self.calls[-8:]))
        return "\n".join(lines)

    def take_violations(self) -> list[Violation]:
        """Return and forget the violations seen (for tests that provoke them on purpose)."""
        with self.state.lock:
            found, self.state.violations[:] = list(self.state.violations), []
        return found

    def assert_no_violations(self) -> None:
        """Fail with every spec violation seen, if any."""
        found = self.violations
        if found:
            listed = "\n".join(f"  {v}" for v in found)
            raise AssertionError(f"Bot API spec violations ({self.spec.version}):\n{listed}")
