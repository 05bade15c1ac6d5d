"""Second line's values: tickets, homeworkers, the handoff packet and notices."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.domain import (
    Attachment,
    Choice,
    Direction,
    Priority,
    Reply,
    ShownArticle,
    TextPart,
    floored,
    text_parts,
)
from bot.core.incidents import DEFAULT_BURST, BurstRule
from bot.errors import TransitionNotAllowed

REFERENCE_OFFSET = 1000
REFERENCE_PREFIX = "T-"
SYSTEM = "system"  # how the audit trail names the desk itself
USER = "user"  # and the case's end user


class TicketStatus(StrEnum):
    """Where a second-line case stands."""

    QUEUED = "queued"
    ASSIGNED = "assigned"  # a homeworker has it and the next move is theirs
    WAITING_ON_USER = "waiting_on_user"  # the homeworker answered; the next move is the user's
    LINKED = "linked"  # part of an open major incident: out of the queue and its clocks
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


MAX_TICKET_ID = 2**31 - 1  # the largest id both databases' integer columns hold
_REFERENCE_DIGITS = re.compile(r"[0-9]{1,10}")


def ticket_reference(ticket_id: int) -> str:
    """The reference people quote for a ticket, e.g. T-1042."""
    return f"{REFERENCE_PREFIX}{ticket_id + REFERENCE_OFFSET}"


def ticket_id_from_reference(reference: str) -> int | None:
    """The ticket id behind ``T-1042`` (or ``1042``), or None if it is not a plausible one."""
    cleaned = reference.strip().upper().removeprefix(REFERENCE_PREFIX)
    if not _REFERENCE_DIGITS.fullmatch(cleaned):
        return None
    number = int(cleaned) - REFERENCE_OFFSET
    return number if 0 < number <= MAX_TICKET_ID else None


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
    def actor(self) -> str:
        """How this person is named in the audit trail."""
        return f"{self.role.value}:{self.name}"

    def working_on(self, ticket_id: int) -> Agent:
        """This agent with that case as the current one."""
        return replace(self, current_ticket_id=ticket_id)

    def done_with(self, ticket_id: int) -> Agent:
        """This agent no longer on that case (unchanged if it was not the current one)."""
        if self.current_ticket_id != ticket_id:
            return self
        return replace(self, current_ticket_id=None)

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
    priority: Priority
    terms: tuple[str, ...]
    articles_tried: tuple[ShownArticle, ...]


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


SENT_ARTICLE = "sent article"  # the trail's action; its detail is the article's id


class Move(StrEnum):
    """Something that can happen to a ticket; :data:`TRANSITIONS` says from where to where."""

    CLAIM = "claim"
    CLAIM_NEXT = "claim next"
    TAKE_OVER = "take over"
    RELEASE = "release"
    TRANSFER_TO_AGENT = "transfer to a colleague"
    TRANSFER_TO_SKILL = "transfer to a skill"
    AGENT_REPLIED = "reply"
    SEND_ARTICLE = "send an article"
    USER_REPLIED = "user reply"
    NOTE = "note"
    ASK_FOR_HELP = "ask for help"
    RESOLVE = "resolve"
    REOPEN_TO_HOLDER = "reopen to its holder"
    REOPEN_TO_QUEUE = "reopen to the queue"
    RATE = "rate"
    CLOSE_UNRATED = "close without rating"
    CANCEL = "cancel"
    TAKE_BACK = "take back"
    OFFER = "offer"
    CLAIM_BREACHED = "mark the claim target breached"
    RESOLVE_BREACHED = "mark the resolve target breached"
    RAISE_PRIORITY = "raise the priority"
    GROUP = "group into a proposed major incident"
    LINK = "link to a major incident"
    RESOLVE_WITH_INCIDENT = "resolve with its major incident"
    UNLINK = "take out of its major incident"


@dataclass(frozen=True)
class Transition:
    """Where a move may start, where it leaves the ticket (None: where it was), its audit name."""

    allowed_from: frozenset[TicketStatus]
    to: TicketStatus | None
    action: str


_Q, _A, _W, _R, _L = (
    TicketStatus.QUEUED,
    TicketStatus.ASSIGNED,
    TicketStatus.WAITING_ON_USER,
    TicketStatus.RESOLVED,
    TicketStatus.LINKED,
)

TRANSITIONS: dict[Move, Transition] = {
    Move.CLAIM: Transition(frozenset({_Q}), _A, "claimed"),
    Move.CLAIM_NEXT: Transition(frozenset({_Q}), _A, "claimed (next)"),
    Move.TAKE_OVER: Transition(OPEN_STATUSES, _A, "taken over"),
    Move.RELEASE: Transition(HELD_STATUSES, _Q, "released"),
    Move.TRANSFER_TO_AGENT: Transition(HELD_STATUSES, _A, "transferred"),
    Move.TRANSFER_TO_SKILL: Transition(HELD_STATUSES, _Q, "transferred"),
    Move.AGENT_REPLIED: Transition(HELD_STATUSES, _W, "replied"),
    Move.SEND_ARTICLE: Transition(HELD_STATUSES, _W, SENT_ARTICLE),
    Move.USER_REPLIED: Transition(frozenset({_W}), _A, "user replied"),
    Move.NOTE: Transition(OPEN_STATUSES, None, "note"),
    Move.ASK_FOR_HELP: Transition(OPEN_STATUSES, None, "help requested"),
    Move.RESOLVE: Transition(OPEN_STATUSES, _R, "resolved"),
    Move.REOPEN_TO_HOLDER: Transition(frozenset({_R}), _A, "reopened"),
    Move.REOPEN_TO_QUEUE: Transition(frozenset({_R}), _Q, "reopened"),
    Move.RATE: Transition(frozenset({_R}), TicketStatus.CLOSED, "rated"),
    Move.CLOSE_UNRATED: Transition(frozenset({_R}), TicketStatus.CLOSED, "closed without rating"),
    Move.CANCEL: Transition(OPEN_STATUSES | {_R, _L}, TicketStatus.CANCELLED, "cancelled"),
    Move.TAKE_BACK: Transition(frozenset({_A}), _Q, "taken back"),
    Move.OFFER: Transition(frozenset({_Q}), None, "offered"),
    Move.CLAIM_BREACHED: Transition(frozenset({_Q}), None, "claim target breached"),
    Move.RESOLVE_BREACHED: Transition(HELD_STATUSES, None, "resolve target breached"),
    Move.RAISE_PRIORITY: Transition(OPEN_STATUSES, None, "priority raised"),
    Move.GROUP: Transition(OPEN_STATUSES, None, "grouped"),
    Move.LINK: Transition(OPEN_STATUSES, _L, "linked"),
    Move.RESOLVE_WITH_INCIDENT: Transition(frozenset({_L}), _R, "resolved with its incident"),
    Move.UNLINK: Transition(frozenset({_L}), _Q, "unlinked"),
}


def refusal(reference: str, status: TicketStatus, move: Move) -> str:
    """Why a ticket in ``status`` can't make ``move``, in words for the person who asked."""
    if status is TicketStatus.RESOLVED:
        return f"{reference} is already resolved."
    if status is TicketStatus.LINKED:
        return f"{reference} is linked to a major incident and is resolved with it."
    if status in (TicketStatus.CLOSED, TicketStatus.CANCELLED):
        return f"{reference} is {status.value}; nothing more can be done."
    if move in (Move.CLAIM, Move.CLAIM_NEXT) and status in HELD_STATUSES:
        return f"{reference} was already claimed by someone else."
    return f"{reference} is {status.value.replace('_', ' ')}; it can't {move.value} now."


