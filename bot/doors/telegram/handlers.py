"""Telegram updates in, core calls, replies out: end users and second line in one bot.

Whoever is in the homeworker register (by Telegram user id) gets the homeworker's desk;
everyone else gets the end user's. The role is looked up on every message and button.
Every core call carries the update's delivery key, so the core records the update as
handled in the transaction that acts on it; an update handled before gets no answer
(see ``updates.py`` for the whole life of an update).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from telegram import Message, Update, User
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.core import texts
from bot.core.agent_stats import AgentStats
from bot.core.desk import FirstLineDesk
from bot.core.domain import Attachment, Reply, Sender
from bot.core.notices import Delivery, NoticeBoard
from bot.core.second_line import SecondLineDesk
from bot.core.tickets import Agent
from bot.doors.desk_commands import desk_help, run_desk_command
from bot.doors.telegram.buttons import ButtonSigner, Pressed
from bot.doors.telegram.sending import ChatSender, OutboxCourier, SendResult
from bot.doors.telegram.updates import delivery_key
from bot.doors.telegram.user_turns import UserTurns
from bot.errors import AlreadyHandled, Refused

T = TypeVar("T")
CHANNEL = "telegram"
log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
_REFERENCE = re.compile(r"\bT-\d+\b")
MY_ID = (
    "Your Telegram user id is {user_id}. To work cases here, ask your admin to run "
    "`triage agents add YOUR-NAME --telegram-id {user_id}`."
)
_NOT_FOR_AGENTS = (
    "Homeworkers send text, commands, photos and documents here; other kinds of message "
    "aren't relayed to the user."
)


@dataclass(frozen=True)
class Answer:
    """What the door sends back for one update, to whom, and whether the core has handled it
    (every answer goes out through the outbox, addressed to the user or the homeworker)."""

    replies: list[Reply]
    user: Sender | None = None  # an end user's answer
    handled: bool = False  # acted on and recorded by the core: safe before it is sent
    keep: bool = True  # False: never stored (a refusal quoting what was typed), sent once
    agent_id: int | None = None  # a homeworker's answer

    @property
    def to_someone(self) -> bool:
        """Whether it is for a person the outbox can address (a user or a homeworker)."""
        return self.user is not None or self.agent_id is not None


@dataclass
class TelegramDoor:
    """Everything the handlers need, wired once at start."""

    desk: FirstLineDesk
    team: SecondLineDesk
    notices: NoticeBoard
    signer: ButtonSigner
    sender_for: Callable[[Any], ChatSender]
    stats: AgentStats | None = None
    handled: Callable[[int], None] = lambda update_id: None  # the core recorded it, committed
    _turns: UserTurns = field(default_factory=UserTurns)

    @staticmethod
    async def _in_worker(call: Callable[..., T], *arguments: Any) -> T:
        """Run core work (storage, the model) in a worker thread, off the event loop. The
        core triages and searches before it opens a transaction, so a slow model never holds
        a write lock that other users' answers would wait for."""
        return await asyncio.to_thread(call, *arguments)

    # --- updates ------------------------------------------------------------------------

    async def on_message(self, update: Update, context: Context) -> None:
        """Any private message: to the homeworker's desk or the end user's."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        async with self._turns.turn(user.id):
            answer = await self._in_worker(
                self._answer_message, _sender(user), message, delivery_key(update.update_id)
            )
            await self._reply(context, update.update_id, message.chat_id, answer)

    async def on_edited(self, update: Update, context: Context) -> None:
        """An edit of a message sent before: never acted on. Its case may not be the current
        one any more, and a command must not run twice, so the sender is asked to send the
        correction as a new message."""
        message, user = update.edited_message, update.effective_user
        if message is None or user is None:
            return
        log.info("an edited message was not acted on (update %s)", update.update_id)
        answer = await self._in_worker(self._edit_not_used, _sender(user))
        await self._reply(context, update.update_id, message.chat_id, answer)

    async def on_button(self, update: Update, context: Context) -> None:
        """A quick-answer button: checked, then handled as if the answer had been typed, in
        its turn with the user's messages; only then is the press settled (the spinner
        stopped, the buttons taken away), so a press Telegram calls too old still acts."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None or query.message is None:
            return
        chat_id = query.message.chat.id
        pressed = self.signer.verify(chat_id, query.data)
        if pressed is None:
            with contextlib.suppress(TelegramError):
                await query.answer("That button isn't valid any more.")
            return
        async with self._turns.turn(user.id):
            answer = await self._in_worker(
                self._answer_button, _sender(user), pressed, delivery_key(update.update_id)
            )
            if answer.handled:
                self.handled(update.update_id)
            try:
                await query.answer()
                await query.edit_message_reply_markup(reply_markup=None)
            except TelegramError as error:  # answered or edited before (a press delivered
                log.info("could not settle the pressed button: %s", error)  # again), too old
            await self._reply(context, update.update_id, chat_id, answer)

    async def _reply(self, context: Context, update_id: int, chat_id: int, answer: Answer) -> None:
        """Send an update's answer from the outbox: kept there with the change it caused, or,
        for an update that changed nothing, kept now with the update recorded as handled. A
        crash before it is sent loses nothing, and the update delivered again answers nothing
        more. A refusal is the exception: it may quote what its sender typed (a password
        where a case reference belongs), so it is never stored, only sent once."""
        if answer.handled:
            self.handled(update_id)
        if not answer.replies or not answer.to_someone:
            return
        chat = self.sender_for(context.bot)
        if not answer.keep:
            first = await self._in_worker(self.notices.record_handled, delivery_key(update_id))
            self.handled(update_id)
            for reply in answer.replies if first else ():
                await chat.try_send(chat_id, reply)
            return
        kept = await self._in_worker(self._reserved, delivery_key(update_id), str(chat_id), answer)
        self.handled(update_id)
        courier = OutboxCourier(self.notices, chat)
        for number, delivery in enumerate(kept):
            result = await courier.deliver(delivery, reserved=True)
            if result is SendResult.HELD:
                return  # the update delivered again: the sender that started these ends them
            if result is SendResult.RETRY:
                # it and what follows are freed: the courier's next round sends them, in
                # order, instead of once their reservation ends
                await self._in_worker(self.notices.give_back_all, kept[number + 1 :])
                return

    # --- in a worker thread: one trip for the role and the answer -------------------------

    def _reserved(self, key: str, address: str, answer: Answer) -> list[Delivery]:
        """The answers to the update ``key`` reserved for this door to send: those the core
        kept with its change, else these, kept now (none if it was answered before)."""
        kept = self.notices.reserved_for(key, address)
        if kept is not None:
            return kept
        if not self.notices.keep_answers(key, answer.replies, answer.user, answer.agent_id):
            return []
        return self.notices.reserved_for(key, address) or []

    def _answer_message(self, sender: Sender, message: Message, delivery: str) -> Answer:
        agent = self.team.agent_with_telegram_id(sender.external_id)
        if agent is not None:  # a failed send of the answer waits in the outbox
            return replace(self._agent_message(agent, message, delivery), agent_id=agent.id)
        if message.text is not None and message.text.strip().split("@")[0] == "/myid":
            return Answer([Reply(MY_ID.format(user_id=sender.external_id))], sender)
        if message.text is not None:
            replies = self.desk.handle(sender, message.text, delivery)
            return _kept(replies, sender)
        attachment = _attachment(message)
        if attachment is None:
            return Answer([Reply(texts.UNSUPPORTED_MESSAGE)], sender)
        replies = self.desk.handle_attachment(sender, attachment, message.caption or "", delivery)
        return _kept(replies, sender)

    def _edit_not_used(self, sender: Sender) -> Answer:
        """The one answer to an edit; one Telegram refuses waits in the outbox."""
        said = [Reply(texts.EDIT_NOT_USED)]
        agent = self.team.agent_with_telegram_id(sender.external_id)
        return Answer(said, agent_id=agent.id) if agent is not None else Answer(said, sender)

    def _answer_button(self, sender: Sender, pressed: Pressed, delivery: str) -> Answer:
        agent = self.team.agent_with_telegram_id(sender.external_id)
        if agent is not None:
            answer = _acting(lambda: self._agent_command(agent, pressed.value, delivery))
            return replace(answer, agent_id=agent.id)
        replies = self.desk.handle(sender, pressed.value, delivery, about=pressed.about or None)
        return _kept(replies, sender)

    def _agent_message(self, agent: Agent, message: Message, delivery: str) -> Answer:
        text = message.text
        if text is None:
            return self._agent_attachment(agent, message, delivery)
        if text.startswith("/"):
            command, _, rest = text[1:].partition(" ")
            line = f"{command.split('@')[0]} {rest}".strip()
            if line.casefold() in ("start", "help"):
                return Answer([Reply(_agent_help())])
            return _acting(lambda: self._agent_command(agent, line, delivery))
        reference = _replied_reference(message)
        return _acting(lambda: self.team.reply(agent.id, text, reference, delivery=delivery))

    def _agent_attachment(self, agent: Agent, message: Message, delivery: str) -> Answer:
        """A homeworker's photo or document goes to the user of the case, like their text."""
        attachment = _attachment(message)
        if attachment is None:
            return Answer([Reply(_NOT_FOR_AGENTS)])
        caption, reference = message.caption or "", _replied_reference(message)
        return _acting(
            lambda: self.team.send_attachment(
                agent.id, attachment, caption, reference, delivery=delivery
            )
        )

    def _agent_command(self, agent: Agent, line: str, delivery: str) -> Reply:
        return run_desk_command(self.team, agent, line, self.stats, delivery)

    async def on_error(self, update: object, context: Context) -> None:
        """Log what went wrong; the user gets a short apology, never a traceback."""
        log.error("error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await context.bot.send_message(update.effective_chat.id, texts.SOMETHING_WENT_WRONG)
            except TelegramError:
                log.warning("could not tell chat %s about the error", update.effective_chat.id)


def _kept(replies: list[Reply], sender: Sender) -> Answer:
    """A user's answer from the desk, kept in the outbox with what it changed (none: the
    update was handled before, and what the first time kept is sent by whoever holds it)."""
    return Answer(replies, sender, handled=True)


def _acting(act: Callable[[], Reply]) -> Answer:
    """A homeworker's action: its reply (kept in the outbox with the change, or kept now if
    the command only reads); nothing for one carried out before; a refusal (nothing changed)
    as a warning, sent once and never stored: it may quote what they typed."""
    try:
        return Answer([act()], handled=True)
    except AlreadyHandled:
        return Answer([], handled=True)
    except Refused as refusal:
        return Answer([Reply(f"⚠️ {refusal}")], keep=False)  # it may quote what was typed


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
    return desk_help("/")
