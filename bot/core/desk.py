"""The first-line desk service: stores each message and the bot's answer to it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.core import texts
from bot.core.clock import utc_now
from bot.core.dialogue import Dialogue, Turn
from bot.core.domain import Attachment, ConversationStatus, Direction, Reply, Sender, Stage
from bot.core.incident_intake import open_incident_reported
from bot.core.intents import Intent
from bot.core.masking import contains_credentials, mask_sensitive
from bot.core.notices import reserve_answers
from bot.core.ports import (
    Clock,
    KnowledgeBase,
    ReplyReader,
    Triage,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.core.reading import Reading
from bot.core.reply_reading import Expecting, FastPathReader, ReplyReading
from bot.core.tickets import DEFAULT_SERVICE_LEVELS, ServiceLevels, TicketStatus
from bot.core.user_cases import UserCases

MAX_MESSAGE_CHARS = 4000
# A message read as not about IT gets an article only if it matches this many times better
# than the knowledge base's minimum score: one shared word ("order") is not enough.
OFF_TOPIC_ARTICLE_BAR = 1.5
# What a user sends as a command, not as words to read: never triaged.
_COMMANDS = frozenset({Intent.EMPTY, Intent.START, Intent.HELP, Intent.CANCEL, Intent.STATUS})


@dataclass(frozen=True)
class IncomingText:
    """A user's message as the desk reads it: cleaned, masked and cut to the size limit.

    ``text`` is the masked text, the only one the dialogue, triage and storage see;
    ``original`` is the unmasked text, stored only where the settings ask to keep it.
    """

    text: str
    truncated: bool
    original: str = ""
    has_credentials: bool = False

    @classmethod
    def read(cls, raw: str, limit: int = MAX_MESSAGE_CHARS) -> IncomingText:
        """Strip NUL and surrounding space, mask, and keep at most ``limit`` characters."""
        cleaned = raw.replace("\x00", "").strip()
        masked = mask_sensitive(cleaned).text
        return cls(
            masked[:limit],
            truncated=len(masked) > limit,
            original=cleaned[:limit],
            has_credentials=contains_credentials(cleaned),
        )


class FirstLineDesk:
    """Answers end users from the knowledge base and hands over what it can't solve."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        triage: Triage,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock = utc_now,
        max_message_chars: int = MAX_MESSAGE_CHARS,
        levels: ServiceLevels = DEFAULT_SERVICE_LEVELS,
        keep_unmasked: bool = False,
        replies: ReplyReader | None = None,
    ) -> None:
        self._replies: ReplyReader = replies or FastPathReader()
        self._dialogue = Dialogue(knowledge)
        self._triage = triage
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._max_chars = max_message_chars
        self._cases = UserCases(levels)
        self._levels = levels
        self._keep_unmasked = keep_unmasked

    @staticmethod
    def welcome() -> Reply:
        """The greeting a door may show before the user writes anything."""
        return Reply(texts.WELCOME)

    def handle(
        self,
        sender: Sender,
        raw_text: str,
        delivery: str | None = None,
        about: str | None = None,
    ) -> list[Reply]:
        """Answer one message from ``sender``; the exchange is stored before returning.

        ``delivery`` names this message where its channel may deliver it again (after a
        crash): it is recorded with the answer, and the same one again gets no answer.
        ``about`` is set when the message is a quick answer (a button) bound to what it
        answered (:attr:`Choice.about`): once that is no longer asked, it changes nothing.
        """
        incoming = IncomingText.read(raw_text, self._max_chars)
        if not incoming.text:
            return [Reply(texts.EMPTY)]
        reply = self._replies.read(incoming.text, self._expecting(sender))
        reading = self._read(sender, reply.intent, incoming.text)
        if reply.intent is Intent.OUT_OF_SCOPE and self._knows(reading, incoming.text):
            reply = ReplyReading(Intent.QUESTION, reply.confidence)  # an article answers it
        if (
            reading.verdict is not None
            and reading.verdict.from_rule
            and reply.intent is not Intent.REOPEN  # "not fixed, still encrypted": its case
        ):
            reply = ReplyReading(Intent.QUESTION)  # "no, and now it's smoking": never a reply
        now = self._clock()
        with self._unit_of_work() as uow:
            if delivery is not None and not uow.deliveries.first_time(delivery, now):
                return []
            user_id = uow.users.ensure(sender, now)
            if about is not None and not self._still_asked(uow, user_id, about):
                replies = [Reply(texts.BUTTON_OUT_OF_DATE)]  # nothing else changes
            else:
                replies = self._handle(uow, sender, user_id, reply, incoming, reading, now)
            reserve_answers(uow, replies, delivery, now, user_id=user_id)
            uow.commit()
        return replies

    @staticmethod
    def _still_asked(uow: UnitOfWork, user_id: int, about: str) -> bool:
        """Whether the question a button answers (an article's "did that solve it?", a
        case's rating) is still the one the user's conversation is waiting on."""
        conversation = uow.conversations.open_for(user_id)
        if conversation is None:
            return False
        if about.startswith(texts.ARTICLE_ASKED):
            return conversation.current_article_id == about.removeprefix(texts.ARTICLE_ASKED)
        ticket = uow.tickets.for_conversation(conversation.id)
        return (
            ticket is not None
            and ticket.reference == about
            and ticket.status is TicketStatus.RESOLVED
        )

    def _expecting(self, sender: Sender) -> Expecting:
        """What the sender's conversation waits for, which decides what a short reply means."""
        with self._unit_of_work(read_only=True) as uow:
            user_id = uow.users.find(sender)
            conversation = None if user_id is None else uow.conversations.open_for(user_id)
            if conversation is None:
                return Expecting.NOTHING
            if conversation.status is ConversationStatus.NEEDS_HUMAN:
                ticket = uow.tickets.for_conversation(conversation.id)
                resolved = ticket is not None and ticket.status is TicketStatus.RESOLVED
                return Expecting.RATING if resolved else Expecting.CASE
        if conversation.stage is Stage.AWAITING_FEEDBACK:
            return Expecting.ANSWER
        if conversation.stage is Stage.AWAITING_DETAIL:
            return Expecting.DETAIL
        return Expecting.NOTHING

    def _with_known_problem(
        self, uow: UnitOfWork, intent: Intent, text: str, reading: Reading, now: datetime
    ) -> Reading:
        """A question that reports an open major incident goes to its case at once (linked
        to the incident, the user told it is a known problem), not to an article."""
        verdict = reading.verdict
        if intent is not Intent.QUESTION or verdict is None or verdict.escalate:
            return reading
        incident = open_incident_reported(uow, text, verdict.category, now, self._levels.burst)
        if incident is None:
            return reading
        return replace(reading, verdict=verdict.reporting(incident.reference, incident.title))

    def _knows(self, reading: Reading, text: str) -> bool:
        """Whether the knowledge base has a clear answer to ``text`` (searched already), clear
        enough to outweigh the reading that it is not about IT: "book a meeting room" is
        answered, "order pizza" is not, though one of its words is in the hardware article."""
        found = reading.matches_for(text)
        return found is not None and self._dialogue.is_confident(found, OFF_TOPIC_ARTICLE_BAR)

    def _read(self, sender: Sender, intent: Intent, text: str) -> Reading:
        """Triage every message a person wrote (whatever state the conversation is in), and
        search a question, before any unit of work that writes is open."""
        if intent in _COMMANDS:
            return Reading()
        verdict = self._triage.assess(text)
        if intent is Intent.OUT_OF_SCOPE:  # unless the articles know it ("book a meeting room")
            return Reading(verdict, {text: self._dialogue.search(text)})
        if intent is not Intent.QUESTION:
            return Reading(verdict)
        searches = {text: self._dialogue.search(text)}
        if not verdict.escalate and not self._dialogue.is_confident(searches[text]):
            with self._unit_of_work(read_only=True) as uow:
                user_id = uow.users.find(sender)
                conversation = None if user_id is None else uow.conversations.open_for(user_id)
            combined = self._dialogue.combined_question(conversation, text)
            if combined is not None:
                searches[combined] = self._dialogue.search(combined)
        return Reading(verdict, searches)

    def handle_attachment(
        self,
        sender: Sender,
        attachment: Attachment,
        caption: str = "",
        delivery: str | None = None,
    ) -> list[Reply]:
        """Keep a photo or document with the user's case (or conversation) and say so."""
        now = self._clock()
        masked_caption = IncomingText.read(caption, self._max_chars).text
        text = f"{attachment.describe()} {masked_caption}".strip()
        with self._unit_of_work() as uow:
            if delivery is not None and not uow.deliveries.first_time(delivery, now):
                return []
            user_id = uow.users.ensure(sender, now)
            conversation = uow.conversations.open_for(user_id) or uow.conversations.start(
                user_id, now
            )
            uow.messages.add(conversation.id, Direction.INBOUND, text, now, attachment=attachment)
            reply = self._cases.on_attachment(uow, conversation, attachment, text, now)
            self._store_out(uow, conversation.id, [reply], now)
            uow.conversations.save(conversation, now)
            reserve_answers(uow, [reply], delivery, now, user_id=user_id)
            uow.commit()
        return [reply]

    def _handle(
        self,
        uow: UnitOfWork,
        sender: Sender,
        user_id: int,
        reply: ReplyReading,
        incoming: IncomingText,
        reading: Reading,
        now: datetime,
    ) -> list[Reply]:
        intent = reply.intent
        warning = [Reply(texts.CREDENTIALS_WARNING)] if incoming.has_credentials else []
        conversation = uow.conversations.open_for(user_id)
        if conversation is None or conversation.status is not ConversationStatus.NEEDS_HUMAN:
            if intent is Intent.STATUS:
                return [self._cases.status(uow, user_id, now)]
            if conversation is None and intent is Intent.CANCEL:
                return [Reply(texts.NOTHING_TO_CANCEL)]
        if conversation is not None and conversation.status is ConversationStatus.NEEDS_HUMAN:
            answer = self._cases.on_message(
                uow, conversation, reply, incoming.text, now, reading.verdict
            )
            if answer is not None:
                if incoming.truncated:
                    answer.insert(0, Reply(texts.TRUNCATED.format(limit=self._max_chars)))
                self._store_in(uow, conversation.id, incoming, now)
                self._store_out(uow, conversation.id, [*warning, *answer], now)
                uow.conversations.save(conversation, now)
                return [*warning, *answer]
            uow.conversations.save(conversation, now)
            conversation = None
        if intent is Intent.EMPTY:  # nothing for first line to read; a person's case takes it
            return [Reply(texts.EMPTY)]
        if conversation is None:
            conversation = uow.conversations.start(user_id, now)
        self._store_in(uow, conversation.id, incoming, now)
        reading = self._with_known_problem(uow, intent, incoming.text, reading, now)
        turn = self._dialogue.respond(conversation, intent, incoming.text, reading)
        if incoming.truncated:
            turn.replies.insert(0, Reply(texts.TRUNCATED.format(limit=self._max_chars)))
        turn.replies[:0] = warning
        if turn.handoff is not None:
            _, told = self._cases.open_case(
                uow, conversation, turn.handoff, sender.display_name or sender.external_id, now
            )
            turn.replies.append(Reply(told))
        self._record(uow, conversation.id, turn, now)
        uow.conversations.save(conversation, now)
        return turn.replies

    def _store_in(
        self,
        uow: UnitOfWork,
        conversation_id: int,
        incoming: IncomingText,
        now: datetime,
    ) -> None:
        kept = self._keep_unmasked and incoming.original != incoming.text
        uow.messages.add(
            conversation_id,
            Direction.INBOUND,
            incoming.text,
            now,
            incoming.truncated,
            original=incoming.original if kept else None,
        )

    @staticmethod
    def _store_out(
        uow: UnitOfWork, conversation_id: int, replies: list[Reply], now: datetime
    ) -> None:
        for reply in replies:
            uow.messages.add(conversation_id, Direction.OUTBOUND, reply.text, now)

    def _record(self, uow: UnitOfWork, conversation_id: int, turn: Turn, now: datetime) -> None:
        for answered in turn.feedback:
            if answered.outcome is not None:
                uow.feedback.add(
                    conversation_id, answered.article_id, answered.score, answered.outcome, now
                )
        if turn.handoff is not None:
            uow.handoffs.add(turn.handoff, now)
        self._store_out(uow, conversation_id, turn.replies, now)