@dataclass
class Ticket:
    """A case in second line; its verbs check the move, change it, and return the event."""

    id: int
    conversation_id: int
    user_id: int
    status: TicketStatus
    priority: Priority
    category: str | None
    packet: HandoffPacket
    created_at: datetime
    assignee_id: int | None = None
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
    incident_id: int | None = None  # the major incident it is grouped into or linked to

    @property
    def reference(self) -> str:
        """The reference people quote, e.g. T-1042."""
        return ticket_reference(self.id)

    @property
    def is_open(self) -> bool:
        """Whether second line still has work to do on it."""
        return self.status in OPEN_STATUSES

    def can(self, move: Move) -> bool:
        """Whether the table allows this move from the ticket's status."""
        return self.status in TRANSITIONS[move].allowed_from

    def check(self, move: Move) -> None:
        """Refuse (changing nothing) a move the table does not allow from here."""
        if not self.can(move):
            raise TransitionNotAllowed(refusal(self.reference, self.status, move))

    def opened(self, reason: str, now: datetime) -> TicketEvent:
        """The event that starts the trail of a newly queued ticket."""
        return TicketEvent(self.id, now, USER, "queued", None, self.status.value, reason)

    # --- second line's verbs -----------------------------------------------------------------

    def claim(self, agent: Agent, now: datetime, *, next_in_queue: bool = False) -> TicketEvent:
        """A homeworker takes the queued case."""
        move = Move.CLAIM_NEXT if next_in_queue else Move.CLAIM
        return self._move(move, agent.actor, now, self._assign(agent.id, now))

    def take_over(self, supervisor: Agent, now: datetime) -> TicketEvent:
        """A supervisor takes the case from whoever holds it (or from the queue)."""
        if supervisor.id == self.assignee_id:
            raise TransitionNotAllowed(f"You already have {self.reference}.")
        detail = f"from {self.assignee_id}"
        return self._move(
            Move.TAKE_OVER, supervisor.actor, now, self._assign(supervisor.id, now), detail
        )

    def release(self, agent: Agent, now: datetime) -> TicketEvent:
        """The holder puts the case back in the queue."""
        return self._move(Move.RELEASE, agent.actor, now, self._unassign)

    def transfer_to_agent(self, agent: Agent, colleague: Agent, now: datetime) -> TicketEvent:
        """The holder hands the case to a colleague, who now owes the user an answer."""
        if colleague.id == agent.id:
            raise TransitionNotAllowed("You already hold it.")
        return self._move(
            Move.TRANSFER_TO_AGENT,
            agent.actor,
            now,
            self._reassign(colleague.id, now),
            f"to {colleague.name}",
        )

    def transfer_to_skill(self, agent: Agent, skill: str, now: datetime) -> TicketEvent:
        """The holder puts the case back in the queue under that skill, now its category (a
        security case is raised to P2 at least)."""
        before, after = self.priority, floored(skill, self.priority)
        raised = f"{before} to {after}" if after != before else ""
        detail = "; ".join(
            filter(None, (f"to skill {skill}", self._category_change(skill), raised))
        )

        def change() -> None:
            self.category = skill
            self.priority = after
            self._unassign()

        return self._move(Move.TRANSFER_TO_SKILL, agent.actor, now, change, detail)

    def agent_replied(self, agent: Agent, message: str, now: datetime) -> TicketEvent:
        """Second line answered the user; the next move is the user's."""

        def change() -> None:
            self.first_response_at = self.first_response_at or now
            self.awaiting_agent_since = None

        return self._move(
            Move.AGENT_REPLIED, agent.actor, now, change, f"{len(message)} characters"
        )

    def send_article(self, agent: Agent, article_id: str, now: datetime) -> TicketEvent:
        """Second line answered the user with a knowledge-base article (a canned answer)."""

        def change() -> None:
            self.first_response_at = self.first_response_at or now
            self.awaiting_agent_since = None

        return self._move(Move.SEND_ARTICLE, agent.actor, now, change, article_id)

    def user_replied(self, now: datetime) -> TicketEvent:
        """The user answered second line's question; the next move is the holder's again."""

        def change() -> None:
            self.awaiting_agent_since = now

        return self._move(Move.USER_REPLIED, USER, now, change)

    def note(self, agent: Agent, text: str, now: datetime) -> TicketEvent:
        """An internal note the user never sees."""
        return self._move(Move.NOTE, agent.actor, now, _unchanged, text)

    def ask_for_help(self, agent: Agent, question: str, now: datetime) -> TicketEvent:
        """The holder asks the supervisors for help."""
        return self._move(Move.ASK_FOR_HELP, agent.actor, now, _unchanged, question)

    def resolve(
        self,
        agent: Agent,
        note: str,
        corrected_category: str | None,
        second_line_needed: bool,
        now: datetime,
    ) -> TicketEvent:
        """Second line's work is done, under the corrected category if given; the user rates it."""
        category = corrected_category or self.category
        labels = self._category_change(category) or f"category {category}"
        detail = f"{labels}; second line needed: {second_line_needed}"

        def change() -> None:
            self.resolution_note = note
            self.category = category
            self.corrected_category = category
            self.second_line_needed = second_line_needed
            self.resolved_at = now
            self.awaiting_agent_since = None

        return self._move(Move.RESOLVE, agent.actor, now, change, detail)

    # --- the user's verbs ----------------------------------------------------------------------

    def reopen(self, now: datetime, *, holder_available: bool, details: str = "") -> TicketEvent:
        """The user says it is not fixed (``details``: what they added): back to its holder if
        they can take it, else queued."""

        def change() -> None:
            self.resolved_at = None
            self.incident_id = None  # its own case again, linked to nothing
            if holder_available:
                self.awaiting_agent_since = now
            else:
                self.assignee_id = None

        move = Move.REOPEN_TO_HOLDER if holder_available else Move.REOPEN_TO_QUEUE
        return self._move(move, USER, now, change, details)

    def rate(self, rating: int, now: datetime) -> TicketEvent:
        """The user rates the help from 1 to 5, which closes the case."""
        if not 1 <= rating <= 5:
            raise TransitionNotAllowed("A rating is a number from 1 to 5.")

        def change() -> None:
            self.rating = rating
            self.closed_at = now

        return self._move(Move.RATE, USER, now, change, str(rating))

    def close_unrated(self, now: datetime) -> TicketEvent:
        """The user moved on without rating."""

        def change() -> None:
            self.closed_at = now

        return self._move(Move.CLOSE_UNRATED, USER, now, change)

    def cancel(self, now: datetime) -> TicketEvent:
        """The user no longer needs help."""

        def change() -> None:
            self.closed_at = now
            self.awaiting_agent_since = None

        return self._move(Move.CANCEL, USER, now, change)

    # --- the service-level check's verbs ----------------------------------------------------------

    def take_back(self, silence: str, now: datetime) -> TicketEvent:
        """The holder stayed silent too long: the case goes back to the queue."""
        return self._move(Move.TAKE_BACK, SYSTEM, now, self._unassign, f"silent {silence}")

    def offered(self, agents: Sequence[Agent], now: datetime) -> TicketEvent:
        """The queued case was offered to these people."""

        def change() -> None:
            self.offered_to = [agent.id for agent in agents]

        names = ", ".join(agent.name for agent in agents) or "nobody is available"
        return self._move(Move.OFFER, SYSTEM, now, change, names)

    def claim_breached(self, now: datetime) -> TicketEvent:
        """The case waited past its claim target."""

        def change() -> None:
            self.claim_breached_at = now

        return self._move(Move.CLAIM_BREACHED, SYSTEM, now, change)

    def resolve_breached(self, now: datetime) -> TicketEvent:
        """The case is open past its resolve target."""

        def change() -> None:
            self.resolve_breached_at = now

        return self._move(Move.RESOLVE_BREACHED, SYSTEM, now, change)

    def raise_priority(
        self, priority: Priority, category: str | None, actor: str, now: datetime
    ) -> TicketEvent:
        """Make the case more urgent (and, if given, recategorize it)."""
        if priority.rank >= self.priority.rank:
            raise TransitionNotAllowed(
                f"{self.reference} is {self.priority} already; {priority} is not higher."
            )
        recategorised = self._category_change(category or self.category)
        detail = "; ".join(filter(None, (f"{self.priority} to {priority}", recategorised)))

        def change() -> None:
            self.priority = priority
            self.category = category or self.category

        return self._move(Move.RAISE_PRIORITY, actor, now, change, detail)

    # --- major incidents' verbs ---------------------------------------------------------------

    def group_into(self, incident_id: int, incident: str, now: datetime) -> TicketEvent:
        """The desk saw this case in a burst and proposed ``incident`` (its reference)."""

        def change() -> None:
            self.incident_id = incident_id

        return self._move(Move.GROUP, SYSTEM, now, change, f"into proposed {incident}")

    def link(self, incident_id: int, incident: str, actor: str, now: datetime) -> TicketEvent:
        """The case becomes part of an open major incident: it leaves the queue, its holder
        and its service-level clocks, and is resolved with the incident."""

        def change() -> None:
            self.incident_id = incident_id
            self._unassign()

        return self._move(Move.LINK, actor, now, change, f"to {incident}")

    def unlink(self, incident: str, now: datetime) -> TicketEvent:
        """Its user wrote of something else, more urgent than the known problem (a never-miss
        rule): the case is its own again, queued, linked to nothing."""

        def change() -> None:
            self.incident_id = None
            self.awaiting_agent_since = None

        return self._move(Move.UNLINK, SYSTEM, now, change, f"from {incident}")

    def resolve_with_incident(self, incident: str, note: str, now: datetime) -> TicketEvent:
        """Its major incident is resolved; the user is asked whether it works for them."""

        def change() -> None:
            self.resolution_note = note
            self.resolved_at = now
            self.second_line_needed = self.first_response_at is not None

        return self._move(Move.RESOLVE_WITH_INCIDENT, SYSTEM, now, change, incident)

    # --- helpers -------------------------------------------------------------------------------

    def _move(
        self, move: Move, actor: str, now: datetime, change: Callable[[], None], detail: str = ""
    ) -> TicketEvent:
        self.check(move)
        before = self.status
        change()
        self.status = TRANSITIONS[move].to or before
        return TicketEvent(
            self.id, now, actor, TRANSITIONS[move].action, before.value, self.status.value, detail
        )

    def _category_change(self, category: str | None) -> str:
        """How an event's detail records a change of category: "" when it stays."""
        if category == self.category:
            return ""
        return f"category {self.category or 'uncategorised'} to {category}"

    def _assign(self, agent_id: int, now: datetime) -> Callable[[], None]:
        def change() -> None:
            self.assignee_id = agent_id
            self.claimed_at = self.claimed_at or now
            self.awaiting_agent_since = now

        return change

    def _reassign(self, agent_id: int, now: datetime) -> Callable[[], None]:
        def change() -> None:
            self.assignee_id = agent_id
            self.awaiting_agent_since = now

        return change

    def _unassign(self) -> None:
        self.assignee_id = None
        self.awaiting_agent_since = None


