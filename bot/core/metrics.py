"""The desk's figures: deflection, escalation, waits, service levels, satisfaction, reopens.

Pure computations over facts read from storage. A conversation belongs to the period it
started in, a ticket to the period it was created in; days are UTC days.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from bot.core.domain import Priority
from bot.core.tickets import ServiceLevels

REPEAT_WINDOW = timedelta(hours=72)
SATISFIED_FROM = 4
UNCATEGORISED = "uncategorised"
PRIORITIES = tuple(Priority)

_Key = TypeVar("_Key")
_T = TypeVar("_T")
_OPEN = frozenset({"queued", "assigned", "waiting_on_user"})


@dataclass(frozen=True)
class Period:
    """A half-open range of time, [since, until); an open end has no bound."""

    since: datetime | None = None
    until: datetime | None = None

    def contains(self, moment: datetime) -> bool:
        """Whether a moment falls inside the period."""
        return (self.since is None or moment >= self.since) and (
            self.until is None or moment < self.until
        )


@dataclass(frozen=True)
class ConversationFact:
    """One enquiry to first line, as the metrics need it."""

    id: int
    user_id: int
    status: str
    category: str | None
    started_at: datetime
    closed_at: datetime | None = None
    handed_off: bool = False
    not_solved: bool = False
    next_contact_at: datetime | None = None  # when the same user next asked something
    ticket_status: str | None = None


@dataclass(frozen=True)
class TicketFact:
    """One second-line case, as the metrics need it."""

    id: int
    status: str
    priority: Priority
    category: str | None  # second line's corrected category when it gave one
    created_at: datetime
    claimed_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    assignee_id: int | None = None
    assignee: str | None = None
    rating: int | None = None
    ever_resolved: bool = False
    reopened: bool = False


@dataclass(frozen=True)
class IncidentFact:
    """One major incident proposed in the period, as the metrics need it."""

    id: int
    status: str
    first_report_at: datetime
    confirmed_at: datetime | None = None
    resolved_at: datetime | None = None
    linked: int = 0  # enquiries ever linked to it
    needed_no_reply: int = 0  # linked cases resolved with it that no homeworker answered


@dataclass(frozen=True)
class DeskFacts:
    """Everything the figures are computed from, read as of one moment."""

    conversations: tuple[ConversationFact, ...]
    tickets: tuple[TicketFact, ...]
    as_of: datetime
    period: Period = Period()
    incidents: tuple[IncidentFact, ...] = ()


class EnquiryOutcome(StrEnum):
    """How an enquiry ended, for the daily volume."""

    DEFLECTED = "deflected"
    BOT_NOT_DEFLECTED = "bot, not deflected"
    SECOND_LINE = "resolved by second line"
    OPEN = "open"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Durations:
    """How many times were measured, their median and 90th percentile, in minutes."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True)
class Satisfaction:
    """Ratings given: how many, their mean, and the share of 4s and 5s."""

    responses: int = 0
    mean: float | None = None
    satisfied_share: float | None = None


@dataclass(frozen=True)
class Compliance:
    """How many decided cases met a target."""

    met: int = 0
    decided: int = 0

    @property
    def share(self) -> float | None:
        """The share that met it, or None when nothing was decided."""
        return ratio(self.met, self.decided)


@dataclass(frozen=True)
class PriorityCompliance:
    """Claim and resolve targets met, for one priority."""

    priority: Priority
    tickets: int
    claim: Compliance
    resolve: Compliance


