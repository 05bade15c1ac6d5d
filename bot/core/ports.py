"""The protocols through which the core sees storage, knowledge and time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from bot.core.domain import (
    Article,
    ArticleMatch,
    Conversation,
    Direction,
    FeedbackOutcome,
    HandoffRequest,
    Sender,
    TriageVerdict,
)

Clock = Callable[[], datetime]


class KnowledgeBase(Protocol):
    """Ranks articles for a message."""

    def search(self, text: str, limit: int = 3) -> Sequence[ArticleMatch]:
        """Best matches first; scores in [0, 1]."""
        ...

    def article(self, article_id: str) -> Article | None:
        """The article with this id, if it still exists."""
        ...

    @property
    def min_score(self) -> float:
        """The score below which a match is not a confident answer."""
        ...


class Triage(Protocol):
    """Reads an enquiry's category, priority and whether first line must hand it over."""

    def assess(self, text: str) -> TriageVerdict:
        """The verdict for one message; never raises for a missing model."""
        ...


class UserRepository(Protocol):
    def ensure(self, sender: Sender, now: datetime) -> int:
        """The id of this sender's user, created on first contact."""
        ...


class ConversationRepository(Protocol):
    def open_for(self, user_id: int) -> Conversation | None:
        """The user's conversation that is still going on, if any."""
        ...

    def start(self, user_id: int, now: datetime) -> Conversation:
        """A new open conversation for the user."""
        ...

    def save(self, conversation: Conversation, now: datetime) -> None:
        """Store the conversation's current state."""
        ...


class MessageRepository(Protocol):
    def add(
        self,
        conversation_id: int,
        direction: Direction,
        text: str,
        now: datetime,
        truncated: bool = False,
    ) -> None:
        """Append a message to the conversation's transcript."""
        ...


class FeedbackRepository(Protocol):
    def add(
        self,
        conversation_id: int,
        article_id: str,
        score: float,
        outcome: FeedbackOutcome,
        now: datetime,
    ) -> None:
        """Record what the user said to an article."""
        ...


class HandoffRepository(Protocol):
    def add(self, request: HandoffRequest, now: datetime) -> None:
        """Record a request for second line."""
        ...


class UnitOfWork(Protocol):
    """One atomic piece of work; rolled back unless :meth:`commit` is called."""

    users: UserRepository
    conversations: ConversationRepository
    messages: MessageRepository
    feedback: FeedbackRepository
    handoffs: HandoffRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...
