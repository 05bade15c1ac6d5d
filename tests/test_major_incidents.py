"""Major incidents as the desk's people live them: a burst, a confirmation, linked users told,
updates, the fix, and "not fixed" (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.core.domain import Sender
from bot.core.incidents import BurstRule
from bot.core.ports import KnowledgeBase
from bot.core.tickets import DEFAULT_SERVICE_LEVELS, Role
from bot.doors.terminal_desk import DeskSession
from bot.errors import AlreadyHandled, Refused
from tests.conftest import AppFactory
from tests.desk_fixtures import Desk
from tests.fakes import FakeTriage, ManualClock, escalating
from tests.memory_app import memory_app

pytestmark = pytest.mark.memory

REPORTS = {
    "alice": "the vpn is down, can't connect",
    "bob": "vpn won't connect from home",
    "carol": "can't connect to the vpn since this morning",
    "dan": "VPN down, cannot connect",
    "erin": "is the vpn down? I can't connect",
}
PRINTER = "the printer on floor 3 is jammed"
RANSOM = "and now there is a ransom note on my screen"
RANSOM_VERDICT = replace(
    escalating("security", "P1", "the message describes a ransomware note"),
    signal="rule:ransomware",
    advice="Unplug the network cable.",
)
USERS = {name: Sender("test", name, name.capitalize()) for name in REPORTS}
ALICE, BOB, CAROL, DAN, ERIN = USERS.values()


@pytest.fixture
def desk(storage: str, request: pytest.FixtureRequest, knowledge: KnowledgeBase) -> Desk:
    """A desk where three similar reports in 15 minutes make a burst."""
    clock = ManualClock()
    triage = FakeTriage(
        {
            **{text: escalating("network", "P2") for text in REPORTS.values()},
            PRINTER: escalating("hardware", "P3"),
            RANSOM: RANSOM_VERDICT,
        }
    )
    if storage == "memory":
        burst = BurstRule(reports=3, window=timedelta(minutes=15))
        levels = replace(DEFAULT_SERVICE_LEVELS, burst=burst)
        return Desk(memory_app(knowledge, triage, clock, levels=levels), clock)
    make_app: AppFactory = request.getfixturevalue("make_app")
    app = make_app(triage=triage, clock=clock, incident_burst_reports=3, incident_burst_minutes=15)
    return Desk(app, clock)


def _report(desk: Desk, name: str) -> str:
    desk.clock.advance(minutes=2)
    return desk.user(REPORTS[name], USERS[name])


def _confirmed(desk: Desk) -> int:
    """Three reports, a proposal to sam, and sam confirms it; returns sam's id."""
    sam = desk.add("sam", role=Role.SUPERVISOR)
    for name in ("alice", "bob", "carol"):
        _report(desk, name)
    desk.news_for_agent("sam")
    desk.app.team.desk.incidents.confirm(sam.id, "MI-1", "VPN gateway down")
    return sam.id


def test_a_burst_is_proposed_to_the_supervisor_on_shift_with_its_reports(desk: Desk) -> None:
    desk.add("sam", role=Role.SUPERVISOR)
    desk.add("kim", role=Role.SUPERVISOR, on_shift=False)
    assert "Your reference is T-1001" in _report(desk, "alice")
    _report(desk, "bob")
    assert "Possible major incident" not in desk.news_for_agent("sam")
    _report(desk, "carol")
    proposal = desk.news_for_agent("sam")
    assert "Possible major incident MI-1: Network: connect vpn" in proposal
    assert "3 similar reports in 4 min (network)" in proposal
    for reference, name in (("T-1001", "Alice"), ("T-1002", "Bob"), ("T-1003", "Carol")):
        assert f"{reference} " in proposal and f"{name}: {REPORTS[name.lower()]}" in proposal
    assert "incident confirm MI-1" in proposal
    assert desk.news_for_agent("kim") == ""  # off shift: the one on shift decides
    assert desk.trail(1)[-1] == "system grouped"
    assert desk.ticket(3).status == "queued"  # still queued until someone confirms
    lee = desk.add("lee", role=Role.SUPERVISOR)
    desk.app.team.desk.incidents.confirm(lee.id, "MI-1")
    assert (
        desk.news_for_agent("sam")
        == "MI-1 confirmed by lee: Network: connect vpn; 3 case(s) linked."
    )
    with pytest.raises(Refused, match="MI-1 is open; only a proposed major incident can be"):
        desk.app.team.desk.incidents.confirm(desk.agent("sam").id, "MI-1")


