"""Service levels with a clock the test moves: breaches, re-offers and silent homeworkers."""

from __future__ import annotations

import pytest

from bot.core.tickets import Role
from tests.desk_fixtures import OUTAGE, Desk

pytestmark = pytest.mark.memory


def test_an_unclaimed_case_past_its_target_is_offered_to_everyone_and_reported(
    desk: Desk,
) -> None:
    desk.add("a")
    desk.add("b")
    desk.add("c")
    desk.add("boss", role=Role.SUPERVISOR)
    desk.user(OUTAGE)  # P1: claim within 15 minutes
    first_offer = desk.ticket().offered_to
    assert len(first_offer) == 2
    for name in ("a", "b", "c", "boss"):
        desk.news_for_agent(name)

    desk.clock.advance(minutes=14)
    assert desk.app.team.service_levels.run().claim_breaches == []
    desk.clock.advance(minutes=2)
    report = desk.app.team.service_levels.run()
    assert report.claim_breaches == ["T-1001"]
    assert all("T-1001" in desk.news_for_agent(name) for name in ("a", "b", "c"))
    assert "T-1001 (P1) has waited 16 min without being claimed" in desk.news_for_agent("boss")
    assert desk.app.team.service_levels.run().claim_breaches == []  # reported once
    assert desk.trail()[-2:] == ["system claim target breached", "system offered"]


def test_a_silent_homeworker_loses_the_case_to_the_queue(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.add("erin")
    desk.add("boss", role=Role.SUPERVISOR)
    desk.user(OUTAGE)
    desk.app.team.desk.claim(dana.id, "T-1001")
    desk.clock.advance(minutes=59)
    assert desk.app.team.service_levels.run().taken_back == []
    desk.app.team.desk.reply(dana.id, "checking")  # the user's turn now: no silence
    desk.clock.advance(minutes=90)
    assert desk.app.team.service_levels.run().taken_back == []
    desk.user("still down")
    desk.clock.advance(minutes=61)
    assert desk.app.team.service_levels.run().taken_back == ["T-1001"]
    assert "T-1001 went back to the queue" in desk.news_for_agent("dana")
    assert "T-1001" in desk.news_for_agent("erin")
    ticket = desk.ticket()
    assert (ticket.status, ticket.assignee_id) == ("queued", None)


def test_a_case_past_its_resolve_target_alerts_supervisors_once(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.add("boss", role=Role.SUPERVISOR)
    desk.user(OUTAGE)
    desk.app.team.desk.claim(dana.id, "T-1001")
    desk.app.team.desk.reply(dana.id, "working on it")
    desk.news_for_agent("boss")
    desk.clock.advance(hours=4, minutes=1)
    assert desk.app.team.service_levels.run().resolve_breaches == ["T-1001"]
    assert "T-1001 (P1) is past its resolve target" in desk.news_for_agent("boss")
    assert desk.app.team.service_levels.run().resolve_breaches == []


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        ('{"P1": 5}', "needs a target for each of P1-P4"),
        ('{"P1": 0, "P2": 1, "P3": 1, "P4": 1}', "targets must be positive"),
    ],
)
def test_targets_are_configurable_and_checked(
    monkeypatch: pytest.MonkeyPatch, claim: str, message: str
) -> None:
    from bot.errors import SettingsError
    from bot.settings import load_settings

    monkeypatch.setenv("TRIAGE_SLA_CLAIM_MINUTES", claim)
    with pytest.raises(SettingsError, match=f"TRIAGE_SLA_CLAIM_MINUTES: .*{message}"):
        load_settings()
    monkeypatch.setenv("TRIAGE_SLA_CLAIM_MINUTES", '{"P1": 5, "P2": 10, "P3": 20, "P4": 40}')
    assert load_settings().service_levels().claim_target("P1").total_seconds() == 300
