"""Running `triage` in the test's own process, exactly as the console script does."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from typer.testing import CliRunner

from bot.cli.app import main


@dataclass(frozen=True)
class Outcome:
    """What a command printed, and its exit status."""

    status: int
    stdout: str
    stderr: str
    output: str  # both, in the order printed: what a terminal shows


def triage(*args: str, stdin: str = "") -> Outcome:
    """Run `triage ARGS` through the console script's entry point, in this process."""
    runner = CliRunner()
    with runner.isolation(input=stdin) as (out, err, both):
        try:
            main(list(args))
            status = 0
        except SystemExit as done:
            status = done.code if isinstance(done.code, int) else 1
        sys.stdout.flush()
        sys.stderr.flush()
        return Outcome(
            status, out.getvalue().decode(), err.getvalue().decode(), both.getvalue().decode()
        )