def _unchanged() -> None:
    """The change of a move that only records something."""


class NoticeKind(StrEnum):
    """What a notice is for, beyond its text."""

    MESSAGE = "message"
    OFFER = "offer"  # a queued case offered with a Claim choice, withdrawn once it moves on
    WITHDRAWAL = "withdrawal"  # an offer delivered earlier is no longer open, and why


@dataclass(frozen=True)
class Notice:
    """A message for a user or an agent, delivered by whichever door reaches them.

    ``case_status`` is the case's status as the card in the text shows it, so a notice read
    after the case moved on can say so; ``withdraws`` is the offer a withdrawal is about.
    """

    text: str
    user_id: int | None = None
    agent_id: int | None = None
    ticket_id: int | None = None
    choices: tuple[Choice, ...] = ()
    attachment: Attachment | None = None
    kind: NoticeKind = NoticeKind.MESSAGE
    case_status: TicketStatus | None = None
    withdraws: int | None = None
    parts: tuple[TextPart, ...] = ()  # as a Reply's: how the text is made up, when not plain

    @property
    def text_parts(self) -> tuple[TextPart, ...]:
        """What the notice is made of, for a door to render part by part."""
        return text_parts(self.text, self.parts)

    @classmethod
    def of_reply(
        cls, reply: Reply, user_id: int | None = None, agent_id: int | None = None
    ) -> Notice:
        """A reply kept in the outbox for a user or an agent, its text, parts and choices."""
        return cls(
            reply.text, user_id=user_id, agent_id=agent_id, choices=reply.choices, parts=reply.parts
        )


