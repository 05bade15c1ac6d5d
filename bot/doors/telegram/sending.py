"""Sending replies and notices to Telegram, and what to do when Telegram says no.

- Sent, or timed out (Telegram may have got it): never sent again, so nothing arrives twice.
- 429, 5xx or no connection: not sent; the notice goes back to the outbox and is retried.
- Blocked by the user, or a chat that no longer exists: logged, and not retried.

An offer is remembered by its message ("chat:message"), so that once the case has moved on
its withdrawal is shown in its place, without the Claim button (editMessageText).
"""

from __future__ import annotations

import asyncio
import logging
from enum import StrEnum

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.core.domain import Attachment, Reply
from bot.core.notices import Delivery, NoticeBoard
from bot.doors.telegram.buttons import ButtonSigner
from bot.doors.telegram.rendering import keyboard, split_html

log = logging.getLogger(__name__)


class SendResult(StrEnum):
    """How one attempt to send went."""

    SENT = "sent"
    RETRY = "retry"  # certainly not delivered: try again later
    GIVE_UP = "give up"  # will never be delivered, or may already have been


def classify(error: TelegramError) -> SendResult:
    """Whether a failed send should be tried again."""
    if isinstance(error, TimedOut):
        return SendResult.GIVE_UP  # the request may have reached Telegram: don't send it twice
    if isinstance(error, RetryAfter | NetworkError) and not isinstance(error, BadRequest):
        return SendResult.RETRY
    return SendResult.GIVE_UP


class ChatSender:
    """Renders core replies for a chat and sends them."""

    def __init__(self, bot: Bot, signer: ButtonSigner) -> None:
        self._bot = bot
        self._signer = signer

    async def send(self, chat_id: int, reply: Reply, attachment: Attachment | None = None) -> str:
        """Send a reply: text in pieces under the limit, buttons on the last piece, then files;
        the reference of the piece with the buttons."""
        pieces = split_html(reply.text)
        markup = keyboard(reply.choices, self._signer, chat_id)
        reference = ""
        for number, piece in enumerate(pieces, start=1):
            sent = await self._bot.send_message(
                chat_id,
                piece,
                parse_mode=ParseMode.HTML,
                reply_markup=markup if number == len(pieces) else None,
            )
            reference = message_reference(sent)
        for item in (*reply.attachments, *([attachment] if attachment else [])):
            await self._send_file(chat_id, item)
        return reference

    async def replace(self, reference: str, text: str) -> None:
        """Show ``text`` in place of a message sent before, without its buttons."""
        chat_id, message_id = parse_reference(reference)
        await self._bot.edit_message_text(
            split_html(text)[0],
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=None,
        )

    async def _send_file(self, chat_id: int, attachment: Attachment) -> Message:
        if attachment.kind == "photo":
            return await self._bot.send_photo(chat_id, attachment.ref)
        return await self._bot.send_document(chat_id, attachment.ref)

    async def try_send(self, chat_id: int, reply: Reply) -> SendResult:
        """Send, and say how it went instead of raising."""
        try:
            await self.send(chat_id, reply)
        except TelegramError as error:
            result = classify(error)
            if isinstance(error, Forbidden):
                log.warning("chat %s blocked the bot; message not delivered", chat_id)
            else:
                log.warning("sending to chat %s failed (%s): %s", chat_id, result, error)
            return result
        return SendResult.SENT


class OutboxCourier:
    """Delivers the outbox to Telegram users and homeworkers, each notice at most once."""

    def __init__(self, notices: NoticeBoard, sender: ChatSender, batch: int = 50) -> None:
        self._notices = notices
        self._sender = sender
        self._batch = batch

    async def deliver_due(self) -> int:
        """Send what is due; stop the round at the first failure worth retrying."""
        sent = 0
        for delivery in await asyncio.to_thread(self._notices.due_on, "telegram", self._batch):
            if not await asyncio.to_thread(self._notices.take, delivery):
                continue  # another process is delivering it
            result = await self._deliver(delivery)
            if result is SendResult.RETRY:
                await asyncio.to_thread(self._notices.give_back, delivery)
                break
            sent += result is SendResult.SENT
        return sent

    async def _deliver(self, delivery: Delivery) -> SendResult:
        notice = delivery.notice
        try:
            chat_id = int(delivery.address)
        except ValueError:
            log.error("notice %s has no usable Telegram address", delivery.id)
            return SendResult.GIVE_UP
        reply = Reply(notice.text, notice.choices)
        try:
            if delivery.replaces is not None:
                await self._sender.replace(delivery.replaces, notice.text)
                return SendResult.SENT
            reference = await self._sender.send(chat_id, reply, notice.attachment)
        except TelegramError as error:
            log.warning("delivering notice %s failed: %s", delivery.id, error)
            return classify(error)
        await asyncio.to_thread(self._notices.sent, delivery, reference)
        return SendResult.SENT


def message_reference(message: Message) -> str:
    """How the desk names a message the bot sent: "chat:message"."""
    return f"{message.chat_id}:{message.message_id}"


def parse_reference(reference: str) -> tuple[int, int]:
    """The chat and message ids behind :func:`message_reference`'s name."""
    chat, _, message = reference.partition(":")
    return int(chat), int(message)