@dataclass(frozen=True)
class Figures:
    """The desk's figures over one group of enquiries and cases."""

    conversations: int
    deflected: int
    escalated: int
    tickets: int
    first_response: Durations
    claim: Durations
    handling: Durations
    satisfaction: Satisfaction
    resolved: int
    reopened: int
    outcomes: tuple[tuple[EnquiryOutcome, int], ...]

    @property
    def deflection_rate(self) -> float | None:
        """Deflected enquiries over all enquiries."""
        return ratio(self.deflected, self.conversations)

    @property
    def escalation_rate(self) -> float | None:
        """Enquiries handed to second line over all enquiries."""
        return ratio(self.escalated, self.conversations)

    @property
    def reopen_rate(self) -> float | None:
        """Reopened cases over cases that were ever resolved."""
        return ratio(self.reopened, self.resolved)

    def outcome(self, outcome: EnquiryOutcome) -> int:
        """How many enquiries ended this way."""
        return dict(self.outcomes).get(outcome, 0)


@dataclass(frozen=True)
class HomeworkerFigures:
    """One person's cases: those they hold or held last."""

    agent_id: int
    name: str
    figures: Figures
    open_cases: int
    claim: Compliance
    resolve: Compliance


@dataclass(frozen=True)
class IncidentFigures:
    """Major incidents: how many, how many enquiries they took in, how fast they were
    confirmed and resolved from the first report, and the handling they saved."""

    confirmed: int = 0
    dismissed: int = 0
    linked: int = 0
    to_confirmation: Durations = Durations()
    to_resolution: Durations = Durations()
    needed_no_reply: int = 0
    saved_minutes: float | None = None  # needed_no_reply times the median handling time

    @property
    def any(self) -> bool:
        """Whether the desk proposed any major incident at all."""
        return bool(self.confirmed or self.dismissed)


def incident_figures(incidents: Sequence[IncidentFact], handling: Durations) -> IncidentFigures:
    """The major incidents' figures; the time saved is priced at the median handling time."""
    confirmed = [i for i in incidents if i.confirmed_at is not None]
    no_reply = sum(i.needed_no_reply for i in confirmed)
    return IncidentFigures(
        confirmed=len(confirmed),
        dismissed=sum(1 for i in incidents if i.status == "dismissed"),
        linked=sum(i.linked for i in confirmed),
        to_confirmation=durations(
            minutes_between(i.first_report_at, i.confirmed_at)
            for i in confirmed
            if i.confirmed_at is not None
        ),
        to_resolution=durations(
            minutes_between(i.first_report_at, i.resolved_at)
            for i in confirmed
            if i.resolved_at is not None
        ),
        needed_no_reply=no_reply,
        saved_minutes=None if handling.median is None else no_reply * handling.median,
    )


