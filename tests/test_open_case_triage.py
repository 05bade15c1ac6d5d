"""Every message is triaged, whatever state the conversation is in (issue 14, point 1).

A user whose case is queued or with a homeworker may write about something far worse: the
message still goes to the case (nothing is dropped), and if it is an incident more urgent
than the case, the case takes its priority and category, the team hears at once and the
user gets the rule's advice.
"""

from __future__ import annotations

import pytest

from bot.core.domain import Priority, TriageVerdict
from bot.core.ports import KnowledgeBase
from bot.core.tickets import Role
from tests.conftest import AppFactory
from tests.desk_fixtures import Desk, desk_triage
from tests.fakes import ManualClock, escalating
from tests.memory_app import memory_app

pytestmark = pytest.mark.memory

PAYROLL = "new starter needs access to the payroll share"  # account, P3
RANSOM_NOTE = "there is a ransom note on my screen"
RANSOM_ADVICE = "Unplug the network cable now, leave the computer on and touch nothing else."
SMOKING = "no, and now the laptop is smoking"


def rule(name: str, category: str, priority: str, advice: str) -> TriageVerdict:
    """A never-miss rule's verdict, as classifier/rules.py gives it."""
    return TriageVerdict(
        category=category,
        confidence=1.0,
        priority=Priority(priority),
        escalate=True,
        signal=f"rule:{name}",
        reason=f"never-miss rule: {name}",
        advice=advice,
    )


@pytest.fixture
def desk(storage: str, request: pytest.FixtureRequest, knowledge: KnowledgeBase) -> Desk:
    triage = desk_triage()
    triage.escalate.update(
        {
            RANSOM_NOTE: rule("ransomware", "security", "P1", RANSOM_ADVICE),
            SMOKING: rule("physical danger", "hardware", "P1", "Step away from it."),
            "ok thanks": escalating("account", "P1"),  # a model misreading a reply
            "the payroll app now crashes for the whole finance team": escalating("apps", "P2"),
            "please set up a new printer for me": escalating("printing", "P4"),
            "I restarted it, still the same": escalating("apps", "P3"),
        }
    )
    clock = ManualClock()
    if storage == "memory":
        return Desk(memory_app(knowledge, triage, clock), clock)
    make_app: AppFactory = request.getfixturevalue("make_app")
    return Desk(make_app(triage=triage, clock=clock), clock)


def test_a_ransom_note_on_a_case_with_a_homeworker_raises_it_at_once(desk: Desk) -> None:
    desk.add("dana")
    desk.add("sam", role=Role.SUPERVISOR)
    assert "Your reference is T-1001" in desk.user(PAYROLL)
    desk.app.team.desk.claim(desk.agent("dana").id, "T-1001")
    desk.news_for_agent("sam")

    answer = desk.user(RANSOM_NOTE)

    assert "raised it to priority P1" in answer and RANSOM_ADVICE in answer
    assert "I've passed your message on to the person handling T-1001" in answer
    ticket = desk.ticket()
    assert (ticket.priority, ticket.category) == (Priority.P1, "security")
    assert "triage priority raised" in desk.trail()
    told_dana = desk.news_for_agent("dana")
    assert "T-1001 raised from P3 to P1" in told_dana and RANSOM_NOTE in told_dana
    assert "T-1001 raised from P3 to P1" in desk.news_for_agent("sam")


@pytest.mark.parametrize("storage", ["memory"])
def test_a_queued_case_is_raised_and_the_supervisors_hear_of_it(desk: Desk) -> None:
    desk.add("sam", role=Role.SUPERVISOR)
    desk.user(PAYROLL)
    desk.news_for_agent("sam")

    answer = desk.user("the payroll app now crashes for the whole finance team")

    assert "raised it to priority P2" in answer
    assert "I've added your message to it" in answer  # still in the queue, message kept
    assert desk.ticket().priority is Priority.P2
    assert "T-1001 raised from P3 to P2" in desk.news_for_agent("sam")


@pytest.mark.parametrize("storage", ["memory"])
def test_a_reply_the_model_misreads_raises_nothing(desk: Desk) -> None:
    desk.user(PAYROLL)
    answer = desk.user("ok thanks")
    assert "raised" not in answer
    assert desk.ticket().priority is Priority.P3
    assert "triage priority raised" not in desk.trail()


@pytest.mark.parametrize("storage", ["memory"])
def test_more_of_the_same_case_is_not_an_emergency(desk: Desk) -> None:
    desk.user("please set up a new printer for me")  # a P4 request, with a person
    answer = desk.user("I restarted it, still the same")  # the model says P3: not urgent
    assert "raised" not in answer and "more urgent" not in answer
    assert desk.ticket().priority is Priority.P4
    assert "triage priority raised" not in desk.trail()


@pytest.mark.parametrize("storage", ["memory"])
def test_a_less_urgent_incident_leaves_the_case_as_it_is(desk: Desk) -> None:
    desk.user(RANSOM_NOTE)  # P1 security from the start
    answer = desk.user(PAYROLL)
    assert "raised" not in answer
    assert (desk.ticket().priority, desk.ticket().category) == (Priority.P1, "security")


@pytest.mark.parametrize("storage", ["memory"])
def test_danger_in_what_looks_like_a_reply_is_never_read_as_a_reply(desk: Desk) -> None:
    answer = desk.user("how do I connect to the VPN from home")
    assert "Did that solve it?" in answer or "solve" in answer
    answer = desk.user(SMOKING)
    assert "Your reference is T-1001" in answer and "Step away from it." in answer
    assert desk.ticket().priority is Priority.P1
