"""The first-line desk service: stores each message and the bot's answer to it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core import texts
from bot.core.dialogue import Dialogue, Turn
from bot.core.domain import ConversationStatus, Direction, Reply, Sender
from bot.core.intents import Intent, read_intent
from bot.core.ports import Clock, KnowledgeBase, Triage, UnitOfWork

MAX_MESSAGE_CHARS = 4000


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class IncomingText:
    """A user's message as the desk reads it: cleaned and cut to the size limit."""

    text: str
    truncated: bool

    @classmethod
    def read(cls, raw: str, limit: int = MAX_MESSAGE_CHARS) -> IncomingText:
        """Strip NUL and surrounding space, and keep at most ``limit`` characters."""
        cleaned = raw.replace("\x00", "").strip()
        if len(cleaned) > limit:
            return cls(cleaned[:limit], truncated=True)
        return cls(cleaned, truncated=False)


class FirstLineDesk:
    """Answers end users from the knowledge base and hands over what it can't solve."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        triage: Triage,
        unit_of_work: Callable[[], UnitOfWork],
        clock: Clock = utc_now,
        max_message_chars: int = MAX_MESSAGE_CHARS,
    ) -> None:
        self._dialogue = Dialogue(knowledge)
        self._triage = triage
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._max_chars = max_message_chars

    def welcome(self) -> Reply:
        """The greeting a door may show before the user writes anything."""
        return Reply(texts.WELCOME)

    def handle(self, sender: Sender, raw_text: str) -> list[Reply]:
        """Answer one message from ``sender``; the exchange is stored before returning."""
        incoming = IncomingText.read(raw_text, self._max_chars)
        intent = read_intent(incoming.text)
        if intent is Intent.EMPTY:
            return [Reply(texts.EMPTY)]
        now = self._clock()
        with self._unit_of_work() as uow:
            user_id = uow.users.ensure(sender, now)
            conversation = uow.conversations.open_for(user_id)
            if conversation is None:
                if intent is Intent.CANCEL:
                    return [Reply(texts.NOTHING_TO_CANCEL)]
                conversation = uow.conversations.start(user_id, now)
            uow.messages.add(
                conversation.id, Direction.INBOUND, incoming.text, now, incoming.truncated
            )
            verdict = None
            if intent is Intent.QUESTION and conversation.status is ConversationStatus.OPEN:
                verdict = self._triage.assess(incoming.text)
            turn = self._dialogue.respond(conversation, intent, incoming.text, verdict)
            if incoming.truncated:
                turn.replies.insert(0, Reply(texts.TRUNCATED.format(limit=self._max_chars)))
            self._record(uow, conversation.id, turn, now)
            uow.conversations.save(conversation, now)
            uow.commit()
        return turn.replies

    @staticmethod
    def _record(uow: UnitOfWork, conversation_id: int, turn: Turn, now: datetime) -> None:
        for answered in turn.feedback:
            if answered.outcome is not None:
                uow.feedback.add(
                    conversation_id, answered.article_id, answered.score, answered.outcome, now
                )
        if turn.handoff is not None:
            uow.handoffs.add(turn.handoff, now)
        for reply in turn.replies:
            uow.messages.add(conversation_id, Direction.OUTBOUND, reply.text, now)
