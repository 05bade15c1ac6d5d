"""Values and entities that cross the core's boundary."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class Direction(StrEnum):
    """Which way a message travelled."""

    INBOUND = "in"
    OUTBOUND = "out"


class Priority(StrEnum):
    """How urgent a case is; P1 is the most urgent. Stored and shown as 'P1'..'P4'."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def rank(self) -> int:
        """1 for P1 (most urgent) to 4 for P4."""
        return int(self.value[1:])


DEFAULT_PRIORITY = Priority.P3
LEAST_URGENT = {"security": Priority.P2}  # a security case is never below P2


def floored(category: str | None, priority: Priority) -> Priority:
    """The priority, raised to its category's floor (a security case is at least P2)."""
    floor = LEAST_URGENT.get(category or "")
    return floor if floor is not None and priority.rank > floor.rank else priority


class ConversationStatus(StrEnum):
    """Where a conversation stands as a whole."""

    OPEN = "open"
    RESOLVED = "resolved"
    NEEDS_HUMAN = "needs_human"
    CANCELLED = "cancelled"


class Stage(StrEnum):
    """What the bot is waiting for inside an open conversation."""

    IDLE = "idle"
    AWAITING_FEEDBACK = "awaiting_feedback"
    AWAITING_DETAIL = "awaiting_detail"
    RATING_ASKED_AGAIN = "rating_asked_again"  # the one re-ask after a reply that was no rating


class FeedbackOutcome(StrEnum):
    """The user's answer to an article the bot showed."""

    SOLVED = "solved"
    NOT_SOLVED = "not_solved"
    ASKED_FOR_HUMAN = "asked_for_human"
    MOVED_ON = "moved_on"


@dataclass(frozen=True)
class Sender:
    """Who wrote a message: a channel and that channel's id for the person."""

    channel: str
    external_id: str
    display_name: str = ""


@dataclass(frozen=True)
class Choice:
    """A quick answer a door may render as a button.

    ``about`` names what the answer is about (a ticket reference for a rating, an article
    for "did that solve it?"): a door binds its button to it, and the desk refuses a press
    once that question is no longer being asked (an old button, or one pressed twice)."""

    label: str
    value: str
    about: str = ""


@dataclass(frozen=True)
class Attachment:
    """A photo or document a user sent, by the reference its channel keeps it under."""

    kind: str  # "photo" or "document"
    ref: str
    name: str = ""

    def describe(self) -> str:
        """How the attachment reads in a transcript."""
        return f"[{self.kind}{': ' + self.name if self.name else ''}]"


class Markup(StrEnum):
    """What a stretch of a message is written in, so each door knows how to show it."""

    PLAIN = "plain"  # the desk's or a person's words: shown as they are, escaped where needed
    ARTICLE_MARKDOWN = "article markdown"  # a knowledge-base article's Markdown: rendered


PARAGRAPH_BREAK = "\n\n"


@dataclass(frozen=True)
class TextPart:
    """A stretch of a message's text, and the markup it is written in."""

    text: str
    markup: Markup = Markup.PLAIN


def text_parts(text: str, parts: tuple[TextPart, ...]) -> tuple[TextPart, ...]:
    """The parts a message is made of: the given ones, or its whole text as plain words."""
    return parts or (TextPart(text),)


def joined(parts: tuple[TextPart, ...]) -> str:
    """The text of parts one paragraph apart, as transcripts and plain doors keep it."""
    return PARAGRAPH_BREAK.join(part.text for part in parts if part.text)


