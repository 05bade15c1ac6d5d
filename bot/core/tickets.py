"""Second line's values: tickets, homeworkers, the handoff packet and notices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.domain import Attachment, Choice, ShownArticle

REFERENCE_OFFSET = 1000
REFERENCE_PREFIX = "T-"


class TicketStatus(StrEnum):
    """Where a second-line case stands."""

    QUEUED = "queued"
    ASSIGNED = "assigned"  # a homeworker has it and the next move is theirs
    WAITING_ON_USER = "waiting_on_user"  # the homeworker answered; the next move is the user's
    RESOLVED = "resolved"  # waiting for the user's rating
    CLOSED = "closed"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset(
    {TicketStatus.QUEUED, TicketStatus.ASSIGNED, TicketStatus.WAITING_ON_USER}
)
HELD_STATUSES = frozenset({TicketStatus.ASSIGNED, TicketStatus.WAITING_ON_USER})


class Role(StrEnum):
    """What a second-line person may do."""

    HOMEWORKER = "homeworker"
    SUPERVISOR = "supervisor"


def ticket_reference(ticket_id: int) -> str:
    """The reference people quote for a ticket, e.g. T-1042."""
    return f"{REFERENCE_PREFIX}{ticket_id + REFERENCE_OFFSET}"


def ticket_id_from_reference(reference: str) -> int | None:
    """The ticket id behind ``T-1042`` (or ``1042``), or None if it is not a reference."""
    cleaned = reference.strip().upper().removeprefix(REFERENCE_PREFIX)
    if not cleaned.isdigit():
        return None
    number = int(cleaned) - REFERENCE_OFFSET
    return number if number > 0 else None


@dataclass(frozen=True)
class WorkingHours:
    """Daily hours in the homeworker's own time zone; may run past midnight."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """Hours written as ``09:00-17:30``."""
        try:
            start_text, end_text = text.split("-")
            return cls(time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip()))
        except ValueError:
            raise ValueError(f"{text!r} is not working hours such as 09:00-17:30") from None

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, moment: time) -> bool:
        """Whether a local time of day falls inside these hours."""
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


def zone(name: str) -> ZoneInfo:
    """The time zone of that IANA name; a ValueError names a bad one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone such as Europe/London") from None


@dataclass(frozen=True)
class Agent:
    """A second-line homeworker or supervisor."""

    id: int
    name: str
    role: Role = Role.HOMEWORKER
    skills: tuple[str, ...] = ()
    capacity: int = 3
    on_shift: bool = False
    timezone: str = "UTC"
    working_hours: WorkingHours | None = None
    telegram_id: str | None = None
    display_name: str = ""
    current_ticket_id: int | None = None

    @property
    def is_supervisor(self) -> bool:
        """Whether this person may see and take over any case."""
        return self.role is Role.SUPERVISOR

    def has_skill(self, skill: str | None) -> bool:
        """Whether the agent takes cases of this category (no skills listed: every one)."""
        return not self.skills or skill is None or skill in self.skills

    def is_available(self, now: datetime) -> bool:
        """On shift, and inside working hours when those are set."""
        if not self.on_shift:
            return False
        if self.working_hours is None:
            return True
        return self.working_hours.contains(now.astimezone(zone(self.timezone)).time())

    def next_start(self, now: datetime) -> datetime | None:
        """When this agent's working hours next begin, if they have any."""
        if self.working_hours is None:
            return None
        local = now.astimezone(zone(self.timezone))
        start = local.replace(
            hour=self.working_hours.start.hour,
            minute=self.working_hours.start.minute,
            second=0,
            microsecond=0,
        )
        return start if start > local else start + timedelta(days=1)


@dataclass(frozen=True)
class HandoffPacket:
    """What first line knew when it handed over; masked before anyone in second line sees it."""

    user_name: str
    question: str
    summary: str
    reason: str
    signal: str
    category: str | None
    confidence: float
    runner_ups: tuple[tuple[str, float], ...]
    priority: str
    terms: tuple[str, ...]
    articles_tried: tuple[ShownArticle, ...]


@dataclass
class Ticket:
    """A case in second line."""

    id: int
    conversation_id: int
    user_id: int
    status: TicketStatus
    priority: str
    category: str | None
    packet: HandoffPacket
    created_at: datetime
    assignee_id: int | None = None
    helper_id: int | None = None
    claimed_at: datetime | None = None
    first_response_at: datetime | None = None
    awaiting_agent_since: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    resolution_note: str | None = None
    corrected_category: str | None = None
    second_line_needed: bool | None = None
    rating: int | None = None
    claim_breached_at: datetime | None = None
    resolve_breached_at: datetime | None = None
    offered_to: list[int] = field(default_factory=list)

    @property
    def reference(self) -> str:
        """The reference people quote, e.g. T-1042."""
        return ticket_reference(self.id)

    @property
    def is_open(self) -> bool:
        """Whether second line still has work to do on it."""
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class TicketEvent:
    """One line of a ticket's audit trail."""

    ticket_id: int
    at: datetime
    actor: str
    action: str
    from_status: str | None = None
    to_status: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Notice:
    """A message for a user or an agent, delivered by whichever door reaches them."""

    text: str
    user_id: int | None = None
    agent_id: int | None = None
    ticket_id: int | None = None
    choices: tuple[Choice, ...] = ()
    attachment: Attachment | None = None


@dataclass(frozen=True)
class PendingNotice:
    """A stored notice not yet delivered."""

    id: int
    notice: Notice


@dataclass(frozen=True)
class TranscriptLine:
    """One message of a conversation as second line reads it."""

    at: datetime
    direction: str
    text: str
    author: str | None = None
    attachment: Attachment | None = None


@dataclass(frozen=True)
class ServiceLevels:
    """Targets per priority, and how long a homeworker may stay silent on a case."""

    claim_within: dict[str, timedelta]
    resolve_within: dict[str, timedelta]
    silence_limit: timedelta
    offer_fanout: int = 2

    @classmethod
    def from_minutes(
        cls,
        claim: dict[str, int],
        resolve: dict[str, int],
        silence_minutes: int,
        offer_fanout: int = 2,
    ) -> ServiceLevels:
        """Targets given in minutes per priority."""
        return cls(
            {p: timedelta(minutes=m) for p, m in claim.items()},
            {p: timedelta(minutes=m) for p, m in resolve.items()},
            timedelta(minutes=silence_minutes),
            offer_fanout,
        )

    def claim_target(self, priority: str) -> timedelta:
        """How soon a case of this priority should be claimed."""
        return self.claim_within.get(priority, max(self.claim_within.values()))

    def resolve_target(self, priority: str) -> timedelta:
        """How soon a case of this priority should be resolved."""
        return self.resolve_within.get(priority, max(self.resolve_within.values()))


DEFAULT_SERVICE_LEVELS = ServiceLevels.from_minutes(
    claim={"P1": 15, "P2": 60, "P3": 240, "P4": 480},
    resolve={"P1": 240, "P2": 480, "P3": 1440, "P4": 4320},
    silence_minutes=60,
)
