"""`triage report`: the desk's figures as tables, CSV or JSON, and optionally PNG charts."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import console, errors, fail, print_table, wiring
from bot.core.clock import utc_now
from bot.private_files import private_folder

if TYPE_CHECKING:  # the figures' code is imported by `triage report`, not by every command
    from bot.core.metrics import DeskReport, Period


class ReportFormat(StrEnum):
    """How the figures are printed."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def parse_moment(text: str, option: str) -> datetime:
    """A date or date-time from the command line (UTC unless a zone is given)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise fail(
            f"{option} {text!r} is not a date such as 2026-11-01 (or 2026-11-01T09:30)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def read_report(period: Period) -> DeskReport:
    """The figures of a period from the configured database."""
    from bot.core.metrics import report
    from bot.storage.metrics_queries import read_facts

    with wiring() as wired, wired.sessions() as session:
        facts = read_facts(session, period, utc_now())
        return report(facts, wired.settings.service_levels())


def _charts_folder(folder: Path) -> None:
    """Make the charts folder now, or exit with one line, before any figure is printed."""
    if folder.exists() and not folder.is_dir():
        raise fail(f"--charts {folder} is a file; give a folder for the PNG charts")
    try:
        private_folder(folder)
    except OSError as error:
        raise fail(f"cannot write charts to {folder}: {error.strerror or error}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise fail(f"cannot write charts to {folder}: permission denied")


def report_command(
    since: Annotated[
        str | None, typer.Option("--since", help="First day (or moment) included, e.g. 2026-11-01.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="First day (or moment) left out, e.g. 2026-12-01.")
    ] = None,
    output: Annotated[
        ReportFormat, typer.Option("--format", help="table, csv or json.")
    ] = ReportFormat.TABLE,
    charts: Annotated[
        Path | None, typer.Option("--charts", help="Also write PNG charts into this folder.")
    ] = None,
) -> None:
    """The desk's figures: deflection, escalation, waits, service levels, satisfaction."""
    from bot.core.metrics import Period
    from bot.reports.export import write_csv, write_json
    from bot.reports.tables import all_tables

    start = parse_moment(since, "--since") if since else None
    end = parse_moment(until, "--until") if until else None
    if start is not None and end is not None and start >= end:
        raise fail(f"--since {since} is not before --until {until}")
    if charts is not None:
        _charts_folder(charts)
    desk_report = read_report(Period(start, end))
    if output is ReportFormat.JSON:
        write_json(desk_report, sys.stdout)
    elif output is ReportFormat.CSV:
        write_csv(desk_report, sys.stdout)
    else:
        for table in all_tables(desk_report):
            print_table(table)
    if charts is not None:
        from bot.reports.charts import write_charts

        try:
            written = write_charts(desk_report, charts)
        except OSError as error:
            raise fail(f"cannot write charts to {charts}: {error.strerror or error}") from None
        out = console if output is ReportFormat.TABLE else errors
        out.print(f"wrote {len(written)} charts to {charts}", markup=False, highlight=False)