def test_ordinary_traffic_is_not_proposed(desk: Desk) -> None:
    desk.add("sam", role=Role.SUPERVISOR)
    _report(desk, "alice")
    desk.clock.advance(minutes=1)
    desk.user(PRINTER, BOB)
    _report(desk, "carol")
    desk.clock.advance(minutes=20)
    _report(desk, "dan")  # three vpn reports, but not within 15 minutes
    assert "Possible major incident" not in desk.news_for_agent("sam")


def test_confirmed_the_grouped_cases_are_linked_and_their_users_told(desk: Desk) -> None:
    dana = desk.add("dana", skills=("network",))
    _confirmed(desk)
    for user in (ALICE, BOB, CAROL):
        news = "\n".join(desk.news_for(user))
        assert "This is a known problem, we are working on it (since 10:06 UTC)" in news
        assert "you will hear from us here when it is fixed" in news
    assert [desk.ticket(n).status for n in (1, 2, 3)] == ["linked"] * 3
    assert desk.trail(1)[-2:] == ["system grouped", "supervisor:sam linked"]
    queue = desk.app.team.desk.queue(dana.id).text
    assert "MI-1 · open · VPN gateway down · owner sam · 3 linked" in queue
    assert "No case is waiting in the queue." in queue
    assert "\n  cases: T-1001, T-1002, T-1003" in desk.app.team.desk.incidents.listing().text
    assert desk.news_for_agent("dana") == ""  # the offers not yet read are dropped


def test_a_new_matching_enquiry_is_linked_at_once_instead_of_queued(desk: Desk) -> None:
    dana = desk.add("dana", skills=("network",))
    _confirmed(desk)
    desk.news_for_agent("dana")
    answer = _report(desk, "dan")
    assert "This is a known problem, we are working on it (since 10:06 UTC)" in answer
    assert "Your request T-1004 is part of MI-1" in answer
    assert "queued" not in answer
    assert desk.ticket(4).status == "linked"
    assert desk.news_for_agent("dana") == ""  # nobody is offered it
    assert "is part of MI-1" in desk.user("/status", DAN)
    assert "Added to T-1004" in desk.user("still nothing", DAN)
    assert desk.app.team.desk.next_case(dana.id).text.startswith("No case is waiting")


def test_the_owner_tells_every_linked_user_and_a_workaround_reaches_newcomers(desk: Desk) -> None:
    sam = _confirmed(desk)
    for user in (ALICE, BOB, CAROL):
        desk.news_for(user)
    done = desk.app.team.desk.incidents.post_update(sam, "MI-1", "the vendor is replacing a card")
    assert done.text == "Update sent to 3 linked user(s) of MI-1."
    for user in (ALICE, BOB, CAROL):
        assert desk.news_for(user) == [
            "Update on the known problem MI-1 (VPN gateway down): the vendor is replacing a card"
        ]
    desk.app.team.desk.incidents.set_workaround(sam, "MI-1", "use the office wifi")
    assert "use the office wifi" in "\n".join(desk.news_for(ALICE))
    assert "Meanwhile: use the office wifi" in _report(desk, "erin")
    status = desk.user("/status", ERIN)
    assert "Latest news: the vendor is replacing a card" in status


def test_resolving_asks_each_user_and_not_fixed_reopens_their_own_case(desk: Desk) -> None:
    dana = desk.add("dana", skills=("network",))
    sam = _confirmed(desk)
    for user in (ALICE, BOB, CAROL):
        desk.news_for(user)
    done = desk.app.team.desk.incidents.resolve(sam, "MI-1", "the gateway was restarted")
    assert "3 linked user(s) were asked to confirm" in done.text
    fixed = "\n".join(desk.news_for(ALICE))
    assert "The known problem MI-1 (VPN gateway down) is fixed: the gateway was restarted" in fixed
    assert "Does it work for you now?" in fixed
    assert "Thank you for rating the help 5/5" in desk.user("5", ALICE)
    assert desk.ticket(1).status == "closed"
    desk.news_for_agent("dana")
    assert "reopened" in desk.user("not fixed, still can't connect", BOB).lower()
    bob = desk.ticket(2)
    assert (bob.status, bob.incident_id) == ("queued", None)
    assert "The user says T-1002 is not fixed" in desk.news_for_agent("dana")
    queue = desk.app.team.desk.queue(dana.id).text
    assert "Open major incidents" not in queue and "T-1002" in queue
    assert desk.ticket(3).status == "resolved"


