"""`triage report` and `mystats` as people run them (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.metrics import DeskFacts, report
from bot.core.tickets import DEFAULT_SERVICE_LEVELS
from bot.reports.charts import CHARTS, write_charts
from tests.cli_in_process import triage
from tests.desk_fixtures import BOB, OUTAGE, Desk

Run = Callable[..., subprocess.CompletedProcess[str]]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def one_of_each(desk: Desk) -> dict[str, str]:
    """A deflected enquiry and a rated second-line case; the env that reaches the database."""
    dana = desk.add("dana")
    desk.add("erin")
    desk.user("how do I connect to the VPN from home")
    desk.user("yes")
    desk.user(OUTAGE, BOB)
    desk.clock.advance(minutes=5)
    desk.app.team.desk.claim(dana.id, "T-1001")
    desk.app.team.desk.reply(dana.id, "on my way")
    desk.clock.advance(minutes=30)
    desk.app.team.desk.resolve(dana.id, "reset the breaker")
    desk.user("4", BOB)
    return {"TRIAGE_DATABASE_URL": desk.app.settings.database_url}


def test_json_report(desk: Desk, run_triage: Run) -> None:
    done = run_triage("report", "--format", "json", env=one_of_each(desk))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    overall = data["overall"]
    assert (overall["conversations"], overall["deflected"], overall["escalated"]) == (2, 1, 1)
    assert (overall["claim_median_minutes"], overall["handling_median_minutes"]) == (5, 30)
    assert (overall["mean_rating"], overall["reopen_rate"]) == (4, 0)
    assert data["service_levels"]["P1"]["claim_compliance"] == 1
    assert list(data["by_homeworker"]) == ["dana"]
    assert data["by_homeworker"]["dana"]["resolved"] == 1
    assert list(data["by_day"]) == ["2026-11-23"]


def test_csv_report_and_a_window_with_nothing_in_it(desk: Desk, run_triage: Run) -> None:
    env = one_of_each(desk)
    done = run_triage("report", "--format", "csv", env=env)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert set(rows[0]) == {"section", "key", "metric", "value"}
    values = {(r["section"], r["key"], r["metric"]): r["value"] for r in rows}
    assert values[("overall", "all", "deflection_rate")] == "0.5"
    assert values[("by_category", "network", "tickets")] == "1"
    assert values[("by_homeworker", "dana", "mean_rating")] == "4.0"

    empty = run_triage("report", "--format", "csv", "--since", "2026-11-24", env=env)
    nothing = {
        (r["section"], r["metric"]): r["value"] for r in csv.DictReader(io.StringIO(empty.stdout))
    }
    assert nothing[("overall", "conversations")] == "0"
    assert nothing[("overall", "deflection_rate")] == ""


def test_tables_and_charts(desk: Desk, run_triage: Run, tmp_path: Path) -> None:
    charts = tmp_path / "charts"
    env = {**one_of_each(desk), "COLUMNS": "200"}
    done = run_triage("report", "--charts", str(charts), env=env)
    assert done.returncode == 0, done.stderr
    for title in ("Service levels", "By category", "By homeworker", "By day", "deflected by"):
        assert title in done.stdout
    assert "wrote 5 charts to" in done.stdout
    assert sorted(path.name for path in charts.iterdir()) == sorted(CHARTS)
    for path in charts.iterdir():
        content = path.read_bytes()
        assert content.startswith(PNG_SIGNATURE) and len(content) > 5000, path.name


def test_mystats_in_the_terminal_desk_shows_only_your_own_figures(
    desk: Desk, run_triage: Run
) -> None:
    env = one_of_each(desk)
    done = run_triage("desk", "--agent", "erin", stdin="mystats\n", env=env)
    assert done.returncode == 0, done.stderr
    assert "Your figures over the last 30 days" in done.stdout
    assert "cases resolved: 0 (1)" in done.stdout
    assert "dana" not in done.stdout


def test_charts_of_an_empty_period_are_still_pictures(tmp_path: Path) -> None:
    empty = report(DeskFacts((), (), datetime(2026, 11, 23, tzinfo=UTC)), DEFAULT_SERVICE_LEVELS)
    for path in write_charts(empty, tmp_path):
        assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_bad_dates_get_one_clear_line(run_triage: Run) -> None:
    done = run_triage("report", "--since", "2026-13-01")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "triage: --since '2026-13-01' is not a date such as 2026-11-01 (or 2026-11-01T09:30)"
    ]
    done = run_triage("report", "--since", "2026-11-02", "--until", "2026-11-01")
    assert done.returncode == 2
    assert done.stderr.strip() == "triage: --since 2026-11-02 is not before --until 2026-11-01"
    assert done.stdout == ""


@pytest.mark.parametrize("where", ["a file", "a folder under a file"])
def test_charts_into_a_file_are_refused_before_the_report_is_printed(
    tmp_path: Path, where: str
) -> None:
    taken = tmp_path / "report.png"
    taken.write_bytes(b"an old picture")
    charts = taken if where == "a file" else taken / "charts"
    outcome = triage("report", "--charts", str(charts))
    assert (outcome.status, outcome.stdout) == (2, "")
    [line] = outcome.stderr.splitlines()
    assert line.startswith(
        f"triage: --charts {charts} is a file"
        if where == "a file"
        else f"triage: cannot write charts to {charts}: "
    )
    assert taken.read_bytes() == b"an old picture"
