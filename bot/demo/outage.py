"""One outage in the demo month: many people report the VPN down within minutes, the desk
proposes a major incident, the supervisor confirms it, and its owner works it to the fix."""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from bot.core.domain import Reply, Sender
from bot.core.incident_desk import IncidentDesk
from bot.core.incidents import IncidentStatus, incident_reference
from bot.core.ports import UnitOfWorkFactory
from bot.demo.clock import Timeline
from bot.errors import Refused

OUTAGE_HOUR = 9.5  # UTC, on the middle day of the simulation: the morning peak
REPORTERS = 14
REPORTS = (
    "the vpn is down, I can't connect from home",
    "vpn won't connect since this morning",
    "can't connect to the vpn, it times out",
    "VPN down? cannot connect",
    "the vpn keeps failing to connect",
    "vpn connection fails with a timeout",
    "is the vpn down? I can't connect to anything",
    "cannot connect to vpn from home today",
)
ASK_FOR_A_PERSON = "talk to a person"
TITLE = "VPN gateway down"
WORKAROUND = "Work from the office network or use Outlook on the web until the VPN is back."
UPDATE = "The network team found a failed card in the VPN gateway; a spare is being fitted."
FIX = "The VPN gateway's failed card was replaced; connections work again."
NOT_FIXED_SHARE = 0.1
Handle = Callable[[Sender, str], list[Reply]]


@dataclass
class Outage:
    """Schedules the outage's reports, and the supervisor's and owner's moves on it."""

    handle: Handle
    incidents: IncidentDesk
    units: UnitOfWorkFactory
    supervisor_id: int
    timeline: Timeline
    rng: random.Random
    reporters: list[Sender] = field(default_factory=list)

    def schedule(self, start: datetime, end: datetime) -> None:
        """Put the outage on the middle day, reports two to five minutes apart."""
        day = start + timedelta(days=(end - start).days // 2)
        moment = day + timedelta(hours=OUTAGE_HOUR)
        for number in range(1, REPORTERS + 1):
            sender = Sender("demo", f"outage-{number:02d}", f"Colleague {number}")
            self.reporters.append(sender)
            text = REPORTS[(number - 1) % len(REPORTS)]
            self.timeline.at(moment, partial(self._report, sender, text))
            moment += timedelta(minutes=self.rng.uniform(2, 5))
        self.timeline.at(day + timedelta(hours=OUTAGE_HOUR), self._watch)

    def _report(self, sender: Sender, text: str) -> None:
        answer = " ".join(reply.text for reply in self.handle(sender, text))
        if "T-" not in answer:  # an article, or "tell me more": they want a person
            self.handle(sender, ASK_FOR_A_PERSON)

    def _watch(self) -> None:
        """The supervisor reads the proposal within minutes and confirms it."""
        with self.units(read_only=True) as uow:
            proposed = uow.incidents.with_status(IncidentStatus.PROPOSED)
        if not proposed:
            self.timeline.after(timedelta(minutes=3), self._watch)
            return
        reference = incident_reference(proposed[0].id)
        self.timeline.after(timedelta(minutes=6), lambda: self._confirm(reference))

    def _confirm(self, reference: str) -> None:
        self._try(lambda: self.incidents.confirm(self.supervisor_id, reference, TITLE))
        steps: tuple[tuple[int, Callable[[], Reply]], ...] = (
            (20, lambda: self.incidents.set_workaround(self.supervisor_id, reference, WORKAROUND)),
            (45, lambda: self.incidents.post_update(self.supervisor_id, reference, UPDATE)),
            (100, lambda: self.incidents.resolve(self.supervisor_id, reference, FIX)),
        )
        for minutes, step in steps:
            self.timeline.after(timedelta(minutes=minutes), partial(self._try, step))
        self.timeline.after(timedelta(minutes=101), self._answers)

    def _answers(self) -> None:
        """Each linked user says whether it works for them: a rating, or "not fixed"."""
        for sender in self.reporters:
            answer = "not fixed" if self.rng.random() < NOT_FIXED_SHARE else "5"
            delay = timedelta(minutes=self.rng.uniform(5, 90))
            self.timeline.after(delay, partial(self._say, sender, answer))

    def _say(self, sender: Sender, text: str) -> None:
        self.handle(sender, text)

    @staticmethod
    def _try(step: Callable[[], Reply]) -> None:
        with suppress(Refused):  # the simulation goes on, as a person would
            step()