@dataclass(frozen=True)
class Reply:
    """One message from the bot to the user.

    ``text`` is what is stored and searched; ``parts``, when given, say how that text is
    made up (some of it an article's Markdown), and ``text`` is them :func:`joined`.
    """

    text: str
    choices: tuple[Choice, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    parts: tuple[TextPart, ...] = ()

    @classmethod
    def of(cls, *parts: TextPart, choices: tuple[Choice, ...] = ()) -> Reply:
        """A reply made of parts, one paragraph apart."""
        kept = tuple(part for part in parts if part.text)
        return cls(joined(kept), choices, parts=kept)

    @property
    def text_parts(self) -> tuple[TextPart, ...]:
        """What the reply is made of, for a door to render part by part."""
        return text_parts(self.text, self.parts)


@dataclass(frozen=True)
class Article:
    """A knowledge-base article as the core needs it."""

    id: str
    title: str
    category: str
    summary: str
    steps: tuple[str, ...]
    still_stuck: str
    tags: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArticleMatch:
    """An article ranked for a message, with its retrieval score in [0, 1]."""

    article: Article
    score: float


@dataclass(frozen=True)
class ShownArticle:
    """An article shown in a conversation and what the user said to it."""

    article_id: str
    score: float
    outcome: FeedbackOutcome | None = None


PRIORITY_MEANINGS = {
    Priority.P1: "critical: someone starts on it right away",
    Priority.P2: "high: it is handled before routine requests",
    Priority.P3: "normal",
    Priority.P4: "low",
}


@dataclass(frozen=True)
class TriageVerdict:
    """What triage decided about an enquiry, and why."""

    category: str | None
    confidence: float
    priority: Priority
    escalate: bool
    signal: str
    reason: str
    runner_ups: tuple[tuple[str, float], ...] = ()
    escalate_probability: float | None = None
    terms: tuple[str, ...] = ()
    out_of_scope: bool = False
    model_version: str | None = None
    advice: str = ""

    @property
    def from_rule(self) -> bool:
        """Whether a never-miss rule decided it (a rule overrides how a reply is read)."""
        return self.escalate and self.signal.startswith("rule:")

    def reporting(self, incident: str, title: str) -> TriageVerdict:
        """This verdict for an enquiry that reports the open major incident ``incident``:
        it goes to second line, where it is linked to the incident."""
        return replace(
            self,
            escalate=True,
            signal=f"incident:{incident}",
            reason=f"it reports the open major incident {incident} ({title})",
        )

    def more_urgent_than(self, priority: Priority) -> bool:
        """Whether this verdict escalates at a higher priority than ``priority``."""
        return self.escalate and self.priority.rank < priority.rank

    def as_dict(self) -> dict[str, object]:
        """The verdict as plain JSON-ready values."""
        return {
            "category": self.category,
            "confidence": round(self.confidence, 4),
            "priority": self.priority,
            "escalate": self.escalate,
            "signal": self.signal,
            "reason": self.reason,
            "runner_ups": [[name, round(p, 4)] for name, p in self.runner_ups],
            "escalate_probability": (
                None if self.escalate_probability is None else round(self.escalate_probability, 4)
            ),
            "terms": list(self.terms),
            "out_of_scope": self.out_of_scope,
            "model_version": self.model_version,
            "advice": self.advice,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> TriageVerdict:
        """A verdict from :meth:`as_dict`'s output."""
        runner_ups = data.get("runner_ups") or []
        probability = data.get("escalate_probability")
        version = data.get("model_version")
        return cls(
            category=None if data.get("category") is None else str(data["category"]),
            confidence=float(data.get("confidence") or 0.0),  # type: ignore[arg-type]
            priority=Priority(str(data.get("priority") or DEFAULT_PRIORITY)),
            escalate=bool(data.get("escalate")),
            signal=str(data.get("signal") or ""),
            reason=str(data.get("reason") or ""),
            runner_ups=tuple((str(n), float(p)) for n, p in runner_ups),  # type: ignore[attr-defined]
            escalate_probability=None if probability is None else float(probability),  # type: ignore[arg-type]
            terms=tuple(str(t) for t in data.get("terms") or ()),  # type: ignore[attr-defined]
            out_of_scope=bool(data.get("out_of_scope")),
            model_version=None if version is None else str(version),
            advice=str(data.get("advice") or ""),
        )


@dataclass
class Conversation:
    """One user's conversation with the desk, as the dialogue sees it."""

    id: int
    user_id: int
    status: ConversationStatus = ConversationStatus.OPEN
    stage: Stage = Stage.IDLE
    question: str = ""
    candidates: list[tuple[str, float]] = field(default_factory=list)
    shown: list[ShownArticle] = field(default_factory=list)
    declines: int = 0
    misses: int = 0
    handoff_reason: str | None = None
    verdict: TriageVerdict | None = None

    @property
    def current_article_id(self) -> str | None:
        """The article whose feedback the bot is waiting for, if any."""
        if self.stage is Stage.AWAITING_FEEDBACK and self.shown:
            return self.shown[-1].article_id
        return None


@dataclass(frozen=True)
class HandoffRequest:
    """Everything first line knows when it asks second line to take over."""

    conversation_id: int
    reason: str
    question: str
    articles_tried: tuple[ShownArticle, ...]
    verdict: TriageVerdict | None = None
    triaged: bool = False  # the triage verdict, not the dialogue, asked for a person
