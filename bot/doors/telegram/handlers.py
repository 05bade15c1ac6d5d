"""Telegram updates in, core calls, replies out: end users and second line in one bot.

Whoever is in the homeworker register (by Telegram user id) gets the homeworker's desk;
everyone else gets the end user's. The role is looked up on every message and button.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from telegram import Message, Update, User
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.core import texts
from bot.core.agent_stats import AgentStats
from bot.core.clock import utc_now
from bot.core.desk import FirstLineDesk
from bot.core.domain import Attachment, Reply, Sender
from bot.core.notices import NoticeBoard
from bot.core.second_line import SecondLineDesk
from bot.core.tickets import Agent
from bot.doors.telegram.buttons import ButtonSigner
from bot.doors.telegram.inbox import Inbox, delivery_key
from bot.doors.telegram.sending import ChatSender, Outcome
from bot.doors.terminal_desk import HELP as DESK_HELP
from bot.doors.terminal_desk import DeskSession
from bot.errors import Refused

T = TypeVar("T")
CHANNEL = "telegram"
log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
_REFERENCE = re.compile(r"\bT-\d+\b")
MY_ID = (
    "Your Telegram user id is {user_id}. To work cases here, ask your admin to run "
    "`triage agents add YOUR-NAME --telegram-id {user_id}`."
)
_NOT_FOR_AGENTS = "Homeworkers send text and commands here; files from second line aren't relayed."


class FirstLook(Protocol):
    """Whether an update was handled before, and whether its sender works second line."""

    @property
    def seen(self) -> bool: ...

    @property
    def from_agent(self) -> bool: ...


class UpdateLog(Inbox, Protocol):
    """Remembers received and handled updates across restarts and processes."""

    def first_look(self, delivery: str, telegram_user_id: str) -> FirstLook: ...

    def remember(self, delivery: str, now: Any) -> None: ...

    def forget_before(self, moment: Any) -> int: ...


@dataclass
class TelegramDoor:
    """Everything the handlers need, wired once at start."""

    desk: FirstLineDesk
    team: SecondLineDesk
    notices: NoticeBoard
    signer: ButtonSigner
    updates: UpdateLog
    sender_for: Callable[[Any], ChatSender]
    stats: AgentStats | None = None
    answered: Callable[[int], None] = lambda update_id: None  # its answer is committed
    core_workers: int = 2
    _locks: defaultdict[int, asyncio.Lock] = field(
        default_factory=lambda: defaultdict(asyncio.Lock)
    )
    _turns: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self._turns = asyncio.Semaphore(self.core_workers)

    async def _in_worker(self, call: Callable[..., T], *arguments: Any) -> T:
        """Run core work (storage, the model) in a worker thread, at most ``core_workers``
        at once. It is mostly Python under the GIL: more at once only queue for the GIL and
        the database, and the switching between them costs CPU. Sends stay concurrent."""
        async with self._turns:
            return await asyncio.to_thread(call, *arguments)

    # --- messages -----------------------------------------------------------------------

    async def on_message(self, update: Update, context: Context) -> None:
        """Any private message: to the homeworker's desk or the end user's."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        async with self._locks[user.id]:
            sender = _sender(user)
            first = await self._in_worker(
                self._as_user,
                update.update_id,
                sender,
                lambda delivery: self._user_message(sender, message, delivery),
            )
            if first is None:
                return
            agent, replies = first
            if agent is not None:
                reply = await self._agent_message(agent, message)
                await self._send(context, message.chat_id, [reply], None)
                await self._remember(update.update_id)
                return
            self.answered(update.update_id)
            await self._send(context, message.chat_id, replies, sender)

    async def on_button(self, update: Update, context: Context) -> None:
        """A quick-answer button: checked, then handled as if the answer had been typed."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None or query.message is None:
            return
        chat_id = query.message.chat.id
        value = self.signer.verify(chat_id, query.data)
        if value is None:
            await query.answer("That button isn't valid any more.")
            return
        await query.answer()
        try:
            await query.edit_message_reply_markup(reply_markup=None)
        except TelegramError as error:  # already edited, or too old: the answer still counts
            log.info("could not remove the buttons: %s", error)
        async with self._locks[user.id]:
            sender = _sender(user)
            first = await self._in_worker(
                self._as_user,
                update.update_id,
                sender,
                lambda delivery: self.desk.handle(sender, value, delivery),
            )
            if first is None:
                return
            agent, replies = first
            if agent is not None:
                reply = await self._agent_command(agent, value)
                await self._send(context, chat_id, [reply], None)
                await self._remember(update.update_id)
                return
            self.answered(update.update_id)
            await self._send(context, chat_id, replies, sender)

    async def _remember(self, update_id: int) -> None:
        await self._in_worker(self.updates.remember, delivery_key(update_id), utc_now())

    def _as_user(
        self, update_id: int, sender: Sender, answer: Callable[[str], list[Reply]]
    ) -> tuple[Agent | None, list[Reply]] | None:
        """In a worker thread: None for an update handled before (Telegram re-sends after a
        crash); the homeworker, if the sender is one; else the desk's answer to the update,
        which the desk records as handled in the same transaction (``answer(delivery)``).

        These share one trip to a thread: each trip costs a wake-up of a worker and of the
        event loop, and under load a wait for the GIL.
        """
        delivery = delivery_key(update_id)
        look = self.updates.first_look(delivery, sender.external_id)
        if look.seen:
            return None
        if look.from_agent:
            agent = self.team.agent_with_telegram_id(sender.external_id)
            if agent is not None:
                return agent, []
        return None, answer(delivery)

    def _user_message(self, sender: Sender, message: Message, delivery: str) -> list[Reply]:
        if message.text is not None and message.text.strip().split("@")[0] == "/myid":
            self.updates.remember(delivery, utc_now())
            return [Reply(MY_ID.format(user_id=sender.external_id))]
        if message.text is not None:
            return self.desk.handle(sender, message.text, delivery)
        attachment = _attachment(message)
        if attachment is None:
            self.updates.remember(delivery, utc_now())
            return [Reply(texts.UNSUPPORTED_MESSAGE)]
        return self.desk.handle_attachment(sender, attachment, message.caption or "", delivery)

    async def _agent_message(self, agent: Agent, message: Message) -> Reply:
        text = message.text
        if text is None:
            return Reply(_NOT_FOR_AGENTS)
        if text.startswith("/"):
            command, _, rest = text[1:].partition(" ")
            line = f"{command.split('@')[0]} {rest}".strip()
            if line.casefold() in ("start", "help"):
                return Reply(_agent_help())
            return await self._agent_command(agent, line)
        reference = _replied_reference(message)
        return await self._agent_call(lambda: self.team.reply(agent.id, text, reference))

    async def _agent_command(self, agent: Agent, line: str) -> Reply:
        session = DeskSession(self.team, agent, lambda: [], stats=self.stats)
        return await self._agent_call(lambda: session.answer(line))

    async def _agent_call(self, call: Callable[[], Reply]) -> Reply:
        try:
            return await self._in_worker(call)
        except Refused as refusal:
            return Reply(f"⚠️ {refusal}")

    async def _send(
        self, context: Context, chat_id: int, replies: list[Reply], sender: Sender | None
    ) -> None:
        chat = self.sender_for(context.bot)
        for number, reply in enumerate(replies):
            outcome = await chat.try_send(chat_id, reply)
            if outcome is Outcome.RETRY and sender is not None:
                await self._in_worker(self.notices.defer_to_user, sender, replies[number:])
                return
            if outcome is not Outcome.SENT:
                return

    async def on_error(self, update: object, context: Context) -> None:
        """Log what went wrong; the user gets a short apology, never a traceback."""
        log.error("error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await context.bot.send_message(update.effective_chat.id, texts.SOMETHING_WENT_WRONG)
            except TelegramError:
                log.warning("could not tell chat %s about the error", update.effective_chat.id)


def _sender(user: User) -> Sender:
    return Sender(CHANNEL, str(user.id), user.full_name)


def _attachment(message: Message) -> Attachment | None:
    if message.photo:
        return Attachment("photo", message.photo[-1].file_id)
    if message.document is not None:
        return Attachment("document", message.document.file_id, message.document.file_name or "")
    return None


def _replied_reference(message: Message) -> str | None:
    """The ticket a homeworker's reply-to points at, when they reply to a relayed message."""
    replied = message.reply_to_message
    if replied is None or not replied.text:
        return None
    found = _REFERENCE.search(replied.text)
    return found.group(0) if found else None


def _agent_help() -> str:
    lines = DESK_HELP.replace("Commands (one per line):", "Commands:").splitlines()
    commands = [
        line.replace("  ", "  /", 1) if line.startswith("  ") and line[2:3].isalpha() else line
        for line in lines
    ]
    return "\n".join(
        [
            *commands,
            "Anything you type without a command goes to the user of your current case;",
            "reply to a relayed message to answer on that message's case.",
        ]
    )
