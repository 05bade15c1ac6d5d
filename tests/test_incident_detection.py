"""The burst detector and a major incident's own verbs (pure core, no storage)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.incidents import (
    BurstRule,
    IncidentStatus,
    MajorIncident,
    Report,
    alike,
    find_burst,
    incident_id_from_reference,
    similarity,
    terms,
)
from bot.errors import TransitionNotAllowed

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
RULE = BurstRule(reports=4, window=timedelta(minutes=15))
VPN = (
    "the vpn is down, can't connect",
    "vpn won't connect since 9",
    "cannot connect to vpn at all",
    "VPN down for me too",
    "vpn connection fails",
)


def _reports(texts: tuple[str, ...], category: str = "network", every: int = 2) -> list[Report]:
    return [
        Report(n, text, category, T0 + timedelta(minutes=every * n))
        for n, text in enumerate(texts, start=1)
    ]


def test_four_similar_reports_in_fifteen_minutes_are_a_burst_with_a_title() -> None:
    *recent, latest = _reports(VPN[:4])
    burst = find_burst(latest, recent, RULE)
    assert burst is not None
    assert [r.ticket_id for r in burst.reports] == [1, 2, 3, 4]
    assert burst.category == "network"
    assert burst.title.startswith("Network: vpn")
    assert burst.first_at == T0 + timedelta(minutes=2)


def test_three_are_not_enough() -> None:
    *recent, latest = _reports(VPN[:3])
    assert find_burst(latest, recent, RULE) is None


def test_reports_older_than_the_window_do_not_count() -> None:
    *recent, latest = _reports(VPN[:4], every=6)  # 18 minutes from the first to the last
    assert find_burst(latest, recent, RULE) is None


def test_another_category_joins_the_burst_only_in_near_the_same_words() -> None:
    recent = _reports(VPN[1:3])  # two, the latest a third: a fourth makes the burst
    latest = Report(9, VPN[4], "network", T0 + timedelta(minutes=8))
    token = "my vpn token expired so I cannot connect remotely"
    loosely = Report(7, token, "email", T0 + timedelta(minutes=1))
    assert find_burst(latest, [loosely, *recent], RULE) is None
    assert find_burst(latest, [replace(loosely, category="network"), *recent], RULE) is not None
    closely = Report(7, "the vpn is down, can't connect", "email", T0 + timedelta(minutes=1))
    assert find_burst(latest, [closely, *recent], RULE) is not None


def test_a_shared_symptom_is_not_enough() -> None:
    assert not alike(terms("printer is down"), terms("vpn is down"), 0.4)
    assert not alike(terms("outlook keeps crashing"), terms("teams keeps crashing"), 0.4)
    assert alike(terms("teams keeps crashing"), terms("teams won't open for the team"), 0.4)


def test_different_problems_at_the_same_time_are_not_a_burst() -> None:
    others = (
        "my printer is out of toner",
        "outlook keeps crashing",
        "forgot my password",
        "vpn won't connect",
    )
    *recent, latest = _reports(others)
    assert find_burst(latest, recent, RULE) is None


def test_similarity_reads_words_not_stop_words() -> None:
    assert terms("The VPN is down!") == frozenset({"vpn", "down"})
    assert similarity(terms("vpn down"), terms("the vpn is down for me")) == 1.0
    assert similarity(terms("vpn down"), terms("printer jam")) == 0.0


@pytest.mark.parametrize(
    ("written", "expected"), [("MI-3", 3), ("mi-12", 12), ("7", 7), ("MI-0", None), ("T-3", None)]
)
def test_incident_references(written: str, expected: int | None) -> None:
    assert incident_id_from_reference(written) == expected


def _proposed() -> MajorIncident:
    return MajorIncident(
        1, "Network: vpn down", "network", IncidentStatus.PROPOSED, ("vpn", "down"), T0, T0
    )


def test_an_incident_is_confirmed_updated_and_resolved_in_that_order() -> None:
    incident = _proposed()
    with pytest.raises(TransitionNotAllowed, match="MI-1 is proposed"):
        incident.resolve("fixed", T0)
    incident.confirm(owner_id=7, now=T0 + timedelta(minutes=5), title="VPN gateway down")
    assert (incident.status, incident.owner_id, incident.title) == (
        IncidentStatus.OPEN,
        7,
        "VPN gateway down",
    )
    incident.post_update("the vendor is on it")
    incident.set_workaround("use the office wifi")
    incident.resolve("gateway restarted", T0 + timedelta(hours=1))
    assert incident.status is IncidentStatus.RESOLVED
    assert incident.updates == ["the vendor is on it"]
    with pytest.raises(TransitionNotAllowed):
        incident.dismiss()


def _said(text: str, category: str | None = "network") -> Report:
    return Report(9, text, category, T0)


def test_an_open_incident_matches_reports_of_it_only() -> None:
    incident = _proposed()
    assert incident.matches(_said("vpn is down again"))
    assert incident.matches(_said("vpn is down again", None))
    assert not incident.matches(_said("is the printer down?"))
    assert not incident.matches(_said("vpn client keeps asking for my token", "email"))
    assert incident.matches(_said("the VPN is down!", "email"))  # the same words: triage erred


def test_an_incident_matches_what_one_of_its_reports_said() -> None:
    incident = _proposed()
    said = _said("globalprotect won't connect")
    assert not incident.matches(said)
    grouped = [Report(1, "globalprotect vpn is down, cannot connect", "network", T0)]
    assert incident.matches(said, grouped)
