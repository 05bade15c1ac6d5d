"""The desk's figures on small cases worked out by hand (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.agent_stats import AgentStats
from bot.core.domain import Sender
from bot.core.metrics import (
    DeskReport,
    Durations,
    EnquiryOutcome,
    IncidentFact,
    Period,
    durations,
    incident_figures,
    minutes_text,
    report,
)
from bot.core.tickets import Role
from bot.doors.terminal_desk import DeskSession
from bot.storage.metrics_queries import SqlMetricsReader, read_facts
from tests.desk_fixtures import ALICE, BOB, OUTAGE, Desk

CY = Sender("test", "cy", "Cy")
DEE = Sender("test", "dee", "Dee")
EVE = Sender("test", "eve", "Eve")
FAY = Sender("test", "fay", "Fay")
GUS = Sender("test", "gus", "Gus")
VPN = "how do I connect to the VPN from home"
PRINTER = "how do I add a printer"
START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def desk_report(desk: Desk, period: Period | None = None) -> DeskReport:
    with desk.app.sessions() as session:
        facts = read_facts(session, period or Period(), desk.clock())
    return report(facts, desk.app.settings.service_levels())


def at(desk: Desk, hours: float = 0, minutes: float = 0) -> None:
    desk.clock.now = START + timedelta(hours=hours, minutes=minutes)


# --- first line: deflection, escalation, outcomes, repeat contact --------------------------


def first_line_day(desk: Desk) -> None:
    """Eight enquiries (and one hello), worked out in the test below."""
    for sender in (ALICE, BOB, GUS):
        desk.user(VPN, sender)
        desk.user("yes", sender)  # resolved by the bot at 10:00
    desk.user("I forgot my password and now I'm locked out", CY)
    assert "Let's try this instead" in desk.user("no", CY)
    desk.user("yes", CY)  # resolved, but after a "not solved"
    desk.user(OUTAGE, DEE)  # escalated by triage: an open case
    desk.user("hello", EVE)  # small talk is not an enquiry
    desk.user(PRINTER, FAY)
    desk.user("/cancel", FAY)
    at(desk, hours=48)  # Bob is back within 72 hours: his first one was not deflected
    desk.user(PRINTER, BOB)
    desk.user("yes", BOB)
    at(desk, hours=73)  # Gus is back after 72 hours: his first one still counts
    desk.user(PRINTER, GUS)
    desk.user("yes", GUS)


def test_deflection_escalation_and_outcomes(desk: Desk) -> None:
    first_line_day(desk)
    figures = desk_report(desk).overall
    assert figures.conversations == 8
    assert (figures.deflected, figures.deflection_rate) == (4, 0.5)
    assert (figures.escalated, figures.escalation_rate) == (1, 0.125)
    assert dict(figures.outcomes) == {
        EnquiryOutcome.DEFLECTED: 4,  # Alice, Gus twice, Bob's second
        EnquiryOutcome.BOT_NOT_DEFLECTED: 2,  # Bob's first (came back), Cy (said no first)
        EnquiryOutcome.SECOND_LINE: 0,
        EnquiryOutcome.OPEN: 1,  # Dee's case is queued
        EnquiryOutcome.CANCELLED: 1,  # Fay
    }


def test_figures_per_day_and_the_period_is_half_open(desk: Desk) -> None:
    first_line_day(desk)
    days = {day: f for day, f in desk_report(desk).by_day}
    assert {day: (f.conversations, f.deflected) for day, f in days.items()} == {
        date(2026, 11, 23): (6, 2),
        date(2026, 11, 25): (1, 1),
        date(2026, 11, 26): (1, 1),
    }
    later = desk_report(desk, Period(since=START + timedelta(hours=48))).overall
    assert (later.conversations, later.deflected) == (2, 2)
    # Bob's first enquiry is read alone, yet his return (after `until`) still counts against it.
    first_day = desk_report(desk, Period(until=START + timedelta(hours=1))).overall
    assert (first_day.conversations, first_day.deflected, first_day.escalated) == (6, 2, 1)
    assert desk_report(desk, Period(until=START)).overall.conversations == 0


# --- second line: claim, first response, handling, service levels, ratings, reopens ---------


def second_line_day(desk: Desk) -> None:
    """Four cases; every time below is worked into the figures of the tests."""
    dana = desk.add("dana", skills=())
    erin = desk.add("erin")
    team = desk.app.team.desk
    desk.user(OUTAGE, ALICE)  # T-1001 P1 network
    desk.user("outlook keeps crashing for everyone in finance", BOB)  # T-1002 P2 email
    desk.user("new starter needs access to the payroll share", CY)  # T-1003 P3 account
    desk.user("talk to a person", DEE)  # T-1004 P3, no category
    at(desk, minutes=10)
    team.claim(dana.id, "T-1001")  # claimed after 10 min: within P1's 15
    at(desk, minutes=20)
    desk.user("/cancel", DEE)
    at(desk, minutes=30)
    team.reply(dana.id, "Is the switch cupboard light on?")  # first response after 30 min
    at(desk, minutes=60)
    team.resolve(dana.id, "replaced the switch", "hardware")  # handled in 50 min
    team.claim(dana.id, "T-1003")  # claimed after 60 min: within P3's 240
    at(desk, minutes=65)
    desk.user("5", ALICE)
    at(desk, minutes=90)
    team.claim(erin.id, "T-1002")  # claimed after 90 min: P2's 60 missed
    at(desk, minutes=100)
    team.reply(erin.id, "Which Outlook version?")  # first response after 100 min
    at(desk, minutes=150)
    team.resolve(erin.id, "repaired Office")
    at(desk, minutes=160)
    desk.user("not fixed", BOB)  # reopened; back with erin
    at(desk, minutes=210)
    team.resolve(erin.id, "rebuilt the Outlook profile", reference="T-1002")  # 120 min handling
    at(desk, minutes=220)
    desk.user("2", BOB)


def test_waits_handling_ratings_and_reopens(desk: Desk) -> None:
    second_line_day(desk)
    figures = desk_report(desk).overall
    assert (figures.conversations, figures.escalated, figures.tickets) == (4, 4, 4)
    assert (figures.claim.count, figures.claim.median, figures.claim.p90) == (3, 60, 84)
    assert (figures.first_response.median, figures.first_response.p90) == (65, 93)
    assert (figures.handling.median, figures.handling.p90) == (85, 113)
    assert figures.satisfaction.responses == 2
    assert (figures.satisfaction.mean, figures.satisfaction.satisfied_share) == (3.5, 0.5)
    assert (figures.reopened, figures.resolved, figures.reopen_rate) == (1, 2, 0.5)
    assert figures.outcome(EnquiryOutcome.SECOND_LINE) == 2
    assert figures.outcome(EnquiryOutcome.OPEN) == 1
    assert figures.outcome(EnquiryOutcome.CANCELLED) == 1


def test_service_level_compliance_per_priority(desk: Desk) -> None:
    second_line_day(desk)
    levels = {row.priority: row for row in desk_report(desk).service_levels}
    compliance = {
        p: (row.tickets, row.claim.met, row.claim.decided, row.resolve.met, row.resolve.decided)
        for p, row in levels.items()
    }
    assert compliance == {
        "P1": (1, 1, 1, 1, 1),
        "P2": (1, 0, 1, 1, 1),  # claimed late, resolved in 210 of 480 minutes
        "P3": (2, 1, 1, 0, 0),  # T-1004 was cancelled before its targets; T-1003 is in time
        "P4": (0, 0, 0, 0, 0),
    }
    at(desk, hours=30)  # T-1003 has now missed P3's 24-hour resolve target
    assert desk_report(desk).service_levels[2].resolve.decided == 1


def test_figures_per_category_and_homeworker(desk: Desk) -> None:
    second_line_day(desk)
    result = desk_report(desk)
    categories = {name: (f.conversations, f.tickets) for name, f in result.by_category}
    assert categories == {
        "hardware": (1, 1),  # second line's corrected category
        "email": (1, 1),
        "account": (1, 1),
        "uncategorised": (1, 1),
    }
    people = {row.name: row for row in result.by_homeworker}
    assert set(people) == {"dana", "erin"}
    dana, erin = people["dana"], people["erin"]
    assert (dana.figures.tickets, dana.figures.resolved, dana.open_cases) == (2, 1, 1)
    assert (dana.figures.handling.median, dana.figures.satisfaction.mean) == (50, 5)
    assert (dana.claim.met, dana.claim.decided, dana.resolve.decided) == (2, 2, 1)
    assert (erin.figures.resolved, erin.open_cases, erin.figures.handling.median) == (1, 0, 120)
    assert (erin.claim.share, erin.resolve.share, erin.figures.reopened) == (0.0, 1.0, 1)


def test_own_figures_show_no_other_homeworker(desk: Desk) -> None:
    second_line_day(desk)
    stats = AgentStats(
        SqlMetricsReader(desk.app.sessions),
        desk.app.settings.service_levels(),
        desk.clock,
    )
    dana = desk.agent("dana")
    mine = stats.figures(dana.id)
    assert (mine.resolved.mine, mine.resolved.team) == (1, 1)
    assert (mine.handling_minutes.mine, mine.handling_minutes.team) == (50, 85)
    assert (mine.mean_rating.mine, mine.mean_rating.team, mine.ratings) == (5, 3.5, 1)
    assert (mine.claimed_in_target.mine, mine.claimed_in_target.team) == (1.0, 0.5)
    session = DeskSession(desk.app.team.desk, dana, lambda: [], stats=desk.app.team.stats)
    text = session.execute("mystats")
    assert "cases resolved: 1 (1)" in text
    assert "median handling time: 50 min (1 h 25 min)" in text
    assert "your mean rating: 5.0/5 from 1 rating(s) (3.5/5)" in text
    assert "claimed within target: 100% (50%)" in text
    assert "erin" not in text.casefold()


def test_someone_with_no_cases_sees_dashes_not_errors(desk: Desk) -> None:
    second_line_day(desk)
    boss = desk.add("boss", role=Role.SUPERVISOR)
    text = DeskSession(desk.app.team.desk, boss, lambda: [], stats=desk.app.team.stats).execute(
        "mystats"
    )
    assert "cases resolved: 0 (1)" in text
    assert "median handling time: - (1 h 25 min)" in text


def test_an_empty_database_has_no_figures(desk: Desk) -> None:
    figures = desk_report(desk).overall
    assert (figures.conversations, figures.deflection_rate, figures.claim.median) == (0, None, None)


@pytest.mark.parametrize(
    ("minutes", "median", "p90"),
    [([], None, None), ([7.0], 7.0, 7.0), ([10.0, 60.0, 90.0], 60.0, 84.0)],
)
def test_durations(minutes: list[float], median: float | None, p90: float | None) -> None:
    measured = durations(minutes)
    assert (measured.count, measured.median, measured.p90) == (len(minutes), median, p90)


def test_minutes_text() -> None:
    assert [minutes_text(m) for m in (None, 5.4, 65, 60 * 27 + 3)] == [
        "-",
        "5 min",
        "1 h 05 min",
        "1 d 3 h",
    ]


def test_major_incidents_count_their_enquiries_speed_and_the_handling_they_saved() -> None:
    first = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    found = incident_figures(
        [
            IncidentFact(1, "resolved", first, first + timedelta(minutes=20),
                         first + timedelta(hours=2), linked=12, needed_no_reply=10),
            IncidentFact(2, "open", first, first + timedelta(minutes=40), linked=3),
            IncidentFact(3, "dismissed", first, linked=0),
        ],
        Durations(5, 90.0, 200.0),
    )  # fmt: skip
    assert (found.confirmed, found.dismissed, found.linked) == (2, 1, 15)
    assert (found.to_confirmation.count, found.to_confirmation.median) == (2, 30.0)
    assert (found.to_resolution.count, found.to_resolution.median) == (1, 120.0)
    assert (found.needed_no_reply, found.saved_minutes) == (10, 900.0)
    assert found.any and not incident_figures([], Durations()).any