def test_a_homeworker_links_a_case_by_hand_and_the_supervisor_announces(desk: Desk) -> None:
    dana = desk.add("dana", skills=("network", "hardware"))
    erin = desk.add("erin", on_shift=False)
    sam = desk.add("sam", role=Role.SUPERVISOR)
    desk.user(PRINTER, DAN)
    for name in ("alice", "bob", "carol"):
        _report(desk, name)
    desk.app.team.desk.incidents.confirm(sam.id, "MI-1")
    announced = desk.app.team.desk.incidents.announce(
        sam.id, "known VPN outage, link cases to MI-1"
    )
    assert announced.text == "Announced to 1 on shift: dana."
    assert "Announcement from sam: known VPN outage, link cases to MI-1" in desk.news_for_agent(
        "dana"
    )
    assert "Announcement" not in desk.news_for_agent("erin")
    desk.app.team.desk.claim(dana.id, "T-1001")  # the printer case, queued first
    desk.news_for(DAN)
    with pytest.raises(Refused, match="not yours to link"):
        desk.app.team.desk.incidents.link(erin.id, "T-1001", "MI-1")
    linked = desk.app.team.desk.incidents.link(dana.id, "T-1001", "MI-1")
    assert linked.text.startswith("T-1001 linked to MI-1")
    assert desk.ticket(1).status == "linked"
    assert desk.app.team.desk.mine(dana.id).text.startswith("You hold no cases")
    assert "This is a known problem" in "\n".join(desk.news_for(DAN))


def test_only_supervisors_confirm_and_a_dismissed_burst_stays_queued(desk: Desk) -> None:
    dana = desk.add("dana", skills=("network",))
    sam = desk.add("sam", role=Role.SUPERVISOR)
    for name in ("alice", "bob", "carol"):
        _report(desk, name)
    with pytest.raises(Refused, match="Only a supervisor can confirm"):
        desk.app.team.desk.incidents.confirm(dana.id, "MI-1")
    with pytest.raises(Refused, match="MI-1 is proposed, not open"):
        desk.app.team.desk.incidents.link(dana.id, "T-1001", "MI-1")
    assert desk.app.team.desk.incidents.dismiss(sam.id, "MI-1").text.startswith("MI-1 dismissed")
    assert [desk.ticket(n).status for n in (1, 2, 3)] == ["queued"] * 3
    with pytest.raises(Refused, match="MI-1 is dismissed"):
        desk.app.team.desk.incidents.confirm(sam.id, "MI-1")
    with pytest.raises(Refused, match="no major incident 'MI-9'"):
        desk.app.team.desk.incidents.confirm(sam.id, "MI-9")
    assert "No major incident is open or proposed." in desk.app.team.desk.incidents.listing().text


def test_the_whole_flow_at_the_terminal_desk(desk: Desk) -> None:
    dana = desk.add("dana", skills=("network",))
    sam = desk.add("sam", role=Role.SUPERVISOR)
    for name in ("alice", "bob", "carol"):
        _report(desk, name)
    boss = DeskSession(desk.app.team.desk, sam, lambda: [])
    homeworker = DeskSession(desk.app.team.desk, dana, lambda: [])
    dialogue = [
        (boss, "incidents", "Major incidents:\nMI-1 · proposed · Network: connect vpn"),
        (
            boss,
            "incidents",
            "Major incidents:\nMI-1 · proposed · Network: connect vpn · owner none yet · 3 grouped",
        ),
        (homeworker, "incident confirm MI-1", "Refused: Only a supervisor can confirm"),
        (boss, "incident confirm MI-1 VPN gateway down", "MI-1 confirmed: VPN gateway down."),
        (
            boss,
            "incidents",
            "Major incidents:\nMI-1 · open · VPN gateway down · owner sam · 3 linked",
        ),
        (boss, "announce known VPN outage, link cases to MI-1", "Announced to 1 on shift: dana."),
        (homeworker, "queue", "Open major incidents (`link T-… MI-…` links a case to one):"),
        (homeworker, "view T-1002", "T-1002 · P2 · network · linked to MI-1 · waiting"),
        (boss, "incident workaround MI-1 use the office wifi", "Workaround sent to 3 linked"),
        (boss, "incident update MI-1 a new card is on its way", "Update sent to 3 linked"),
        (homeworker, "incident resolve MI-1 fixed", "Refused: Only MI-1's owner or a supervisor"),
        (boss, "incident owner MI-1 dana", "dana now owns MI-1."),
        (homeworker, "incident resolve MI-1 the card was replaced", "MI-1 resolved. 3 linked"),
        (homeworker, "link T-1001 MI-1", "Refused: MI-1 is resolved, not open."),
    ]
    for session, line, answer in dialogue:
        assert session.execute(line).startswith(answer), line
    assert boss.execute("incidents") == "No major incident is open or proposed."
    news = desk.news_for_agent("dana")
    assert "Announcement from sam: known VPN outage" in news
    assert "sam made you the owner of MI-1 (VPN gateway down)" in news
    told = desk.news_for(CAROL)
    assert [line.split(":")[0] for line in told] == [
        "This is a known problem, we are working on it (since 10",
        "While we fix the known problem MI-1 (VPN gateway down)",
        "Update on the known problem MI-1 (VPN gateway down)",
        "The known problem MI-1 (VPN gateway down) is fixed",
    ]


