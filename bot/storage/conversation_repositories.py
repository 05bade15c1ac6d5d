"""The first-line repositories: users, conversations, their messages, feedback, handoffs and
deliveries, on prebuilt SQLAlchemy Core statements (they run on every message)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, CursorResult, Executable, bindparam, insert, select, update
from sqlalchemy.orm import Session

from bot.core.domain import (
    Attachment,
    Conversation,
    ConversationStatus,
    Direction,
    FeedbackOutcome,
    HandoffRequest,
    Sender,
    Stage,
)
from bot.core.tickets import TranscriptLine
from bot.storage.database import insert_if_new, insert_unique
from bot.storage.schema import (
    ConversationRow,
    DeliveryRow,
    FeedbackRow,
    HandoffRow,
    MessageRow,
    UserRow,
    UtcDateTime,
    table_of,
)
from bot.storage.serialization import (
    attachment_from_json,
    attachment_to_json,
    shown_from_json,
    shown_to_json,
    verdict_from_json,
    verdict_to_json,
)

_CLOSED = {ConversationStatus.RESOLVED, ConversationStatus.CANCELLED}


# The conversation path runs prebuilt Core statements: one message takes about a dozen
# statements, and building each one anew (or flushing ORM objects) cost several times
# more than running it. Keys of the parameter dicts name the columns to insert or set.
_users = table_of(UserRow)
_conversations = table_of(ConversationRow)
_FIND_USER = select(_users.c.id, _users.c.display_name).where(
    _users.c.channel == bindparam("by_channel"), _users.c.external_id == bindparam("by_external")
)
_USER_KEY = ("channel", "external_id")
_RENAME_USER = update(_users).where(_users.c.id == bindparam("by_id"))
_OPEN_CONVERSATION = (
    select(_conversations)
    .where(
        _conversations.c.user_id == bindparam("by_user"),
        _conversations.c.status.in_(
            [ConversationStatus.OPEN.value, ConversationStatus.NEEDS_HUMAN.value]
        ),
    )
    .order_by(_conversations.c.id.desc())
    .limit(1)
)
_INSERT_CONVERSATION = insert(_conversations)
_SAVE_CONVERSATION = update(_conversations).where(_conversations.c.id == bindparam("by_id"))
_CLOSE_CONVERSATION = (
    update(_conversations)
    .where(_conversations.c.id == bindparam("by_id"), _conversations.c.closed_at.is_(None))
    .values(closed_at=bindparam("closing_at", type_=UtcDateTime()))
)
_INSERT_MESSAGE = insert(table_of(MessageRow))
_INSERT_FEEDBACK = insert(table_of(FeedbackRow))
_INSERT_HANDOFF = insert(table_of(HandoffRow))
_deliveries = table_of(DeliveryRow)


class _CoreStatements:
    """Runs prebuilt statements in the unit of work's transaction."""

    def __init__(self, session: Session, connection: Callable[[], Connection]) -> None:
        self._session = session
        self._connection = connection

    def _run(self, statement: Executable, parameters: dict[str, Any]) -> CursorResult[Any]:
        return self._connection().execute(statement, parameters)


def _inserted_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no id for the inserted row")
    return int(key[0])


class SqlUsers(_CoreStatements):
    def find(self, sender: Sender) -> int | None:
        found = self._run(
            _FIND_USER, {"by_channel": sender.channel, "by_external": sender.external_id}
        ).first()
        return None if found is None else int(found.id)

    def ensure(self, sender: Sender, now: datetime) -> int:
        by = {"by_channel": sender.channel, "by_external": sender.external_id}
        found = self._run(_FIND_USER, by).first()
        if found is None:
            values = {
                "channel": sender.channel,
                "external_id": sender.external_id,
                "display_name": sender.display_name,
                "created_at": now,
            }
            new_id = insert_unique(self._connection(), _users, values, _USER_KEY)
            if new_id is not None:
                return new_id
            found = self._run(_FIND_USER, by).one()  # another process made them meanwhile
        user_id, display_name = found.id, found.display_name
        if sender.display_name and display_name != sender.display_name:
            self._run(_RENAME_USER, {"by_id": user_id, "display_name": sender.display_name})
        return int(user_id)

    def sender(self, user_id: int) -> Sender:
        row = self._session.get_one(UserRow, user_id)
        return Sender(row.channel, row.external_id, row.display_name)


