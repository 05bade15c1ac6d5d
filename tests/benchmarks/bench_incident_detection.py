"""How well the desk spots outages: synthetic bursts mixed with ordinary traffic.

Run: .venv/bin/python -m tests.benchmarks.bench_incident_detection [--days 10] [--per-hour 20]

Ordinary traffic is the classifier's labelled enquiries (classifier/data/enquiries.csv, with
their categories), arriving at random through working hours. Into it go outages: each a burst
of people describing one problem in their own words (a VPN down, Teams crashing after an
upgrade, single sign-on failing...) within half an hour, some miscategorised by triage. Every
case goes through the real intake (:func:`link_or_detect` on SQLite), with the default burst
rule (5 similar reports in 15 minutes) unless told otherwise; a supervisor confirms a proposal
whose reports are mostly one outage and dismisses any other.

It prints, for proposals: precision (proposals that were a real outage) and recall (outages
proposed); for reports: precision (cases grouped or linked that belong to that outage) and
recall (outage reports grouped or linked to it); and the minutes from an outage's first
report to its proposal.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.domain import Priority, Sender
from bot.core.incident_intake import link_or_detect
from bot.core.incidents import DEFAULT_BURST, BurstRule, IncidentStatus
from bot.core.ports import UnitOfWork
from bot.core.tickets import Agent, HandoffPacket, Role, Ticket, TicketStatus
from bot.storage.database import make_engine, make_session_factory, upgrade_schema
from bot.storage.unit_of_work import sql_units_of_work
from classifier import DEFAULT_TRAINING_DATA

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
WORK_HOURS = range(8, 17)
CATEGORIES = ("account", "collaboration", "email", "hardware", "network", "printing", "software")
MISCATEGORISED = 0.15  # the share of outage reports triage puts in another category
FIXED_AFTER = timedelta(minutes=30)  # after an outage's last report, its owner resolves it


@dataclass(frozen=True)
class Outage:
    """One problem many people report: its category and how they say it."""

    name: str
    category: str
    subjects: tuple[str, ...]
    symptoms: tuple[str, ...]


OUTAGES = (
    Outage("vpn", "network", ("vpn", "the vpn", "VPN client", "globalprotect"),
           ("is down", "won't connect", "keeps disconnecting", "times out when connecting",
            "not connecting since 9")),
    Outage("teams", "collaboration", ("teams", "microsoft teams", "Teams after the update"),
           ("crashes on start", "won't open", "keeps crashing", "stuck on loading screen")),
    Outage("sso", "account", ("single sign-on", "sso login", "okta login", "the login page"),
           ("fails with error 500", "is not accepting my password", "is down", "loops forever")),
    Outage("outlook", "email", ("outlook", "email", "my mailbox", "exchange"),
           ("is not syncing", "won't send emails", "is down", "stuck on disconnected")),
    Outage("wifi", "network", ("wifi on floor 3", "the wireless", "office wifi", "wifi"),
           ("keeps dropping", "has no internet", "not working", "is down again")),
    Outage("expenses", "software", ("the new expenses app", "expenses app", "expense portal"),
           ("error after the upgrade", "won't load", "crashes when I submit", "is blank")),
    Outage("printers", "printing", ("printers on floor 2", "print queue", "the printer"),
           ("offline", "jobs stuck in the queue", "not printing anything", "all offline")),
    Outage("drive", "network", ("shared drive", "S drive", "the file share", "network drive"),
           ("not accessible", "disconnected", "won't map", "access denied for everyone")),
)  # fmt: skip
OPENINGS = ("", "hi, ", "urgent: ", "anyone else? ", "hello, ", "")
ENDINGS = ("", " from home", ", can't work", " for the whole team", " since this morning", "")


@dataclass(frozen=True)
class Arrival:
    """One enquiry reaching second line: when, what, its category, and its outage if any."""

    at: datetime
    text: str
    category: str | None
    outage: int | None = None  # the index of the injected outage it reports


def ordinary_traffic(days: int, per_hour: float, rng: random.Random) -> list[Arrival]:
    """Labelled enquiries arriving at random through working hours on weekdays."""
    with Path(DEFAULT_TRAINING_DATA).open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.DictReader(handle)
        pool = [(row["text"].strip(), row["category"].strip() or None) for row in rows]
    arrivals = []
    for day in range(days):
        date = START + timedelta(days=day)
        if date.weekday() >= 5:
            continue
        for hour in WORK_HOURS:
            for _ in range(round(rng.gauss(per_hour, per_hour / 4))):
                text, category = rng.choice(pool)
                at = date + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
                arrivals.append(Arrival(at, text, category))
    return arrivals


def injected_outages(days: int, rng: random.Random) -> list[Arrival]:
    """One burst per outage kind, on a random working day and hour: 6 to 20 reports."""
    weekdays = [d for d in range(days) if (START + timedelta(days=d)).weekday() < 5]
    arrivals = []
    for index, outage in enumerate(OUTAGES):
        at = START + timedelta(days=rng.choice(weekdays), hours=rng.uniform(8, 15))
        for _ in range(rng.randint(6, 20)):
            text = (
                rng.choice(OPENINGS) + f"{rng.choice(outage.subjects)} "
                f"{rng.choice(outage.symptoms)}{rng.choice(ENDINGS)}"
            )
            category = outage.category
            if rng.random() < MISCATEGORISED:
                category = rng.choice([c for c in CATEGORIES if c != outage.category])
            arrivals.append(Arrival(at, text, category, index))
            at += timedelta(minutes=rng.expovariate(1 / 2.5))
    return arrivals


def _ticket(uow: UnitOfWork, arrival: Arrival, number: int) -> Ticket:
    user_id = uow.users.ensure(Sender("bench", f"user-{number}"), arrival.at)
    conversation = uow.conversations.start(user_id, arrival.at)
    packet = HandoffPacket(
        f"user-{number}", arrival.text, arrival.text, "asked", "dialogue", arrival.category,
        0.9, (), Priority.P3, (), (),
    )  # fmt: skip
    return uow.tickets.add(
        Ticket(0, conversation.id, user_id, TicketStatus.QUEUED, Priority.P3, arrival.category,
               packet, arrival.at)
    )  # fmt: skip


@dataclass
class Outcome:
    """What the intake did with the arrivals."""

    proposals: list[list[int | None]]  # per proposal: the outage of each report it grouped
    linked: dict[int, list[int | None]]  # per proposal confirmed: outage of each case linked
    proposed_after: dict[int, float]  # per outage detected: minutes from first report


def run(arrivals: list[Arrival], rule: BurstRule, database: Path) -> Outcome:
    """Every arrival through the real intake; the supervisor judges each proposal at once."""
    engine = make_engine(f"sqlite:///{database}")
    upgrade_schema(engine)
    units = sql_units_of_work(make_session_factory(engine))
    outage_of: dict[int, int | None] = {}
    first_report: dict[int, datetime] = {}
    last_report: dict[int, datetime] = {}
    for arrival in sorted(arrivals, key=lambda a: a.at):
        if arrival.outage is not None:
            last_report[arrival.outage] = arrival.at
    fixed: dict[int, datetime] = {}  # per incident confirmed: when its owner resolves it
    outcome = Outcome([], {}, {})
    with units() as uow:
        boss = uow.agents.add(Agent(0, "boss", Role.SUPERVISOR, on_shift=True), START)
        for number, arrival in enumerate(sorted(arrivals, key=lambda a: a.at)):
            if arrival.outage is not None:
                first_report.setdefault(arrival.outage, arrival.at)
            for incident in uow.incidents.with_status(IncidentStatus.OPEN):
                if arrival.at >= fixed[incident.id]:
                    incident.resolve("fixed", arrival.at)
                    uow.incidents.save(incident)
            ticket = _ticket(uow, arrival, number)
            outage_of[ticket.id] = arrival.outage
            link_or_detect(uow, ticket, arrival.at, rule)
            for incident in uow.incidents.with_status(IncidentStatus.PROPOSED):
                grouped = [outage_of[t.id] for t in uow.tickets.of_incident(incident.id)]
                outcome.proposals.append(grouped)
                main, count = Counter(grouped).most_common(1)[0]
                if main is not None and count * 2 >= len(grouped):
                    incident.confirm(boss.id, arrival.at)
                    fixed[incident.id] = max(last_report[main], arrival.at) + FIXED_AFTER
                    minutes = (arrival.at - first_report[main]).total_seconds() / 60
                    outcome.proposed_after.setdefault(main, minutes)
                else:
                    incident.dismiss()
                uow.incidents.save(incident)
        for incident in uow.incidents.with_status(IncidentStatus.OPEN, IncidentStatus.RESOLVED):
            outcome.linked[incident.id] = [
                outage_of[t.id] for t in uow.tickets.of_incident(incident.id)
            ]
        uow.commit()
    engine.dispose()
    return outcome


@dataclass
class Tally:
    """Counts summed over runs."""

    ordinary: int = 0
    outages: int = 0
    outage_reports: int = 0
    proposals: int = 0
    true_proposals: int = 0
    detected: int = 0
    linked: int = 0
    linked_right: int = 0

    def add(self, ordinary: int, outages: list[Arrival], outcome: Outcome) -> list[str]:
        """Count one run in; the names of the outages it did not propose."""
        self.ordinary += ordinary
        self.outages += len(OUTAGES)
        self.outage_reports += len(outages)
        self.proposals += len(outcome.proposals)
        self.true_proposals += sum(1 for p in outcome.proposals if _mostly_one_outage(p))
        self.detected += len(outcome.proposed_after)
        for cases in outcome.linked.values():
            self.linked += len(cases)
            outage, count = Counter(cases).most_common(1)[0]
            self.linked_right += count if outage is not None else 0
        return [o.name for i, o in enumerate(OUTAGES) if i not in outcome.proposed_after]


def _mostly_one_outage(grouped: list[int | None]) -> bool:
    outage, count = Counter(grouped).most_common(1)[0]
    return outage is not None and count * 2 >= len(grouped)


def main() -> None:
    """Print the detector's precision and recall over a few synthetic fortnights."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--per-hour", type=float, default=20.0, help="ordinary cases per hour")
    parser.add_argument("--reports", type=int, default=DEFAULT_BURST.reports)
    window = int(DEFAULT_BURST.window.total_seconds() // 60)
    parser.add_argument("--minutes", type=int, default=window)
    parser.add_argument("--similar", type=float, default=DEFAULT_BURST.similar)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--runs", type=int, default=5, help="runs, from --seed on")
    options = parser.parse_args()
    rule = BurstRule(options.reports, timedelta(minutes=options.minutes), options.similar)
    print(
        f"{options.runs} runs of {options.days} days, about {options.per_hour:g} ordinary cases "
        f"an hour and {len(OUTAGES)} outages each; rule: {rule.reports} similar reports in "
        f"{options.minutes} minutes, similarity {rule.similar}"
    )
    tally, waits = Tally(), list[float]()
    for seed in range(options.seed, options.seed + options.runs):
        ordinary = ordinary_traffic(options.days, options.per_hour, random.Random(seed))
        outages = injected_outages(options.days, random.Random(seed + 10_000))
        with tempfile.TemporaryDirectory() as folder:
            outcome = run([*ordinary, *outages], rule, Path(folder) / "bench.db")
        missed = tally.add(len(ordinary), outages, outcome)
        waits += outcome.proposed_after.values()
        print(f"  seed {seed}: outages not proposed: {', '.join(missed) or 'none'}")
    print(
        f"{tally.ordinary} ordinary cases, {tally.outages} outages ({tally.outage_reports} reports)"
    )
    print(
        f"proposals: {tally.proposals}; precision {_share(tally.true_proposals, tally.proposals)}"
        f", recall {_share(tally.detected, tally.outages)} ({tally.detected} of {tally.outages} "
        "outages)"
    )
    print(
        f"reports grouped or linked: {tally.linked}; precision "
        f"{_share(tally.linked_right, tally.linked)}, recall "
        f"{_share(tally.linked_right, tally.outage_reports)}"
    )
    if waits:
        print(
            f"first report to proposal: median {statistics.median(waits):.1f} min, "
            f"longest {max(waits):.1f} min"
        )


def _share(part: int, whole: int) -> str:
    return "-" if not whole else f"{part / whole:.0%}"


if __name__ == "__main__":
    main()