@dataclass(frozen=True)
class PendingNotice:
    """A stored notice not yet delivered; ``replaces`` is the door's reference of the message
    it takes the place of (the offer a withdrawal withdraws, as that door sent it)."""

    id: int
    notice: Notice
    replaces: str | None = None
    pieces_sent: int = 0  # of a long notice sent in pieces: those already accepted
    in_flight: bool = False  # piece ``pieces_sent`` was being sent: it may have arrived


class DeliveryOutcome(StrEnum):
    """How a notice's delivery ended (a notice still being retried has none yet)."""

    SENT = "sent"
    TIMED_OUT = "timed out"  # the channel may have it: never sent again, counted apart
    IN_DOUBT = "in doubt"  # being sent when its sender died: may have arrived, not resent
    UNDELIVERABLE = "undeliverable"  # blocked by the person, or refused by the channel


@dataclass(frozen=True)
class LiveOffer:
    """An offer of a case not yet withdrawn, and whether it has reached the person."""

    id: int
    agent_id: int
    delivered: bool


@dataclass(frozen=True)
class TranscriptLine:
    """One message of a conversation as second line reads it."""

    at: datetime
    direction: Direction
    text: str
    author: str | None = None
    attachment: Attachment | None = None


@dataclass(frozen=True)
class ServiceLevels:
    """Targets per priority, and how long a homeworker may stay silent on a case."""

    claim_within: Mapping[Priority, timedelta]
    resolve_within: Mapping[Priority, timedelta]
    silence_limit: timedelta
    offer_fanout: int = 2
    burst: BurstRule = DEFAULT_BURST  # how many similar reports in how long make a major incident

    @classmethod
    def from_minutes(
        cls,
        claim: Mapping[str, int],
        resolve: Mapping[str, int],
        silence_minutes: int,
        offer_fanout: int = 2,
        burst: BurstRule = DEFAULT_BURST,
    ) -> ServiceLevels:
        """Targets given in minutes per priority."""
        return cls(
            {Priority(p): timedelta(minutes=m) for p, m in claim.items()},
            {Priority(p): timedelta(minutes=m) for p, m in resolve.items()},
            timedelta(minutes=silence_minutes),
            offer_fanout,
            burst,
        )

    def claim_target(self, priority: Priority) -> timedelta:
        """How soon a case of this priority should be claimed."""
        return self.claim_within.get(priority, max(self.claim_within.values()))

    def resolve_target(self, priority: Priority) -> timedelta:
        """How soon a case of this priority should be resolved."""
        return self.resolve_within.get(priority, max(self.resolve_within.values()))


DEFAULT_SERVICE_LEVELS = ServiceLevels.from_minutes(
    claim={"P1": 15, "P2": 60, "P3": 240, "P4": 480},
    resolve={"P1": 240, "P2": 480, "P3": 1440, "P4": 4320},
    silence_minutes=60,
)