def test_linked_cases_leave_the_service_level_clocks_and_can_be_cancelled(desk: Desk) -> None:
    desk.add("sam", role=Role.SUPERVISOR)
    desk.add("dana", skills=("hardware",))  # nobody to take the vpn cases meanwhile
    for name in ("alice", "bob", "carol", "dan"):
        _report(desk, name)
    desk.user(PRINTER, ERIN)  # an ordinary case beside them, ticket 5
    desk.clock.advance(minutes=1)
    desk.app.team.desk.incidents.confirm(desk.agent("sam").id, "MI-1")
    desk.clock.advance(hours=30)  # past every claim and resolve target
    checked = desk.app.team.service_levels.run()
    assert checked.claim_breaches == ["T-1005"]  # the printer; the linked cases are not late
    assert "I've cancelled T-1002" in desk.user("/cancel", BOB)
    assert desk.ticket(2).status == "cancelled"
    assert "3 linked" in desk.app.team.desk.incidents.listing().text  # of four


def test_a_never_miss_incident_from_a_linked_user_leaves_the_outage_and_is_raised(
    desk: Desk,
) -> None:
    _confirmed(desk)
    desk.add("dana", skills=("security",))
    desk.news_for_agent("dana")
    desk.clock.advance(minutes=3)
    answer = desk.user(RANSOM, ALICE)
    assert "raised it to priority P1" in answer
    assert "Unplug the network cable." in answer
    ticket = desk.ticket(1)
    assert (ticket.status, ticket.priority, ticket.category) == ("queued", "P1", "security")
    assert ticket.incident_id is None
    assert desk.trail(1)[-3:] == ["system unlinked", "triage priority raised", "system offered"]
    assert "T-1001" in desk.news_for_agent("dana")  # offered at once, as a P1 case
    assert "T-1001 raised from P2 to P1" in desk.news_for_agent("sam")
    incident = desk.app.team.desk.incidents.listing()
    assert "T-1001" not in incident.text and "T-1002" in incident.text


def test_a_question_about_an_open_outage_is_told_it_is_known_not_sent_an_article(
    desk: Desk,
) -> None:
    _confirmed(desk)
    frank = Sender("test", "frank", "Frank")
    desk.clock.advance(minutes=5)
    answer = desk.user("how do I connect to the vpn, it won't connect", frank)
    assert "This is a known problem, we are working on it" in answer
    assert "Your request T-1004 is part of MI-1" in answer
    assert "Did that solve it?" not in answer
    assert desk.ticket(4).status == "linked"
    grace = Sender("test", "grace", "Grace")
    answer = desk.user("how do I add a printer", grace)  # not the outage: first line as ever
    assert "known problem" not in answer


def test_an_incident_command_keeps_its_answer_with_its_change_and_runs_once(desk: Desk) -> None:
    sam = desk.add("sam", role=Role.SUPERVISOR)
    for name in ("alice", "bob", "carol"):
        _report(desk, name)
    incidents = desk.app.team.desk.incidents
    answer = incidents.confirm(sam.id, "MI-1", "VPN gateway down", delivery="telegram:41")
    assert answer.text.startswith("MI-1 confirmed")
    with desk.units(read_only=True) as uow:
        assert uow.outbox.answered("telegram:41")  # sent by the door, or after a crash
    with pytest.raises(AlreadyHandled):
        incidents.confirm(sam.id, "MI-1", "VPN gateway down", delivery="telegram:41")
