"""The soak run in one command (loopback only, bounded in time):

    .venv/bin/python -m tests.soak.run --mode polling --users 50 --messages 1000 \\
        --faults 0.2 --kills 5 --seconds 240

--mode webhook serves a webhook instead; --mode multi runs webhook processes on PostgreSQL
behind nginx, 1, 2 and 4 of them one after another with the same load, one killed mid-run
in each, and prints their throughput side by side. Exit status 1 when anything was lost,
duplicated or misdelivered (--no-fail: always 0), 2 when the run could not be made.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from tests.soak.ledger import table
from tests.soak.scenario import Options, Result, run_soak


def parse(arguments: list[str] | None = None) -> tuple[Options, argparse.Namespace]:
    """Options from the command line."""
    parser = argparse.ArgumentParser(prog="python -m tests.soak.run", description=__doc__)
    parser.add_argument("--mode", choices=("polling", "webhook", "multi"), default="polling")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--homeworkers", type=int, default=2)
    parser.add_argument("--messages", type=int, default=1000, help="both ways, at least")
    parser.add_argument("--faults", type=float, default=0.2, help="share of calls faulted")
    parser.add_argument("--kills", type=int, default=5, help="kill -9 and restart, per run")
    parser.add_argument("--seconds", type=float, default=240, help="no new round after this")
    parser.add_argument("--settle", type=float, default=60, help="at most, for retries")
    parser.add_argument("--wait", type=float, default=60, help="a person's patience, seconds")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default=None)
    parser.add_argument("--processes", type=str, default="1,2,4", help="multi: counts to run")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--folder", type=Path, default=None, help="keep logs here")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even on losses")
    args = parser.parse_args(arguments)
    database = args.database or ("postgresql" if args.mode == "multi" else "sqlite")
    options = Options(
        mode="webhook" if args.mode == "multi" else args.mode,
        users=args.users,
        homeworkers=args.homeworkers,
        messages=args.messages,
        faults=args.faults,
        kills=args.kills,
        seconds=args.seconds,
        settle=args.settle,
        wait_seconds=args.wait,
        database=database,
        seed=args.seed,
        folder=args.folder,
    )
    return options, args


def report(result: Result) -> str:
    """The table and the figures of one run."""
    o = result.options
    what = "polling" if o.mode == "polling" else f"webhook x{o.processes}"
    lines = [
        f"== {what} on {o.database}: {o.users} users, {o.homeworkers} homeworkers, "
        f"faults {o.faults:.0%}, kill -9 {result.kills} (starts {result.starts})"
        + (f", proxy: {result.proxy}" if result.proxy else ""),
        table(result.rows),
        f"messages both ways: {result.messages} in {result.active_seconds:.0f} s active "
        f"({result.throughput:.1f}/s)",
        "faults injected: "
        + (", ".join(f"{k} {v}" for k, v in sorted(result.faults.items())) or "none")
        + f" (total {sum(result.faults.values())})",
        f"sends the bot recorded in doubt or timed out (never repeated): "
        f"{result.recorded_in_doubt}, of which never arrived: {result.total('in_doubt')}",
        f"Bot API spec violations: {result.violations}; tracebacks in the bot's logs: "
        f"{result.log_errors}; logs in {result.folder}",
        "timeline: " + "; ".join(result.notes),
    ]
    if result.problems:
        lines.append(f"problems ({len(result.problems)}, first 15; all in problems.txt):")
        lines += [f"  {p}" for p in result.problems[:15]]
    return "\n".join(lines)


def failed(result: Result) -> bool:
    """Anything lost, duplicated or misdelivered."""
    return any(result.total(c) for c in ("lost", "duplicated", "misdelivered"))


def main(arguments: list[str] | None = None) -> int:
    """Run, print, and say by the exit status whether everything arrived once."""
    options, args = parse(arguments)
    runs: list[Options] = [options]
    if args.mode == "multi":
        counts = [int(n) for n in args.processes.split(",")]
        runs = [
            replace(
                options,
                processes=n,
                folder=options.folder / f"x{n}" if options.folder else None,
            )
            for n in counts
        ]
    results: list[Result] = []
    for run in runs:
        try:
            result = run_soak(run)
        except (RuntimeError, OSError) as error:
            print(f"soak: could not run: {error}", file=sys.stderr)
            return 2
        print(report(result), flush=True)
        results.append(result)
    if len(results) > 1:
        print(side_by_side(results))
    bad = any(failed(r) for r in results)
    return 1 if bad and not args.no_fail else 0


def side_by_side(results: list[Result]) -> str:
    """Throughput and failures of runs with different numbers of processes."""
    lines = [
        f"{'processes':<10}{'messages':>10}{'seconds':>9}{'msg/s':>8}{'lost':>6}{'doubt':>7}"
        f"{'dup':>5}{'misdel':>8}"
    ]
    for r in results:
        lines.append(
            f"{r.options.processes:<10}{r.messages:>10}{r.active_seconds:>9.0f}"
            f"{r.throughput:>8.1f}{r.total('lost'):>6}{r.total('in_doubt'):>7}"
            f"{r.total('duplicated'):>5}"
            f"{r.total('misdelivered'):>8}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
