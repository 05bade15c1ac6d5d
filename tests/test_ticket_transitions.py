"""The ticket's rules on their own: every move the table allows; refusals change nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core.domain import Priority, Sender
from bot.core.tickets import (
    TRANSITIONS,
    Agent,
    HandoffPacket,
    Move,
    Role,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from bot.errors import Refused, TransitionNotAllowed
from bot.storage.schema import TicketEventRow
from tests.conftest import AppFactory
from tests.fakes import FakeTriage, escalating

CREATED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = CREATED + timedelta(minutes=20)
DANA = Agent(id=1, name="dana", on_shift=True)
KIM = Agent(id=2, name="kim", on_shift=True)
BOSS = Agent(id=3, name="boss", role=Role.SUPERVISOR, on_shift=True)

VERBS: dict[Move, Callable[[Ticket], TicketEvent]] = {
    Move.CLAIM: lambda t: t.claim(KIM, NOW),
    Move.CLAIM_NEXT: lambda t: t.claim(KIM, NOW, next_in_queue=True),
    Move.TAKE_OVER: lambda t: t.take_over(BOSS, NOW),
    Move.RELEASE: lambda t: t.release(DANA, NOW),
    Move.TRANSFER_TO_AGENT: lambda t: t.transfer_to_agent(DANA, KIM, NOW),
    Move.TRANSFER_TO_SKILL: lambda t: t.transfer_to_skill(DANA, "security", NOW),
    Move.AGENT_REPLIED: lambda t: t.agent_replied(DANA, "Is the light on?", NOW),
    Move.SEND_ARTICLE: lambda t: t.send_article(DANA, "vpn-connect-from-home", NOW),
    Move.USER_REPLIED: lambda t: t.user_replied(NOW),
    Move.NOTE: lambda t: t.note(DANA, "checked the logs", NOW),
    Move.ASK_FOR_HELP: lambda t: t.ask_for_help(DANA, "facilities job?", NOW),
    Move.RESOLVE: lambda t: t.resolve(DANA, "reset the switch", "hardware", False, NOW),
    Move.REOPEN_TO_HOLDER: lambda t: t.reopen(NOW, holder_available=True),
    Move.REOPEN_TO_QUEUE: lambda t: t.reopen(NOW, holder_available=False),
    Move.RATE: lambda t: t.rate(4, NOW),
    Move.CLOSE_UNRATED: lambda t: t.close_unrated(NOW),
    Move.CANCEL: lambda t: t.cancel(NOW),
    Move.TAKE_BACK: lambda t: t.take_back("1 h 5 min", NOW),
    Move.OFFER: lambda t: t.offered([DANA, KIM], NOW),
    Move.CLAIM_BREACHED: lambda t: t.claim_breached(NOW),
    Move.RESOLVE_BREACHED: lambda t: t.resolve_breached(NOW),
    Move.RAISE_PRIORITY: lambda t: t.raise_priority(Priority.P1, "security", "system", NOW),
    Move.GROUP: lambda t: t.group_into(3, "MI-3", NOW),
    Move.LINK: lambda t: t.link(3, "MI-3", "supervisor:boss", NOW),
    Move.RESOLVE_WITH_INCIDENT: lambda t: t.resolve_with_incident("MI-3", "fixed", NOW),
    Move.UNLINK: lambda t: t.unlink("MI-3", NOW),
}

ALLOWED = [  # in a fixed order: every test process must collect the same tests
    (move, status) for move, rule in TRANSITIONS.items() for status in sorted(rule.allowed_from)
]
REFUSED = [
    (move, status)
    for move, rule in TRANSITIONS.items()
    for status in TicketStatus
    if status not in rule.allowed_from
]


def ticket_in(status: TicketStatus, held_by: Agent | None = DANA) -> Ticket:
    """Ticket 1 (T-1001), P3 network, in that status; held by dana unless it is queued."""
    packet = HandoffPacket(
        "Alice", "no network", "no network", "asked", "dialogue", "network", 0.9, (),
        Priority.P3, (), (),
    )  # fmt: skip
    return Ticket(
        id=1,
        conversation_id=1,
        user_id=1,
        status=status,
        priority=Priority.P3,
        category="network",
        packet=packet,
        created_at=CREATED,
        assignee_id=None if status is TicketStatus.QUEUED or held_by is None else held_by.id,
        claimed_at=None if status is TicketStatus.QUEUED else CREATED + timedelta(minutes=5),
    )


def test_every_move_has_a_verb_and_a_rule() -> None:
    assert set(VERBS) == set(Move) == set(TRANSITIONS)


@pytest.mark.parametrize(("move", "status"), ALLOWED, ids=lambda v: str(v))
def test_an_allowed_move_changes_the_status_and_reports_where_it_came_from(
    move: Move, status: TicketStatus
) -> None:
    ticket = ticket_in(status)
    event = VERBS[move](ticket)
    rule = TRANSITIONS[move]
    assert ticket.status is (rule.to or status)
    assert (event.ticket_id, event.at, event.action) == (1, NOW, rule.action)
    assert (event.from_status, event.to_status) == (status.value, ticket.status.value)


@pytest.mark.parametrize(("move", "status"), REFUSED, ids=lambda v: str(v))
def test_a_move_the_table_does_not_allow_is_refused_and_changes_nothing(
    move: Move, status: TicketStatus
) -> None:
    ticket = ticket_in(status)
    before = copy.deepcopy(ticket)
    with pytest.raises(TransitionNotAllowed):
        VERBS[move](ticket)
    assert ticket == before


def test_refusals_are_written_for_a_person() -> None:
    with pytest.raises(Refused, match=r"^T-1001 was already claimed by someone else\.$"):
        ticket_in(TicketStatus.ASSIGNED).claim(KIM, NOW)
    with pytest.raises(Refused, match=r"^T-1001 is already resolved\.$"):
        ticket_in(TicketStatus.RESOLVED).release(DANA, NOW)
    with pytest.raises(Refused, match=r"^T-1001 is closed; nothing more can be done\.$"):
        ticket_in(TicketStatus.CLOSED).note(DANA, "one more", NOW)
    with pytest.raises(Refused, match=r"^T-1001 is queued; it can't rate now\.$"):
        ticket_in(TicketStatus.QUEUED).rate(5, NOW)


def test_a_linked_case_leaves_its_holder_and_a_reopened_one_is_linked_to_nothing() -> None:
    ticket = ticket_in(TicketStatus.ASSIGNED)
    ticket.link(3, "MI-3", "supervisor:boss", NOW)
    assert (ticket.status, ticket.incident_id, ticket.assignee_id) == (
        TicketStatus.LINKED,
        3,
        None,
    )
    with pytest.raises(Refused, match=r"^T-1001 is linked to a major incident"):
        ticket.claim(KIM, NOW)
    ticket.resolve_with_incident("MI-3", "gateway restarted", NOW)
    assert (ticket.resolution_note, ticket.second_line_needed) == ("gateway restarted", False)
    ticket.reopen(NOW, holder_available=False, details="still down")
    assert (ticket.status, ticket.incident_id) == (TicketStatus.QUEUED, None)


def test_a_claim_assigns_the_case_and_starts_the_wait_for_an_answer() -> None:
    ticket = ticket_in(TicketStatus.QUEUED)
    event = ticket.claim(KIM, NOW)
    assert (ticket.assignee_id, ticket.claimed_at, ticket.awaiting_agent_since) == (
        KIM.id,
        NOW,
        NOW,
    )
    assert (event.actor, event.from_status, event.to_status) == (
        "homeworker:kim",
        "queued",
        "assigned",
    )


def test_a_second_claim_keeps_the_first_claim_time() -> None:
    ticket = ticket_in(TicketStatus.ASSIGNED)
    ticket.release(DANA, NOW)
    assert (ticket.assignee_id, ticket.awaiting_agent_since) == (None, None)
    ticket.claim(KIM, NOW + timedelta(minutes=1))
    assert ticket.claimed_at == CREATED + timedelta(minutes=5)


def test_take_over_names_the_previous_holder_and_refuses_their_own_case() -> None:
    ticket = ticket_in(TicketStatus.WAITING_ON_USER)
    assert ticket.take_over(BOSS, NOW).detail == "from 1"
    assert ticket.assignee_id == BOSS.id
    with pytest.raises(TransitionNotAllowed, match="You already have T-1001"):
        ticket.take_over(BOSS, NOW)


def test_replies_keep_the_first_response_and_hand_the_next_move_over() -> None:
    ticket = ticket_in(TicketStatus.ASSIGNED)
    assert ticket.agent_replied(DANA, "Is the light on?", NOW).detail == "16 characters"
    assert (ticket.first_response_at, ticket.awaiting_agent_since) == (NOW, None)
    later = NOW + timedelta(minutes=3)
    ticket.user_replied(later)
    ticket.agent_replied(DANA, "Thanks", later)
    assert ticket.first_response_at == NOW


def test_transfers_move_the_case_to_a_colleague_or_a_skill() -> None:
    ticket = ticket_in(TicketStatus.ASSIGNED)
    with pytest.raises(TransitionNotAllowed, match="You already hold it"):
        ticket.transfer_to_agent(DANA, DANA, NOW)
    assert ticket.transfer_to_agent(DANA, KIM, NOW).detail == "to kim"
    assert (ticket.assignee_id, ticket.awaiting_agent_since) == (KIM.id, NOW)
    event = ticket.transfer_to_skill(KIM, "security", NOW)
    assert event.detail == "to skill security; category network to security; P3 to P2"
    assert (ticket.category, ticket.assignee_id, ticket.status) == ("security", None, "queued")
    assert ticket.priority == "P2"  # a security case is never below P2
    ticket.claim(DANA, NOW)
    assert ticket.transfer_to_skill(DANA, "security", NOW).detail == "to skill security"


def test_a_transfer_to_another_skill_keeps_the_priority() -> None:
    ticket = ticket_in(TicketStatus.ASSIGNED)
    event = ticket.transfer_to_skill(DANA, "hardware", NOW)
    assert event.detail == "to skill hardware; category network to hardware"
    assert (ticket.category, ticket.priority) == ("hardware", "P3")


def test_resolving_records_the_labels_and_the_user_rates_or_reopens() -> None:
    ticket = ticket_in(TicketStatus.WAITING_ON_USER)
    event = ticket.resolve(DANA, "reset the switch", None, True, NOW)
    assert event.detail == "category network; second line needed: True"
    assert (ticket.resolution_note, ticket.corrected_category, ticket.resolved_at) == (
        "reset the switch",
        "network",
        NOW,
    )
    ticket.reopen(NOW, holder_available=False)
    assert (ticket.status, ticket.assignee_id, ticket.resolved_at) == ("queued", None, None)
    ticket.claim(DANA, NOW)
    event = ticket.resolve(DANA, "it was the badge reader", "hardware", False, NOW)
    assert event.detail == "category network to hardware; second line needed: False"
    assert (ticket.category, ticket.corrected_category) == ("hardware", "hardware")

    rated = ticket_in(TicketStatus.RESOLVED)
    with pytest.raises(TransitionNotAllowed, match="from 1 to 5"):
        rated.rate(6, NOW)
    assert rated.rate(2, NOW).detail == "2"
    assert (rated.rating, rated.closed_at) == (2, NOW)


def test_the_service_level_marks_and_the_offer() -> None:
    queued = ticket_in(TicketStatus.QUEUED)
    assert queued.offered([DANA, KIM], NOW).detail == "dana, kim"
    assert queued.offered_to == [DANA.id, KIM.id]
    assert queued.offered([], NOW).detail == "nobody is available"
    queued.claim_breached(NOW)
    assert queued.claim_breached_at == NOW

    silent = ticket_in(TicketStatus.ASSIGNED)
    assert silent.take_back("1 h 5 min", NOW).detail == "silent 1 h 5 min"
    assert (silent.status, silent.assignee_id) == ("queued", None)


def test_the_priority_is_only_ever_raised() -> None:
    ticket = ticket_in(TicketStatus.ASSIGNED)
    event = ticket.raise_priority(Priority.P2, None, "system", NOW)
    assert (ticket.priority, ticket.category, event.detail) == ("P2", "network", "P3 to P2")
    with pytest.raises(TransitionNotAllowed, match="T-1001 is P2 already; P4 is not higher"):
        ticket.raise_priority(Priority.P4, None, "system", NOW)
    event = ticket.raise_priority(Priority.P1, "security", "system", NOW)
    assert (ticket.priority, ticket.category) == (Priority.P1, "security")
    assert event.detail == "P2 to P1; category network to security"


def test_an_agent_has_one_current_case_and_lets_go_of_it_once() -> None:
    working = DANA.working_on(7)
    assert working.current_ticket_id == 7
    assert working.done_with(8) is working
    assert working.done_with(7).current_ticket_id is None


def test_the_audit_trail_records_a_claim_as_from_queued(make_app: AppFactory) -> None:
    app = make_app(triage=FakeTriage({"the switch is dead": escalating("network", "P1")}))
    dana = app.team.roster.add(Agent(id=0, name="dana", on_shift=True))
    app.desk.handle(Sender("test", "alice", "Alice"), "the switch is dead")
    app.team.desk.claim(dana.id, "T-1001")
    app.team.desk.release(dana.id)
    with app.sessions() as session:
        trail = session.execute(
            select(
                TicketEventRow.action, TicketEventRow.from_status, TicketEventRow.to_status
            ).order_by(TicketEventRow.id)
        ).all()
    assert [tuple(row) for row in trail] == [
        ("queued", None, "queued"),
        ("offered", "queued", "queued"),
        ("claimed", "queued", "assigned"),
        ("released", "assigned", "queued"),
        ("offered", "queued", "queued"),
    ]