class SqlConversations(_CoreStatements):
    def open_for(self, user_id: int) -> Conversation | None:
        row = self._run(_OPEN_CONVERSATION, {"by_user": user_id}).first()
        return None if row is None else self._to_domain(row._mapping)

    def start(self, user_id: int, now: datetime) -> Conversation:
        values: dict[str, Any] = {
            "user_id": user_id,
            "status": ConversationStatus.OPEN.value,
            "stage": Stage.IDLE.value,
            "question": "",
            "candidates": [],
            "shown": [],
            "declines": 0,
            "misses": 0,
            "started_at": now,
            "updated_at": now,
        }
        inserted = self._run(_INSERT_CONVERSATION, values)
        return self._to_domain({**values, "id": _inserted_id(inserted)})

    def save(self, conversation: Conversation, now: datetime) -> None:
        verdict = conversation.verdict
        self._run(
            _SAVE_CONVERSATION,
            {
                "by_id": conversation.id,
                "status": conversation.status.value,
                "stage": conversation.stage.value,
                "question": conversation.question,
                "candidates": [[article, score] for article, score in conversation.candidates],
                "shown": [shown_to_json(shown) for shown in conversation.shown],
                "declines": conversation.declines,
                "misses": conversation.misses,
                "handoff_reason": conversation.handoff_reason,
                "verdict": verdict_to_json(verdict),
                "category": None if verdict is None else verdict.category,
                "priority": None if verdict is None else verdict.priority,
                "updated_at": now,
            },
        )
        if conversation.status in _CLOSED:
            self._run(_CLOSE_CONVERSATION, {"by_id": conversation.id, "closing_at": now})

    @staticmethod
    def _to_domain(row: Mapping[Any, Any]) -> Conversation:
        return Conversation(
            id=int(row["id"]),
            user_id=row["user_id"],
            status=ConversationStatus(row["status"]),
            stage=Stage(row["stage"]),
            question=row["question"],
            candidates=[(str(pair[0]), float(pair[1])) for pair in row["candidates"]],
            shown=[shown_from_json(item) for item in row["shown"]],
            declines=row["declines"],
            misses=row["misses"],
            handoff_reason=row.get("handoff_reason"),
            verdict=verdict_from_json(row.get("verdict")),
        )


class SqlMessages(_CoreStatements):
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
        self._run(
            _INSERT_MESSAGE,
            {
                "conversation_id": conversation_id,
                "direction": direction.value,
                "text": text,
                "truncated": truncated,
                "created_at": now,
                "author": author,
                "original_text": original,
                "attachment": attachment_to_json(attachment),
            },
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
                Direction(row.direction),
                row.text,
                row.author,
                attachment_from_json(row.attachment),
            )
            for row in rows
        ]


class SqlFeedback(_CoreStatements):
    def add(
        self,
        conversation_id: int,
        article_id: str,
        score: float,
        outcome: FeedbackOutcome,
        now: datetime,
    ) -> None:
        self._run(
            _INSERT_FEEDBACK,
            {
                "conversation_id": conversation_id,
                "article_id": article_id,
                "score": score,
                "outcome": outcome.value,
                "created_at": now,
            },
        )


class SqlHandoffs(_CoreStatements):
    def add(self, request: HandoffRequest, now: datetime) -> None:
        self._run(
            _INSERT_HANDOFF,
            {
                "conversation_id": request.conversation_id,
                "reason": request.reason,
                "question": request.question,
                "articles_tried": [shown_to_json(shown) for shown in request.articles_tried],
                "verdict": verdict_to_json(request.verdict),
                "created_at": now,
            },
        )


class SqlDeliveries(_CoreStatements):
    def first_time(self, key: str, now: datetime) -> bool:
        return insert_if_new(self._connection(), _deliveries, {"key": key, "handled_at": now})
