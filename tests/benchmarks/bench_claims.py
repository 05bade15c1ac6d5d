"""Claim benchmark: many homeworkers claiming the same ticket at the same moment.

    .venv/bin/python tests/benchmarks/bench_claims.py [--database-url URL] [--claimers N]
        [--rounds N] [--threads] [--no-sqlite]

On PostgreSQL (a fresh schema on ``--database-url``, dropped afterwards) and then on a
temporary SQLite file: ``--claimers`` homeworkers go on shift and ``--rounds`` users each ask
for a person, which queues one ticket each. In every round all the claimers, each in its own
process with its own database connection (``--threads``: threads of one process sharing a
pool with a connection each), wait at a barrier and then call
``SecondLineDesk.claim(agent, "T-…")`` on that round's ticket at once. A warm-up round comes
first and is not timed.

Prints per-claim latency (p50, p99, max) for winners and refusals, and the outcome: exactly
one winner per ticket, every other claimer refused with "already claimed", and in the
database each ticket assigned to the winner with exactly one "claimed" event.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bot.bootstrap import Wiring, bootstrap
from bot.core.domain import Sender
from bot.core.tickets import Agent
from bot.errors import Refused
from bot.settings import Settings
from bot.storage.database import make_engine, make_session_factory
from bot.storage.schema import TicketEventRow, TicketRow
from classifier.registry import ModelRegistry
from classifier.triage import ModelTriage

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ALREADY_CLAIMED = "already claimed by someone else"
WON = "won"
BARRIER_TIMEOUT = 120.0

Outcome = tuple[int, int, str, float]
"""(round, agent id, "won" or the refusal, seconds the claim took)."""


@dataclass(frozen=True)
class Run:
    """One database's results."""

    database: str
    mode: str
    claimers: int
    references: list[str]
    outcomes: list[Outcome]
    assignees: dict[str, int | None]
    claimed_events: dict[str, int]
    seconds: float


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema on the server at ``url`` (the URL to use it), dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def prepare(url: str, claimers: int, tickets: int, folder: Path) -> tuple[list[int], list[str]]:
    """Homeworkers on shift and queued tickets: their ids and the tickets' references."""
    # "talk to a person" never reaches the model, so none is trained or loaded.
    triage = ModelTriage(ModelRegistry(folder / "no-models"))
    app = bootstrap(Settings(database_url=url), triage=triage)
    try:
        capacity = min(50, tickets + 1)
        agents = [
            app.team.roster.add(
                Agent(id=0, name=f"hw{number:02d}", on_shift=True, capacity=capacity)
            ).id
            for number in range(claimers)
        ]
        for number in range(tickets):
            app.desk.handle(Sender("bench", f"user{number}", f"User {number}"), "talk to a person")
        with app.sessions() as session:
            ids = session.scalars(select(TicketRow.id).order_by(TicketRow.id)).all()
        if len(ids) != tickets:
            sys.exit(f"bench_claims: expected {tickets} queued tickets, found {len(ids)}")
        return agents, [f"T-{1000 + ticket_id}" for ticket_id in ids]
    finally:
        app.engine.dispose()


def claim_rounds(
    claim: Callable[[int, str], object],
    agent_id: int,
    references: Sequence[str],
    wait: Callable[[], object],
) -> list[Outcome]:
    """One claimer's rounds: wait for everyone, claim, time it."""
    outcomes = []
    for number, reference in enumerate(references):
        wait()
        started = time.perf_counter()
        try:
            claim(agent_id, reference)
            outcome = WON
        except Refused as refusal:
            outcome = str(refusal)
        outcomes.append((number, agent_id, outcome, time.perf_counter() - started))
    return outcomes


