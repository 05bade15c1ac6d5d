"""Simulated end users: they ask, answer the bot, talk to second line, rate, cancel, come back."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bot.core import texts
from bot.core.domain import Reply, Sender
from bot.core.tickets import TicketStatus
from bot.demo.clock import Timeline
from bot.demo.material import FIRST_NAMES, MORE_DETAIL, SURNAME_INITIALS, USER_ANSWERS, Enquiry

REFERENCE = re.compile(r"Your reference is (T-\d+)")
Handle = Callable[[Sender, str], list[Reply]]
StatusOf = Callable[[str], TicketStatus | None]
TitleOf = Callable[[str], str | None]
PEOPLE = 400


@dataclass
class Case:
    """A user's request with second line, as the user remembers it."""

    sender: Sender
    enquiry: Enquiry
    reopened: bool = False
    replies: int = 0


@dataclass
class Users:
    """The people who write to the desk, and how each of them behaves."""

    handle: Handle
    status_of: StatusOf
    title_of: TitleOf
    timeline: Timeline
    rng: random.Random
    pools: Sequence[Sequence[Enquiry]]  # drawn from in turn with the weights below
    weights: Sequence[float]
    people: list[Sender] = field(default_factory=list)
    cases: dict[str, Case] = field(default_factory=dict)
    busy: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for number in range(PEOPLE):
            name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAME_INITIALS)}."
            self.people.append(Sender("demo", f"employee-{number + 1:03d}", name))

    # --- first line ----------------------------------------------------------------------

    def arrive(self) -> None:
        """Someone free asks a new question (now and then straight for a person)."""
        free = [p for p in self.people if p.external_id not in self.busy]
        if not free:
            return
        sender = self.rng.choice(free)
        pool = self.rng.choices(self.pools, self.weights)[0]
        enquiry = self.rng.choice(pool)
        self._ask(sender, enquiry)

    def _ask(self, sender: Sender, enquiry: Enquiry) -> None:
        if sender.external_id in self.busy:
            return
        if self.rng.random() < 0.03:
            self._say(sender, enquiry, "talk to a person")
            return
        self._say(sender, enquiry, enquiry.text)

    def _say(self, sender: Sender, enquiry: Enquiry, text: str, depth: int = 0) -> None:
        replies = self.handle(sender, text)
        said = "\n".join(reply.text for reply in replies)
        reference = REFERENCE.search(said)
        if reference is not None:
            self._handed_over(sender, enquiry, reference.group(1))
        elif depth < 6 and any(
            choice.value == texts.SOLVED.value for reply in replies for choice in reply.choices
        ):
            self._later(3, 15, lambda: self._feedback(sender, enquiry, said, depth))
        elif depth < 6 and any(reply.text == texts.NEED_DETAIL for reply in replies):
            answer = "talk to a person" if self.rng.random() < 0.5 else self.rng.choice(MORE_DETAIL)
            self._later(2, 10, lambda: self._say(sender, enquiry, answer, depth + 1))

    def _feedback(self, sender: Sender, enquiry: Enquiry, shown: str, depth: int) -> None:
        if sender.external_id in self.busy:
            return
        odds = self.rng.random()
        if odds < 0.08:
            return  # wanders off without answering
        if odds < 0.08 + self._chance_solved(enquiry, shown) * 0.92:
            self._say(sender, enquiry, self.rng.choice(("yes", "yes thanks", "that worked")))
            if self.rng.random() < 0.08:
                self._later(60, 48 * 60, lambda: self._ask(sender, self._related(enquiry)))
        elif odds < 0.95:
            self._say(sender, enquiry, self.rng.choice(("no", "didn't work")), depth + 1)
        else:
            self._say(sender, enquiry, "talk to a person", depth + 1)

    def _chance_solved(self, enquiry: Enquiry, shown: str) -> float:
        if enquiry.article_id is None:
            return 0.6
        title = self.title_of(enquiry.article_id)
        return 0.85 if title is not None and shown.startswith(title) else 0.25

    def _related(self, enquiry: Enquiry) -> Enquiry:
        same = [
            e
            for pool in self.pools
            for e in pool
            if e.category == enquiry.category and e != enquiry
        ]
        return self.rng.choice(same) if same else enquiry

    # --- second line ---------------------------------------------------------------------

    def _handed_over(self, sender: Sender, enquiry: Enquiry, reference: str) -> None:
        self.busy.add(sender.external_id)
        self.cases[reference] = Case(sender, enquiry)
        if self.rng.random() < 0.06:
            self._later(20, 240, lambda: self._cancel_if_waiting(reference))

    def _cancel_if_waiting(self, reference: str) -> None:
        case = self.cases[reference]
        if self.status_of(reference) is TicketStatus.QUEUED:
            self.handle(case.sender, "/cancel")
            self.busy.discard(case.sender.external_id)

    def answered_by_team(self, reference: str) -> None:
        """A homeworker replied: the user answers after a while."""
        case = self.cases.get(reference)
        if case is None:
            return
        case.replies += 1
        text = self.rng.choice(USER_ANSWERS)
        self._later(4, 50, lambda: self._reply_if_open(case, reference, text))

    def _reply_if_open(self, case: Case, reference: str, text: str) -> None:
        if self.status_of(reference) in (TicketStatus.WAITING_ON_USER, TicketStatus.ASSIGNED):
            self.handle(case.sender, text)

    def resolved(self, reference: str, waited: timedelta) -> None:
        """The team resolved the case: the user rates it, says it's not fixed, or moves on."""
        case = self.cases.get(reference)
        if case is None:
            return
        odds = self.rng.random()
        if odds < 0.07 and not case.reopened:
            case.reopened = True
            self._later(15, 180, lambda: self._if_resolved(case, reference, "not fixed"))
        elif odds < 0.85:
            rating = self._rating(waited)
            self._later(5, 240, lambda: self._if_resolved(case, reference, str(rating)))
        else:
            self.busy.discard(case.sender.external_id)  # never rates; the next question closes it

    def _if_resolved(self, case: Case, reference: str, text: str) -> None:
        if self.status_of(reference) is TicketStatus.RESOLVED:
            self.handle(case.sender, text)
        if text != "not fixed":
            self.busy.discard(case.sender.external_id)

    def _rating(self, waited: timedelta) -> int:
        hours = waited.total_seconds() / 3600
        weights = (
            (1, 1, 3, 10, 25) if hours < 2 else (2, 3, 6, 10, 9) if hours < 8 else (5, 6, 8, 6, 4)
        )
        return self.rng.choices((1, 2, 3, 4, 5), weights)[0]

    def _later(self, low: float, high: float, action: Callable[[], None]) -> None:
        self.timeline.after(timedelta(minutes=self.rng.uniform(low, high)), action)
