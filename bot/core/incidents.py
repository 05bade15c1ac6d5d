"""Major incidents: one parent for many people reporting the same outage, and how to spot one.

A burst of similar enquiries (alike in words, in the same category unless their words are
near the same) within a sliding window (at least :attr:`BurstRule.reports` in
:attr:`BurstRule.window`) is proposed to the supervisors as a major incident. Once confirmed
it is open: its grouped cases and every new enquiry that matches it are linked to it instead
of queued, until its owner resolves it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.errors import TransitionNotAllowed

INCIDENT_PREFIX = "MI-"
SIMILAR = 0.35  # the similarity from which two reports (or a report and an incident) match
ACROSS_CATEGORIES = 0.7  # the similarity from which they match in different categories
TITLE_WORDS = 5
MIN_STEM = 3
_ENDINGS = ("shes", "ches", "xes", "sses", "ing", "ion", "ed", "s")  # longest first
_WORD = re.compile(r"[a-z0-9][a-z0-9'._-]*")
_REFERENCE = re.compile(r"(?i)(MI-)?([0-9]{1,9})")
_STOP_TEXT = """
    a about after again all am an and any anyone are as at be been being but by can can't cannot
    could did do does doesn't don't for from get getting gets got had has have having he
    help her here hi hello him his how i i'm if in into is isn't it it's its just keep keeps
    me my no not now of on one or our out please since so some still that the their them then
    there they this to today too up us was wasn't we were what when where which while who why
    will with won't work working works would you your"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())
_SYMPTOM_TEXT = """
    down crash crashing slow error fail failing broken issue problem stuck offline open load
    connect disconnect start laptop computer pc machine desktop phone mobile screen everyone
    anything morning access new update upgrade home office whole"""


class IncidentStatus(StrEnum):
    """Where a major incident stands."""

    PROPOSED = "proposed"  # the desk saw a burst; a supervisor confirms or dismisses it
    OPEN = "open"  # confirmed: matching enquiries are linked to it
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


def incident_reference(incident_id: int) -> str:
    """The reference people quote for a major incident, e.g. MI-3."""
    return f"{INCIDENT_PREFIX}{incident_id}"


def incident_id_from_reference(reference: str) -> int | None:
    """The id behind ``MI-3`` (or ``3``), or None if it is not a plausible one."""
    found = _REFERENCE.fullmatch(reference.strip())
    return int(found.group(2)) if found and int(found.group(2)) > 0 else None


def terms(text: str) -> frozenset[str]:
    """The words of a report that say what it is about (no stop words), without their
    common endings ("connection" and "connecting" are "connect")."""
    return frozenset(_stem(w) for w in _WORD.findall(text.casefold()) if w not in _STOP_WORDS)


