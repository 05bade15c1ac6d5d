"""The SQLAlchemy unit of work and the repositories the core uses through it."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.domain import (
    Attachment,
    Conversation,
    ConversationStatus,
    Direction,
    FeedbackOutcome,
    HandoffRequest,
    Sender,
    ShownArticle,
    Stage,
    TriageVerdict,
)
from bot.core.ports import (
    AgentRepository,
    ConversationRepository,
    EventRepository,
    FeedbackRepository,
    HandoffRepository,
    MessageRepository,
    OutboxRepository,
    TicketRepository,
    UserRepository,
)
from bot.core.tickets import TranscriptLine
from bot.storage.case_repositories import (
    SqlAgents,
    SqlEvents,
    SqlOutbox,
    SqlTickets,
    attachment_from_json,
    attachment_to_json,
)
from bot.storage.schema import ConversationRow, FeedbackRow, HandoffRow, MessageRow, UserRow

_CLOSED = {ConversationStatus.RESOLVED, ConversationStatus.CANCELLED}


def _shown_to_json(shown: ShownArticle) -> dict[str, Any]:
    return {
        "article_id": shown.article_id,
        "score": shown.score,
        "outcome": shown.outcome.value if shown.outcome else None,
    }


def _shown_from_json(data: dict[str, Any]) -> ShownArticle:
    outcome = FeedbackOutcome(data["outcome"]) if data.get("outcome") else None
    return ShownArticle(data["article_id"], float(data["score"]), outcome)


class SqlUsers:
    def __init__(self, session: Session) -> None:
        self._session = session

    def ensure(self, sender: Sender, now: datetime) -> int:
        row = self._session.scalar(
            select(UserRow).where(
                UserRow.channel == sender.channel, UserRow.external_id == sender.external_id
            )
        )
        if row is None:
            row = UserRow(
                channel=sender.channel,
                external_id=sender.external_id,
                display_name=sender.display_name,
                created_at=now,
            )
            self._session.add(row)
            self._session.flush()
        elif sender.display_name and row.display_name != sender.display_name:
            row.display_name = sender.display_name
        return row.id

    def sender(self, user_id: int) -> Sender:
        row = self._session.get_one(UserRow, user_id)
        return Sender(row.channel, row.external_id, row.display_name)


class SqlConversations:
    def __init__(self, session: Session) -> None:
        self._session = session
        # The session only holds weak references: without these, save() reads the row again.
        self._rows: dict[int, ConversationRow] = {}

    def open_for(self, user_id: int) -> Conversation | None:
        row = self._session.scalar(
            select(ConversationRow)
            .where(
                ConversationRow.user_id == user_id,
                ConversationRow.status.in_(
                    [ConversationStatus.OPEN.value, ConversationStatus.NEEDS_HUMAN.value]
                ),
            )
            .order_by(ConversationRow.id.desc())
            .limit(1)
        )
        if row is None:
            return None
        self._rows[row.id] = row
        return self._to_domain(row)

    def start(self, user_id: int, now: datetime) -> Conversation:
        row = ConversationRow(
            user_id=user_id,
            status=ConversationStatus.OPEN.value,
            stage=Stage.IDLE.value,
            question="",
            candidates=[],
            shown=[],
            declines=0,
            misses=0,
            started_at=now,
            updated_at=now,
        )
        self._session.add(row)
        self._session.flush()
        self._rows[row.id] = row
        return self._to_domain(row)

    def save(self, conversation: Conversation, now: datetime) -> None:
        row = self._rows.get(conversation.id) or self._session.get_one(
            ConversationRow, conversation.id
        )
        row.status = conversation.status.value
        row.stage = conversation.stage.value
        row.question = conversation.question
        row.candidates = [[article_id, score] for article_id, score in conversation.candidates]
        row.shown = [_shown_to_json(shown) for shown in conversation.shown]
        row.declines = conversation.declines
        row.misses = conversation.misses
        row.handoff_reason = conversation.handoff_reason
        verdict = conversation.verdict
        row.verdict = None if verdict is None else verdict.as_dict()
        row.category = None if verdict is None else verdict.category
        row.priority = None if verdict is None else verdict.priority
        row.updated_at = now
        if conversation.status in _CLOSED and row.closed_at is None:
            row.closed_at = now

    @staticmethod
    def _to_domain(row: ConversationRow) -> Conversation:
        return Conversation(
            id=row.id,
            user_id=row.user_id,
            status=ConversationStatus(row.status),
            stage=Stage(row.stage),
            question=row.question,
            candidates=[(str(pair[0]), float(pair[1])) for pair in row.candidates],
            shown=[_shown_from_json(item) for item in row.shown],
            declines=row.declines,
            misses=row.misses,
            handoff_reason=row.handoff_reason,
            verdict=None if row.verdict is None else TriageVerdict.from_dict(row.verdict),
        )


class SqlMessages:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        conversation_id: int,
        direction: Direction,
        text: str,
        now: datetime,
        truncated: bool = False,
        author: str | None = None,
        original: str | None = None,
        attachment: Attachment | None = None,
    ) -> None:
        self._session.add(
            MessageRow(
                conversation_id=conversation_id,
                direction=direction.value,
                text=text,
                truncated=truncated,
                created_at=now,
                author=author,
                original_text=original,
                attachment=attachment_to_json(attachment),
            )
        )

    def transcript(self, conversation_id: int) -> list[TranscriptLine]:
        rows = self._session.scalars(
            select(MessageRow)
            .where(MessageRow.conversation_id == conversation_id)
            .order_by(MessageRow.id)
        )
        return [
            TranscriptLine(
                row.created_at,
                row.direction,
                row.text,
                row.author,
                attachment_from_json(row.attachment),
            )
            for row in rows
        ]


class SqlFeedback:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        conversation_id: int,
        article_id: str,
        score: float,
        outcome: FeedbackOutcome,
        now: datetime,
    ) -> None:
        self._session.add(
            FeedbackRow(
                conversation_id=conversation_id,
                article_id=article_id,
                score=score,
                outcome=outcome.value,
                created_at=now,
            )
        )


class SqlHandoffs:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, request: HandoffRequest, now: datetime) -> None:
        self._session.add(
            HandoffRow(
                conversation_id=request.conversation_id,
                reason=request.reason,
                question=request.question,
                articles_tried=[_shown_to_json(shown) for shown in request.articles_tried],
                verdict=None if request.verdict is None else request.verdict.as_dict(),
                created_at=now,
            )
        )


class SqlUnitOfWork:
    """A database transaction; everything is rolled back unless :meth:`commit` is called."""

    users: UserRepository
    conversations: ConversationRepository
    messages: MessageRepository
    feedback: FeedbackRepository
    handoffs: HandoffRepository
    agents: AgentRepository
    tickets: TicketRepository
    events: EventRepository
    outbox: OutboxRepository

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.users = SqlUsers(self.session)
        self.conversations = SqlConversations(self.session)
        self.messages = SqlMessages(self.session)
        self.feedback = SqlFeedback(self.session)
        self.handoffs = SqlHandoffs(self.session)
        self.agents = SqlAgents(self.session)
        self.tickets = SqlTickets(self.session)
        self.events = SqlEvents(self.session)
        self.outbox = SqlOutbox(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()
