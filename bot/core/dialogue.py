"""The first-line dialogue: one user message in, the bot's replies and decisions out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core import texts
from bot.core.domain import (
    ArticleMatch,
    Conversation,
    ConversationStatus,
    FeedbackOutcome,
    HandoffRequest,
    Reply,
    ShownArticle,
    Stage,
    TextPart,
)
from bot.core.intents import Intent
from bot.core.ports import KnowledgeBase
from bot.core.reading import Reading

MAX_DECLINES = 2
MAX_MISSES = 2
MAX_CANDIDATES = 3
RUNNER_UP_SHARE = 0.6  # a next-best article may score this share of the answer threshold

REASON_ASKED = "the user asked for a person"
REASON_DECLINED = "the user said the suggested articles did not solve it"
REASON_NO_ARTICLE = "no knowledge-base article fits the question"


@dataclass
class Turn:
    """What one message changed: the replies, the feedback given and any handoff."""

    replies: list[Reply] = field(default_factory=list)
    feedback: list[ShownArticle] = field(default_factory=list)
    handoff: HandoffRequest | None = None


class Dialogue:
    """Moves one conversation forward by one user message."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self._knowledge = knowledge

    def search(self, text: str) -> Sequence[ArticleMatch]:
        """The articles ranked for ``text``, as many as a turn may offer."""
        return self._knowledge.search(text, limit=MAX_CANDIDATES)

    def is_confident(self, found: Sequence[ArticleMatch], bar: float = 1.0) -> bool:
        """Whether the best of these matches is good enough to answer with: its score at
        least the knowledge base's minimum, times ``bar``."""
        return bool(found) and found[0].score >= self._knowledge.min_score * bar

    @staticmethod
    def combined_question(conversation: Conversation | None, text: str) -> str | None:
        """The text searched when a detail follows an unanswered question, if it would be."""
        if conversation is None or conversation.stage is not Stage.AWAITING_DETAIL:
            return None
        if not conversation.question:
            return None
        return f"{conversation.question}\n{text}"

    def respond(
        self,
        conversation: Conversation,
        intent: Intent,
        text: str,
        reading: Reading | None = None,
    ) -> Turn:
        """Apply a message to the conversation, with what was read of it beforehand (its
        triage verdict and searches, for questions; a search not foreseen is done here)."""
        reading = reading or Reading()
        verdict = reading.verdict
        turn = Turn()
        if intent in (Intent.START, Intent.GREETING):
            turn.replies.append(Reply(texts.WELCOME))
        elif intent is Intent.HELP:
            turn.replies.append(Reply(texts.HELP))
        elif intent is Intent.CANCEL:
            self._cancel(conversation, turn)
        elif intent is Intent.THANKS:
            self._thanks(conversation, turn)
        elif intent is Intent.YES:
            self._yes(conversation, turn)
        elif intent in (Intent.NO, Intent.REOPEN):
            self._no(conversation, turn)
        elif intent is Intent.OUT_OF_SCOPE:
            turn.replies.append(Reply(texts.OUT_OF_SCOPE))
        elif intent is Intent.SMALL_TALK:
            turn.replies.append(Reply(texts.SMALL_TALK))
        elif intent is Intent.RATING:
            self._misplaced_rating(conversation, turn)
        elif intent is Intent.HUMAN:
            self._close_pending(conversation, FeedbackOutcome.ASKED_FOR_HUMAN, turn)
            self._hand_off(conversation, REASON_ASKED, turn)
        elif verdict is not None and verdict.escalate:
            self._close_pending(conversation, FeedbackOutcome.MOVED_ON, turn)
            conversation.verdict = verdict
            conversation.question = text
            self._hand_off(conversation, verdict.reason, turn, triaged=True)
        else:
            conversation.verdict = verdict or conversation.verdict
            self._question(conversation, text, turn, reading)
        return turn

    def _cancel(self, conversation: Conversation, turn: Turn) -> None:
        self._close_pending(conversation, FeedbackOutcome.MOVED_ON, turn)
        conversation.status = ConversationStatus.CANCELLED
        conversation.stage = Stage.IDLE
        turn.replies.append(Reply(texts.CANCELLED))

    def _thanks(self, conversation: Conversation, turn: Turn) -> None:
        if conversation.stage is Stage.AWAITING_FEEDBACK:
            article_id = conversation.current_article_id or ""
            turn.replies.append(
                Reply(texts.YOU_ARE_WELCOME_ASK, texts.feedback_choices(article_id))
            )
        else:
            turn.replies.append(Reply(texts.YOU_ARE_WELCOME))

    @staticmethod
    def _misplaced_rating(conversation: Conversation, turn: Turn) -> None:
        """A mark when no rating was asked for: ask for what is pending, if anything."""
        if conversation.stage is Stage.AWAITING_FEEDBACK:
            turn.replies.append(Reply(texts.ANSWER_PLEASE, texts.FEEDBACK_CHOICES))
        else:
            turn.replies.append(Reply(texts.NOTHING_TO_RATE))

    def _yes(self, conversation: Conversation, turn: Turn) -> None:
        if conversation.stage is not Stage.AWAITING_FEEDBACK:
            turn.replies.append(Reply(texts.NOTHING_PENDING))
            return
        self._close_pending(conversation, FeedbackOutcome.SOLVED, turn)
        conversation.status = ConversationStatus.RESOLVED
        turn.replies.append(Reply(texts.GLAD))

    def _no(self, conversation: Conversation, turn: Turn) -> None:
        if conversation.stage is not Stage.AWAITING_FEEDBACK:
            turn.replies.append(Reply(texts.NOTHING_PENDING))
            return
        self._close_pending(conversation, FeedbackOutcome.NOT_SOLVED, turn)
        conversation.declines += 1
        shown_ids = {shown.article_id for shown in conversation.shown}
        untried = [pair for pair in conversation.candidates if pair[0] not in shown_ids]
        next_article = self._knowledge.article(untried[0][0]) if untried else None
        if conversation.declines >= MAX_DECLINES or next_article is None:
            reason = REASON_DECLINED if conversation.declines >= MAX_DECLINES else REASON_NO_ARTICLE
            self._hand_off(conversation, reason, turn)
            return
        match = ArticleMatch(next_article, untried[0][1])
        self._show(conversation, match, turn, intro=texts.TRY_ANOTHER)

    def _question(
        self, conversation: Conversation, text: str, turn: Turn, reading: Reading
    ) -> None:
        combined = self.combined_question(conversation, text)
        self._close_pending(conversation, FeedbackOutcome.MOVED_ON, turn)
        matches = self._confident_matches(text, reading)
        if not matches and combined is not None:
            text = combined
            matches = self._confident_matches(text, reading)
        conversation.question = text
        if not matches:
            conversation.misses += 1
            if conversation.misses >= MAX_MISSES:
                self._hand_off(conversation, REASON_NO_ARTICLE, turn)
            else:
                conversation.stage = Stage.AWAITING_DETAIL
                turn.replies.append(Reply(texts.NEED_DETAIL, (texts.TALK_TO_PERSON,)))
            return
        conversation.misses = 0
        conversation.declines = 0
        conversation.candidates = [(match.article.id, match.score) for match in matches]
        self._show(conversation, matches[0], turn)

    def _confident_matches(self, text: str, reading: Reading) -> list[ArticleMatch]:
        """The best match if it clears the threshold, with runners-up that clear a lower bar."""
        threshold = self._knowledge.min_score
        found = reading.matches_for(text)
        if found is None:
            found = self.search(text)
        if not self.is_confident(found):
            return []
        return [match for match in found if match.score >= threshold * RUNNER_UP_SHARE]

    def _show(
        self, conversation: Conversation, match: ArticleMatch, turn: Turn, intro: str = ""
    ) -> None:
        """Answer with an article (one message, after ``intro`` if given) and ask if it helped."""
        conversation.shown.append(ShownArticle(match.article.id, round(match.score, 4)))
        conversation.stage = Stage.AWAITING_FEEDBACK
        answer = texts.article_answer(match.article)
        parts = (TextPart(intro), *answer)
        turn.replies.append(Reply.of(*parts, choices=texts.feedback_choices(match.article.id)))

    def _close_pending(
        self, conversation: Conversation, outcome: FeedbackOutcome, turn: Turn
    ) -> None:
        """Record the user's answer to the article the bot is waiting on, if any."""
        if conversation.current_article_id is None:
            return
        answered = ShownArticle(
            conversation.shown[-1].article_id, conversation.shown[-1].score, outcome
        )
        conversation.shown[-1] = answered
        conversation.stage = Stage.IDLE
        turn.feedback.append(answered)

    def _hand_off(
        self, conversation: Conversation, reason: str, turn: Turn, triaged: bool = False
    ) -> None:
        conversation.status = ConversationStatus.NEEDS_HUMAN
        conversation.stage = Stage.IDLE
        conversation.handoff_reason = reason
        turn.handoff = HandoffRequest(
            conversation_id=conversation.id,
            reason=reason,
            question=conversation.question,
            articles_tried=tuple(conversation.shown),
            verdict=conversation.verdict,
            triaged=triaged,
        )
