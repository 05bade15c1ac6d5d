"""Sending replies and notices to Telegram, and what to do when Telegram says no.

- Sent, or timed out (Telegram may have got it): never sent again, so nothing arrives twice.
- In flight when its sender died (a crash mid-request; Telegram may have got it): never sent
  again either, and recorded "in doubt". The Bot API has no idempotency key, so the choice
  is a rare message that never arrived (a kill between the mark and the request leaving)
  over a frequent one that arrives twice (a kill while Telegram answers).
- 429, 5xx or no connection: not sent; the notice goes back to the outbox and is retried.
- Blocked by the user, or a chat that no longer exists: logged, and not retried.

An offer is remembered by its message ("chat:message"), so that once the case has moved on
its withdrawal is shown in its place, without the Claim button (editMessageText).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.core.domain import Attachment, Reply, TextPart
from bot.core.notices import Delivery, NoticeBoard
from bot.core.tickets import DeliveryOutcome
from bot.doors.telegram.buttons import ButtonSigner
from bot.doors.telegram.rendering import keyboard, message_pieces

log = logging.getLogger(__name__)


class SendResult(StrEnum):
    """How one attempt to send went."""

    SENT = "sent"
    RETRY = "retry"  # certainly not delivered: try again later
    TIMED_OUT = "timed out"  # Telegram may have it: never sent again, counted apart
    IN_DOUBT = "in doubt"  # in flight when its sender died: never sent again, counted apart
    HELD = "held"  # another sender started it: theirs to finish (or a courier's, later)
    GIVE_UP = "give up"  # will never be delivered (blocked, or refused)


def classify(error: TelegramError) -> SendResult:
    """Whether a failed send should be tried again."""
    if isinstance(error, TimedOut):
        return SendResult.TIMED_OUT  # the request may have reached Telegram: don't resend
    if isinstance(error, RetryAfter | NetworkError) and not isinstance(error, BadRequest):
        return SendResult.RETRY
    return SendResult.GIVE_UP


class NotAllSent(Exception):
    """A reply stopped part way: ``sent`` of its pieces were delivered (or timed out)."""

    def __init__(self, sent: int, error: TelegramError) -> None:
        super().__init__(str(error))
        self.sent = sent
        self.error = error


class ChatSender:
    """Renders core replies for a chat and sends them."""

    def __init__(self, bot: Bot, signer: ButtonSigner) -> None:
        self._bot = bot
        self._signer = signer

    async def send(
        self,
        chat_id: int,
        reply: Reply,
        attachment: Attachment | None = None,
        first_piece: int = 0,
        accepted: Callable[[int], Awaitable[None]] | None = None,
    ) -> str:
        """Send a reply: text in pieces under the limit, buttons on the last piece, then files;
        the reference of the piece with the buttons. ``first_piece`` skips the pieces (and
        files) an earlier attempt already delivered; ``accepted`` is told how many went
        after each piece but the last (so a crash resends only the rest). A failure worth
        retrying raises :class:`NotAllSent` with how many went; a piece that timed out is
        not sent again and the rest still go, then :class:`NotAllSent` says it timed out."""
        texts, files = _pieces(reply, attachment)
        markup = keyboard(reply.choices, self._signer, chat_id)
        reference = ""
        timed_out: TimedOut | None = None
        for number in range(first_piece, len(texts) + len(files)):
            try:
                if number < len(texts):
                    last = number == len(texts) - 1
                    sent = await self._bot.send_message(
                        chat_id,
                        texts[number],
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup if last else None,
                    )
                    reference = message_reference(sent) if last else reference
                else:
                    await self._send_file(chat_id, files[number - len(texts)])
            except TimedOut as error:
                timed_out = error  # it may have arrived: go on with the next piece
            except TelegramError as error:
                raise NotAllSent(number, error) from error
            if accepted is not None and number + 1 < len(texts) + len(files):
                await accepted(number + 1)
        if timed_out is not None:
            raise NotAllSent(len(texts) + len(files), timed_out)
        return reference

    async def replace(self, reference: str, text: str) -> None:
        """Show ``text`` in place of a message sent before, without its buttons."""
        chat_id, message_id = parse_reference(reference)
        await self._bot.edit_message_text(
            message_pieces((TextPart(text),))[0],
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
        """Send once, and say how it went instead of raising (for what is never kept in the
        outbox: a refusal quoting what its sender typed)."""
        try:
            await self.send(chat_id, reply)
        except NotAllSent as failure:
            error = failure.error
            result = classify(error)
            if isinstance(error, Forbidden):
                log.warning("chat %s blocked the bot; message not delivered", chat_id)
            else:
                log.warning("sending to chat %s failed (%s): %s", chat_id, result, error)
            return result
        return SendResult.SENT


class OutboxCourier:
    """Delivers the outbox to Telegram users and homeworkers: each notice is leased, sent,
    and only then marked delivered; one that failed in a way worth retrying is freed with
    the pieces already sent remembered, and one that timed out is never sent again."""

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
            result = await self.deliver(delivery)
            if result is SendResult.RETRY:
                break
            sent += result is SendResult.SENT
        return sent

    async def deliver(self, delivery: Delivery, reserved: bool = False) -> SendResult:
        """Send one notice this process holds (leased, or ``reserved`` for the door that
        handled its update, marked in flight first), and record how it went."""
        if reserved and not await asyncio.to_thread(self._notices.start_sending, delivery):
            return SendResult.HELD
        result, pieces, reference = await self._attempt(delivery)
        if result is SendResult.RETRY:
            await asyncio.to_thread(self._notices.retry_later, delivery, pieces)
            return result
        outcome = {
            SendResult.SENT: DeliveryOutcome.SENT,
            SendResult.TIMED_OUT: DeliveryOutcome.TIMED_OUT,
            SendResult.IN_DOUBT: DeliveryOutcome.IN_DOUBT,
        }.get(result, DeliveryOutcome.UNDELIVERABLE)
        await asyncio.to_thread(self._notices.delivered, delivery, outcome, reference)
        return result

    async def _attempt(self, delivery: Delivery) -> tuple[SendResult, int, str]:
        notice = delivery.notice
        try:
            chat_id = int(delivery.address)
        except ValueError:
            log.error("notice %s has no usable Telegram address", delivery.id)
            return SendResult.GIVE_UP, 0, ""
        reply = Reply(notice.text, notice.choices, parts=notice.parts)
        first_piece = delivery.pieces_sent
        if delivery.in_flight and delivery.replaces is None:  # an edit may simply be redone
            log.warning(
                "notice %s was being sent when its sender stopped: piece %s may have arrived "
                "and is not sent again",
                delivery.id,
                first_piece + 1,
            )
            first_piece += 1
            texts, files = _pieces(reply, notice.attachment)
            if first_piece >= len(texts) + len(files):
                return SendResult.IN_DOUBT, first_piece, ""
        try:
            if delivery.replaces is not None:
                await self._sender.replace(delivery.replaces, notice.text)
                return SendResult.SENT, 1, ""
            reference = await self._sender.send(
                chat_id,
                reply,
                notice.attachment,
                first_piece=first_piece,
                accepted=lambda pieces: asyncio.to_thread(self._notices.progress, delivery, pieces),
            )
        except NotAllSent as failure:
            result = classify(failure.error)
            log.warning("delivering notice %s failed (%s): %s", delivery.id, result, failure)
            return result, failure.sent, ""
        except TelegramError as error:  # replacing an offer
            result = classify(error)
            log.warning("delivering notice %s failed (%s): %s", delivery.id, result, error)
            return result, 0, ""
        in_doubt = first_piece > delivery.pieces_sent
        return (SendResult.IN_DOUBT if in_doubt else SendResult.SENT), 0, reference


def _pieces(
    reply: Reply, attachment: Attachment | None
) -> tuple[list[str], tuple[Attachment, ...]]:
    """What :meth:`ChatSender.send` sends for a reply, in order: its text in pieces under
    Telegram's limit, then its files."""
    return message_pieces(reply.text_parts), (
        *reply.attachments,
        *([attachment] if attachment else []),
    )


def message_reference(message: Message) -> str:
    """How the desk names a message the bot sent: "chat:message"."""
    return f"{message.chat_id}:{message.message_id}"


def parse_reference(reference: str) -> tuple[int, int]:
    """The chat and message ids behind :func:`message_reference`'s name."""
    chat, _, message = reference.partition(":")
    return int(chat), int(message)