def _claimer_process(
    url: str, agent_id: int, references: Sequence[str], barrier: Any, results: Any
) -> None:
    """A claimer in its own process, with its own engine and connection."""
    engine = make_engine(url)
    team = Wiring(Settings(database_url=url), engine=engine).team
    team.roster.everyone()  # connect (and warm up) before the first round
    try:
        results.put(
            claim_rounds(
                team.desk.claim, agent_id, references, lambda: barrier.wait(BARRIER_TIMEOUT)
            )
        )
    except BaseException as error:  # the parent must hear of any failure
        results.put(error)
        raise
    finally:
        engine.dispose()


def run_processes(url: str, agents: Sequence[int], references: Sequence[str]) -> list[Outcome]:
    """Every claimer in a process of its own."""
    # fork: the claimers start at once, without importing the desk again (spawn elsewhere)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context: Any = multiprocessing.get_context(method)
    barrier = context.Barrier(len(agents))
    results = context.Queue()
    workers = [
        context.Process(target=_claimer_process, args=(url, agent, references, barrier, results))
        for agent in agents
    ]
    for worker in workers:
        worker.start()
    outcomes: list[Outcome] = []
    for _ in workers:
        got = results.get(timeout=BARRIER_TIMEOUT * (len(references) + 1))
        if isinstance(got, BaseException):
            barrier.abort()
            sys.exit(f"bench_claims: a claimer failed: {got!r}")
        outcomes += got
    for worker in workers:
        worker.join()
    return outcomes


