"""Drift: the live model's verdicts against what second line found, figures worked out by hand."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner, Result

from bot.cli.app import app
from bot.core.domain import Sender
from classifier.drift import Judgement, drift_report
from tests.conftest import AppFactory
from tests.desk_fixtures import OUTAGE, RANSOM, Desk
from tests.fakes import FIRST_LINE, FakeTriage, ManualClock, escalating

CRASHING = "outlook keeps crashing for everyone in finance"
PAYROLL = "new starter needs access to the payroll share"
PRINTER = "printer"


def _judged(
    version: str | None, said: str | None, escalated: bool, corrected: str, needed: bool
) -> Judgement:
    return Judgement("T-1", version, said, escalated, corrected, needed)


# model version, model category, model escalated, second line's category, second line needed
CASES = [
    _judged("v1", "network", True, "network", True),  # agreed; escalation right
    _judged("v1", "security", True, "security", False),  # agreed; escalated needlessly
    _judged("v2", "email", True, "software", True),  # category changed; escalation right
    _judged("v2", "account", True, "account", True),  # agreed; escalation right
    _judged("v2", "network", False, "printing", True),  # changed; needed but not escalated
]


def test_agreement_precision_recall_and_confusion_by_hand() -> None:
    report = drift_report(CASES)
    overall = report.overall
    assert (overall.cases, overall.category_agreed) == (5, 3)
    assert overall.category_agreement == 0.6  # 3 of 5
    assert (overall.escalated, overall.escalated_needed) == (4, 3)
    assert overall.escalation_precision == 0.75  # 3 of the 4 escalated really needed it
    assert overall.needed == 4
    assert overall.escalation_recall == 0.75  # 3 of the 4 that needed it were escalated
    assert report.confusion == (("email", "software", 1), ("network", "printing", 1))
    v1, v2 = (figures for _, figures in report.per_version)
    assert [version for version, _ in report.per_version] == ["v1", "v2"]
    assert (v1.category_agreement, v1.escalation_precision, v1.escalation_recall) == (1.0, 0.5, 1.0)
    assert (v2.category_agreement, v2.escalation_precision, v2.escalation_recall) == (
        0.3333,
        1.0,
        0.6667,
    )


def test_missing_values_are_counted_not_hidden() -> None:
    report = drift_report([_judged(None, None, False, "account", False)])
    assert report.overall.category_agreement == 0.0
    assert report.overall.escalation_precision is None  # nothing escalated: no share
    assert report.confusion == (("none", "account", 1),)
    assert [version for version, _ in report.per_version] == ["none"]
    assert drift_report([]).overall.category_agreement is None


@pytest.fixture
def judged(make_app: AppFactory) -> Desk:
    """The five cases above played through the desk; two on day one, three two days later."""
    version = {OUTAGE: "v1", RANSOM: "v1"}
    verdicts = {
        OUTAGE: escalating("network", "P1"),
        RANSOM: escalating("security", "P1"),
        CRASHING: escalating("email", "P2"),
        PAYROLL: escalating("account", "P3"),
        PRINTER: FIRST_LINE,
    }
    triage = FakeTriage(
        {text: replace(v, model_version=version.get(text, "v2")) for text, v in verdicts.items()}
    )
    clock = ManualClock()
    desk = Desk(make_app(triage=triage, clock=clock), clock)
    dana = desk.add("dana")
    team = desk.app.team.desk

    def case(text: str, corrected: str, needed: bool, user: str) -> None:
        sender = Sender("test", user, user)
        desk.user(text, sender)
        if text == PRINTER:
            desk.user("talk to a person", sender)
        team.claim(dana.id, f"T-{1000 + int(user[1:])}")  # u1 opened T-1001, and so on
        team.resolve(dana.id, "done", corrected_category=corrected, second_line_needed=needed)

    case(OUTAGE, "network", True, "u1")
    case(RANSOM, "security", False, "u2")
    clock.advance(days=2)
    case(CRASHING, "software", True, "u3")
    case(PAYROLL, "account", True, "u4")
    case(PRINTER, "printing", True, "u5")
    desk.user(OUTAGE, Sender("test", "u6", "u6"))  # still queued: nothing to compare yet
    return desk


def triage(*args: str, desk: Desk) -> Result:
    """The command line in this process, on the desk's database."""
    env = {"TRIAGE_DATABASE_URL": desk.app.settings.database_url, "COLUMNS": "160"}
    return CliRunner().invoke(app, list(args), env=env)


def test_drift_from_the_database(judged: Desk) -> None:
    result = triage("evaluate", "--drift", "--json", desk=judged)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert (figures["cases"], figures["category_agreement"]) == (5, 0.6)
    assert (figures["escalation_precision"], figures["escalation_recall"]) == (0.75, 0.75)
    assert figures["confusion"] == [
        {"model": "email", "second_line": "software", "count": 1},
        {"model": "network", "second_line": "printing", "count": 1},
    ]
    assert figures["per_version"]["v1"]["escalation_precision"] == 0.5
    assert figures["per_version"]["v2"]["category_agreement"] == 0.3333

    recent = json.loads(
        triage("evaluate", "--drift", "--since", "2026-11-24", "--json", desk=judged).stdout
    )
    assert (recent["cases"], recent["category_agreed"], list(recent["per_version"])) == (
        3,
        1,
        ["v2"],
    )
    assert recent["since"] == "2026-11-24T00:00:00+00:00"


def test_drift_as_tables(judged: Desk) -> None:
    result = triage("evaluate", "--drift", desk=judged)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "The live model against second line on 5 resolved ticket(s)" in text
    assert "60.0% (3 of 5)" in text and "75.0% (3 of 4)" in text
    assert "50.0% (1 of 2)" in text  # v1's escalation precision
    assert "Categories second line changed" in text


def test_nothing_to_compare_is_one_line(desk: Desk) -> None:
    desk.user(OUTAGE)  # a verdict, but second line has not resolved it
    result = triage("evaluate", "--drift", desk=desk)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "No resolved ticket has a model verdict to compare with."
    later = triage("evaluate", "--drift", "--since", "2030-01-01", desk=desk)
    assert "No resolved ticket opened since 2030-01-01 00:00 UTC" in later.stdout
    assert triage("evaluate", desk=desk).exit_code == 2
    assert (
        "--since goes with --drift" in triage("evaluate", "--since", "2026-01-01", desk=desk).stderr
    )