@dataclass(frozen=True)
class DeskReport:
    """Every figure of a period: overall, per priority, category, homeworker and day."""

    period: Period
    as_of: datetime
    overall: Figures
    service_levels: tuple[PriorityCompliance, ...]
    by_category: tuple[tuple[str, Figures], ...]
    by_homeworker: tuple[HomeworkerFigures, ...]
    by_day: tuple[tuple[date, Figures], ...]
    claim_waits: tuple[float, ...]  # minutes from creation to claim, for a histogram
    incidents: IncidentFigures = IncidentFigures()


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None for an empty whole."""
    return part / whole if whole else None


def minutes_between(start: datetime, end: datetime) -> float:
    """The minutes from one moment to another."""
    return (end - start).total_seconds() / 60


def minutes_text(minutes: float | None) -> str:
    """A duration for people: '45 min', '2 h 05 min', '3 d 4 h'; '-' for none."""
    if minutes is None:
        return "-"
    whole = round(minutes)
    if whole < 60:
        return f"{whole} min"
    hours, rest = divmod(whole, 60)
    if hours < 24:
        return f"{hours} h {rest:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def percent_text(share: float | None) -> str:
    """A share as a whole percentage; '-' for none."""
    return "-" if share is None else f"{share:.0%}"


def durations(minutes: Iterable[float]) -> Durations:
    """Median and 90th percentile (inclusive method) of some durations in minutes."""
    ordered = sorted(minutes)
    if not ordered:
        return Durations()
    if len(ordered) == 1:
        return Durations(1, ordered[0], ordered[0])
    p90 = statistics.quantiles(ordered, n=10, method="inclusive")[8]
    return Durations(len(ordered), statistics.median(ordered), p90)


def satisfaction(ratings: Iterable[int]) -> Satisfaction:
    """The mean rating and the share of 4s and 5s."""
    given = list(ratings)
    if not given:
        return Satisfaction()
    satisfied = sum(1 for rating in given if rating >= SATISFIED_FROM)
    return Satisfaction(len(given), statistics.fmean(given), satisfied / len(given))


def is_deflected(conversation: ConversationFact, window: timedelta = REPEAT_WINDOW) -> bool:
    """Resolved by the bot alone: no handoff, no 'not solved', no new enquiry within the window."""
    if conversation.status != "resolved" or conversation.handed_off or conversation.not_solved:
        return False
    if conversation.next_contact_at is None:
        return True
    ended = conversation.closed_at or conversation.started_at
    return conversation.next_contact_at - ended > window


def outcome_of(conversation: ConversationFact, window: timedelta = REPEAT_WINDOW) -> EnquiryOutcome:
    """How an enquiry ended (so far)."""
    if conversation.status == "cancelled" or conversation.ticket_status == "cancelled":
        return EnquiryOutcome.CANCELLED
    if conversation.ticket_status in ("resolved", "closed"):
        return EnquiryOutcome.SECOND_LINE
    if conversation.handed_off:
        return EnquiryOutcome.OPEN
    if conversation.status != "resolved":
        return EnquiryOutcome.OPEN
    return (
        EnquiryOutcome.DEFLECTED
        if is_deflected(conversation, window)
        else EnquiryOutcome.BOT_NOT_DEFLECTED
    )


def claim_met(ticket: TicketFact, levels: ServiceLevels, as_of: datetime) -> bool | None:
    """Whether the case was claimed within target; None while that is still undecided."""
    target = levels.claim_target(ticket.priority)
    if ticket.claimed_at is not None:
        return ticket.claimed_at - ticket.created_at <= target
    return _missed_or_pending(ticket, target, as_of)


def resolve_met(ticket: TicketFact, levels: ServiceLevels, as_of: datetime) -> bool | None:
    """Whether the case was resolved within target; None while that is still undecided."""
    target = levels.resolve_target(ticket.priority)
    if ticket.resolved_at is not None:
        return ticket.resolved_at - ticket.created_at <= target
    return _missed_or_pending(ticket, target, as_of)


def _missed_or_pending(ticket: TicketFact, target: timedelta, as_of: datetime) -> bool | None:
    """A case not yet there has missed once its target passed (a cancelled one: by then)."""
    end = ticket.closed_at if ticket.status == "cancelled" and ticket.closed_at else as_of
    return False if end - ticket.created_at > target else None


def compliance(
    tickets: Iterable[TicketFact],
    met: Callable[[TicketFact, ServiceLevels, datetime], bool | None],
    levels: ServiceLevels,
    as_of: datetime,
) -> Compliance:
    """How many of the decided cases met the target."""
    verdicts = [met(ticket, levels, as_of) for ticket in tickets]
    decided = [v for v in verdicts if v is not None]
    return Compliance(sum(decided), len(decided))


def figures(
    conversations: Sequence[ConversationFact],
    tickets: Sequence[TicketFact],
    window: timedelta = REPEAT_WINDOW,
) -> Figures:
    """The figures over these enquiries and cases."""
    outcomes = [outcome_of(c, window) for c in conversations]
    return Figures(
        conversations=len(conversations),
        deflected=outcomes.count(EnquiryOutcome.DEFLECTED),
        escalated=sum(1 for c in conversations if c.handed_off),
        tickets=len(tickets),
        first_response=durations(
            minutes_between(t.created_at, t.first_response_at)
            for t in tickets
            if t.first_response_at is not None
        ),
        claim=durations(claim_waits(tickets)),
        handling=durations(
            minutes_between(t.claimed_at, t.resolved_at)
            for t in tickets
            if t.claimed_at is not None and t.resolved_at is not None
        ),
        satisfaction=satisfaction(t.rating for t in tickets if t.rating is not None),
        resolved=sum(1 for t in tickets if t.ever_resolved),
        reopened=sum(1 for t in tickets if t.reopened),
        outcomes=tuple((o, outcomes.count(o)) for o in EnquiryOutcome),
    )


def claim_waits(tickets: Iterable[TicketFact]) -> list[float]:
    """Minutes from creation to claim, for each claimed case."""
    return [
        minutes_between(t.created_at, t.claimed_at) for t in tickets if t.claimed_at is not None
    ]


def service_levels(
    tickets: Sequence[TicketFact], levels: ServiceLevels, as_of: datetime
) -> tuple[PriorityCompliance, ...]:
    """Claim and resolve compliance for each priority."""
    rows = []
    for priority in sorted({*PRIORITIES, *(t.priority for t in tickets)}):
        mine = [t for t in tickets if t.priority == priority]
        rows.append(
            PriorityCompliance(
                priority,
                len(mine),
                compliance(mine, claim_met, levels, as_of),
                compliance(mine, resolve_met, levels, as_of),
            )
        )
    return tuple(rows)


def _grouped(items: Iterable[_T], key: Callable[[_T], _Key]) -> dict[_Key, list[_T]]:
    groups: dict[_Key, list[_T]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return groups


def conversation_category(conversation: ConversationFact) -> str:
    """The category an enquiry is counted under."""
    return conversation.category or UNCATEGORISED


def ticket_category(ticket: TicketFact) -> str:
    """The category a case is counted under."""
    return ticket.category or UNCATEGORISED


def homeworker_figures(
    tickets: Sequence[TicketFact], levels: ServiceLevels, as_of: datetime
) -> tuple[HomeworkerFigures, ...]:
    """Each assignee's cases, by name."""
    rows = []
    for agent_id, mine in _grouped(
        (t for t in tickets if t.assignee_id is not None), lambda t: t.assignee_id
    ).items():
        assert agent_id is not None
        rows.append(
            HomeworkerFigures(
                agent_id=agent_id,
                name=mine[0].assignee or f"agent {agent_id}",
                figures=figures((), mine),
                open_cases=sum(1 for t in mine if t.status in _OPEN),
                claim=compliance(mine, claim_met, levels, as_of),
                resolve=compliance(mine, resolve_met, levels, as_of),
            )
        )
    return tuple(sorted(rows, key=lambda row: row.name))


def report(
    facts: DeskFacts, levels: ServiceLevels, window: timedelta = REPEAT_WINDOW
) -> DeskReport:
    """Every figure of the period the facts were read for."""
    conversations, tickets = facts.conversations, facts.tickets
    by_category_c = _grouped(conversations, conversation_category)
    by_category_t = _grouped(tickets, ticket_category)
    by_day_c = _grouped(conversations, lambda c: c.started_at.date())
    by_day_t = _grouped(tickets, lambda t: t.created_at.date())
    overall = figures(conversations, tickets, window)
    return DeskReport(
        period=facts.period,
        as_of=facts.as_of,
        overall=overall,
        service_levels=service_levels(tickets, levels, facts.as_of),
        by_category=tuple(
            (name, figures(by_category_c.get(name, []), by_category_t.get(name, []), window))
            for name in sorted({*by_category_c, *by_category_t})
        ),
        by_homeworker=homeworker_figures(tickets, levels, facts.as_of),
        by_day=tuple(
            (day, figures(by_day_c.get(day, []), by_day_t.get(day, []), window))
            for day in sorted({*by_day_c, *by_day_t})
        ),
        claim_waits=tuple(claim_waits(tickets)),
        incidents=incident_figures(facts.incidents, overall.handling),
    )