def _stem(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            kept = ending[:-2] if ending.endswith("es") and len(ending) > 2 else ""
            return word.removesuffix(ending) + kept
    return word


_SYMPTOMS = frozenset(_stem(word) for word in _SYMPTOM_TEXT.split())  # shared, they prove little


def similarity(left: frozenset[str], right: frozenset[str]) -> float:
    """How alike two sets of terms are, from 0 to 1 (cosine of their word sets)."""
    if not left or not right:
        return 0.0
    return len(left & right) / math.sqrt(len(left) * len(right))


def alike(left: frozenset[str], right: frozenset[str], threshold: float) -> bool:
    """Whether two reports are about the same thing: similar enough, and sharing a word that
    names something rather than a symptom, so "printer down" is not "vpn down"."""
    return bool((left & right) - _SYMPTOMS) and similarity(left, right) >= threshold


@dataclass(frozen=True)
class BurstRule:
    """How many similar reports within how long make a burst worth proposing."""

    reports: int = 5
    window: timedelta = timedelta(minutes=15)
    similar: float = SIMILAR


DEFAULT_BURST = BurstRule()


@dataclass(frozen=True)
class Report:
    """One enquiry as the detector sees it: its case, words, category and time."""

    ticket_id: int
    text: str
    category: str | None
    at: datetime

    @property
    def terms(self) -> frozenset[str]:
        """The words that say what it is about."""
        return terms(self.text)


@dataclass(frozen=True)
class Burst:
    """Reports similar enough, close enough in time, to be one incident; a suggested title."""

    reports: tuple[Report, ...]
    category: str | None
    title: str
    terms: tuple[str, ...]

    @property
    def first_at(self) -> datetime:
        """When the earliest of the reports came in."""
        return min(report.at for report in self.reports)


def find_burst(latest: Report, recent: Sequence[Report], rule: BurstRule) -> Burst | None:
    """The burst ``latest`` completes among ``recent`` reports (not yet grouped), if any: the
    reports in the window and category like it, or like one of those ("vpn down" and "can't
    connect to the vpn" are one outage when someone wrote "vpn down, can't connect")."""
    since = latest.at - rule.window
    window = [
        report
        for report in recent
        if report.ticket_id != latest.ticket_id and since <= report.at <= latest.at
    ]
    near = [r for r in window if related(r, latest, rule)]
    second = [r for r in window if r not in near and any(related(r, n, rule) for n in near)]
    group = (*sorted((*near, *second), key=lambda r: (r.at, r.ticket_id)), latest)
    if len(group) < rule.reports:
        return None
    shared = _shared_terms(group)
    return Burst(group, latest.category, _title(latest.category, group, shared), shared)


def related(left: Report, right: Report, rule: BurstRule) -> bool:
    """Whether two reports are of one problem: alike, in the same category unless their
    words are near the same (triage sometimes files an outage report under another)."""
    mine, theirs = left.terms, right.terms
    if not alike(mine, theirs, rule.similar):
        return False
    same = _same_category(left.category, right.category)
    return same or similarity(mine, theirs) >= ACROSS_CATEGORIES


def _same_category(left: str | None, right: str | None) -> bool:
    return left is None or right is None or left == right


def _shared_terms(group: Sequence[Report]) -> tuple[str, ...]:
    """The words at least half the reports use, most used first (ties: alphabetical)."""
    counts = Counter(word for report in group for word in report.terms)
    enough = max(2, math.ceil(len(group) / 2))
    return tuple(w for w, n in sorted(counts.items(), key=lambda i: (-i[1], i[0])) if n >= enough)


def _title(category: str | None, group: Sequence[Report], shared: Sequence[str]) -> str:
    words = " ".join(shared[:TITLE_WORDS]) or group[-1].text[:60]
    return f"{(category or 'IT').capitalize()}: {words}"


@dataclass
class MajorIncident:
    """Many reports of one problem; its verbs check the move, change it, and say what happened."""

    id: int
    title: str
    category: str | None
    status: IncidentStatus
    terms: tuple[str, ...]
    created_at: datetime
    first_report_at: datetime
    owner_id: int | None = None
    workaround: str = ""
    confirmed_at: datetime | None = None
    resolved_at: datetime | None = None
    resolution: str = ""
    updates: list[str] = field(default_factory=list)

    @property
    def reference(self) -> str:
        """The reference people quote, e.g. MI-3."""
        return incident_reference(self.id)

    @property
    def is_open(self) -> bool:
        """Whether new matching enquiries are linked to it."""
        return self.status is IncidentStatus.OPEN

    def matches(
        self,
        report: Report,
        reports: Sequence[Report] = (),
        rule: BurstRule = DEFAULT_BURST,
    ) -> bool:
        """Whether an enquiry reports this incident: like the words its reports share, or
        like one of its ``reports`` (those grouped into or linked to it)."""
        signature = Report(0, " ".join(self.terms), self.category, report.at)
        return any(related(report, known, rule) for known in (signature, *reports))

    def confirm(self, owner_id: int, now: datetime, title: str = "") -> None:
        """A supervisor confirms the proposal; ``owner_id`` runs it from now on."""
        self._check(IncidentStatus.PROPOSED, "confirmed")
        self.status = IncidentStatus.OPEN
        self.owner_id = owner_id
        self.confirmed_at = now
        self.title = title or self.title

    def dismiss(self) -> None:
        """A supervisor says the burst is not one incident; its cases stay as they are."""
        self._check(IncidentStatus.PROPOSED, "dismissed")
        self.status = IncidentStatus.DISMISSED

    def post_update(self, text: str) -> None:
        """The owner's news for every linked user."""
        self._check(IncidentStatus.OPEN, "updated")
        self.updates.append(text)

    def set_workaround(self, text: str) -> None:
        """What users can do meanwhile, told to everyone linked from now on."""
        self._check(IncidentStatus.OPEN, "given a workaround")
        self.workaround = text

    def resolve(self, note: str, now: datetime) -> None:
        """The problem is fixed; every linked user is asked whether it works for them."""
        self._check(IncidentStatus.OPEN, "resolved")
        self.status = IncidentStatus.RESOLVED
        self.resolution = note
        self.resolved_at = now

    def _check(self, needed: IncidentStatus, move: str) -> None:
        if self.status is not needed:
            raise TransitionNotAllowed(
                f"{self.reference} is {self.status.value}; only a {needed.value} major incident "
                f"can be {move}."
            )