def run_threads(url: str, agents: Sequence[int], references: Sequence[str]) -> list[Outcome]:
    """Every claimer in a thread of this process, each with a connection of the app's pool."""
    engine = make_engine(url, pool_size=len(agents), max_overflow=0)
    team = Wiring(Settings(database_url=url), engine=engine).team
    barrier = threading.Barrier(len(agents))
    results: list[list[Outcome]] = [[] for _ in agents]

    def claimer(position: int) -> None:
        team.roster.everyone()
        results[position] = claim_rounds(
            team.desk.claim, agents[position], references, lambda: barrier.wait(BARRIER_TIMEOUT)
        )

    workers = [threading.Thread(target=claimer, args=(n,)) for n in range(len(agents))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    engine.dispose()
    return [outcome for found in results for outcome in found]


def check_database(url: str, references: Sequence[str]) -> tuple[dict[str, int | None], Counter]:  # type: ignore[type-arg]
    """Each ticket's assignee and its number of "claimed" events, as stored."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            assignees = {
                f"T-{1000 + ticket_id}": assignee
                for ticket_id, assignee in session.execute(
                    select(TicketRow.id, TicketRow.assignee_id)
                )
            }
            claimed = session.execute(
                select(TicketEventRow.ticket_id, func.count())
                .where(TicketEventRow.action == "claimed")
                .group_by(TicketEventRow.ticket_id)
            )
            events = Counter({f"T-{1000 + ticket_id}": count for ticket_id, count in claimed})
    finally:
        engine.dispose()
    return {reference: assignees.get(reference) for reference in references}, events


def measure(url: str, name: str, claimers: int, rounds: int, threads: bool) -> Run:
    """Prepare the desk, run the rounds, read back what the database holds."""
    with tempfile.TemporaryDirectory(prefix="bench-claims-") as folder:
        agents, references = prepare(url, claimers, rounds + 1, Path(folder))
    started = time.perf_counter()
    runner = run_threads if threads else run_processes
    outcomes = runner(url, agents, references)
    seconds = time.perf_counter() - started
    assignees, events = check_database(url, references)
    return Run(
        name,
        "threads" if threads else "processes",
        claimers,
        references,
        outcomes,
        assignees,
        dict(events),
        seconds,
    )


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of non-empty values."""
    ordered = sorted(values)
    return ordered[round(share * (len(ordered) - 1))]


def verdict(run: Run) -> tuple[int, int, int, list[str]]:
    """Winners, "already claimed" refusals, other refusals, and every problem found."""
    problems = []
    winners: dict[int, list[int]] = {}
    for number, agent, outcome, _ in run.outcomes:
        if outcome == WON:
            winners.setdefault(number, []).append(agent)
    for number, reference in enumerate(run.references):
        won = winners.get(number, [])
        if len(won) != 1:
            problems.append(f"{reference}: {len(won)} winners")
        elif run.assignees[reference] != won[0]:
            problems.append(f"{reference}: won by {won[0]}, assigned to {run.assignees[reference]}")
        if run.claimed_events.get(reference, 0) != 1:
            problems.append(f"{reference}: {run.claimed_events.get(reference, 0)} claimed events")
    refused = sum(ALREADY_CLAIMED in outcome for _, _, outcome, _ in run.outcomes)
    others = [o for _, _, o, _ in run.outcomes if o != WON and ALREADY_CLAIMED not in o]
    problems += [f"unexpected refusal: {o}" for o in sorted(set(others))]
    return sum(len(w) for w in winners.values()), refused, len(others), problems


def print_table(runs: Sequence[Run]) -> None:
    """One row per database and outcome kind, then the checks."""
    header = (
        f"{'database':<12}{'claimers':<20}{'tickets':>8}{'claims':>8}{'winners':>8}"
        f"{'refused':>8}{'double':>7}{'win p50':>9}{'win p99':>9}{'lose p50':>9}"
        f"{'lose p99':>9}{'max ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        timed = [o for o in run.outcomes if o[0] > 0]  # round 0 is the warm-up
        won = [o[3] * 1e3 for o in timed if o[2] == WON]
        lost = [o[3] * 1e3 for o in timed if o[2] != WON]
        winners, refused, _, _ = verdict(run)
        double = sum(1 for n in range(len(run.references)) if _winners(run, n) > 1)
        print(
            f"{run.database:<12}{f'{run.claimers} {run.mode}':<20}{len(run.references):>8}"
            f"{len(run.outcomes):>8}{winners:>8}{refused:>8}{double:>7}"
            f"{percentile(won, 0.5):>9.1f}{percentile(won, 0.99):>9.1f}"
            f"{percentile(lost, 0.5):>9.1f}{percentile(lost, 0.99):>9.1f}"
            f"{max(won + lost):>8.1f}"
        )
    print(
        "counts include the warm-up round; latencies (ms per claim call, winners and "
        "refusals apart) leave it out"
    )
    for run in runs:
        _, _, _, problems = verdict(run)
        rounds = len(run.references)
        if problems:
            print(f"{run.database}: FAILED: " + "; ".join(problems[:10]))
        else:
            print(
                f"{run.database}: {rounds} tickets, each with exactly 1 winner, "
                f"{run.claimers - 1} 'already claimed' refusals, 1 assignee and 1 'claimed' "
                f"event in ticket_events: zero double claims ({run.seconds:.1f} s)"
            )


def _winners(run: Run, number: int) -> int:
    return sum(1 for n, _, outcome, _ in run.outcomes if n == number and outcome == WON)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES, help="PostgreSQL server")
    parser.add_argument("--claimers", type=int, default=50, help="homeworkers claiming at once")
    parser.add_argument("--rounds", type=int, default=20, help="tickets, one per round (max 49)")
    parser.add_argument("--threads", action="store_true", help="threads instead of processes")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite comparison")
    options = parser.parse_args()
    if not 1 <= options.rounds <= 49:
        sys.exit("bench_claims: --rounds must be 1 to 49 (a homeworker holds at most 50 cases)")
    load = os.getloadavg()[0]
    runs = []
    with postgres_schema(options.database_url) as url:
        runs.append(measure(url, "PostgreSQL", options.claimers, options.rounds, options.threads))
    if not options.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="bench-claims-") as folder:
            url = f"sqlite:///{Path(folder) / 'claims.db'}"
            runs.append(measure(url, "SQLite", options.claimers, options.rounds, options.threads))
    print_table(runs)
    print(
        f"{os.cpu_count()} CPUs; load average at the start {load:.1f}, "
        f"at the end {os.getloadavg()[0]:.1f}"
    )
    if any(verdict(run)[3] for run in runs):
        sys.exit(1)


if __name__ == "__main__":
    main()
