"""The storage ports' contract: the same expectations on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.domain import Attachment, ConversationStatus, Direction, Priority, Sender
from bot.core.incidents import IncidentStatus, MajorIncident
from bot.core.ports import UnitOfWork, UnitOfWorkFactory
from bot.core.tickets import (
    Agent,
    DeliveryOutcome,
    HandoffPacket,
    LiveOffer,
    Notice,
    NoticeKind,
    Role,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from bot.storage.database import make_engine, make_session_factory, upgrade_schema
from bot.storage.unit_of_work import sql_units_of_work
from tests.memory_storage import MemoryStore

pytestmark = pytest.mark.memory

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ALICE = Sender("test", "alice", "Alice")
BOB = Sender("telegram", "555", "Bob")


@pytest.fixture
def units(storage: str, request: pytest.FixtureRequest) -> Iterator[UnitOfWorkFactory]:
    """Units of work on an empty store of this test's kind."""
    if storage == "memory":
        yield MemoryStore().units()
        return
    engine = make_engine(request.getfixturevalue("database_url"))
    upgrade_schema(engine)
    yield sql_units_of_work(make_session_factory(engine))
    engine.dispose()


def _packet(priority: Priority) -> HandoffPacket:
    return HandoffPacket(
        "Alice", "help", "help", "asked", "dialogue", None, 0.0, (), priority, (), ()
    )


def _ticket(uow: UnitOfWork, priority: Priority, created: datetime) -> Ticket:
    user_id = uow.users.ensure(ALICE, NOW)
    conversation = uow.conversations.start(user_id, NOW)
    return uow.tickets.add(
        Ticket(
            0,
            conversation.id,
            user_id,
            TicketStatus.QUEUED,
            priority,
            None,
            _packet(priority),
            created,
        )
    )


def test_a_user_is_inserted_once_and_gets_their_latest_name(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        alice = uow.users.ensure(ALICE, NOW)
        assert uow.users.ensure(Sender("test", "alice", "Alice Smith"), NOW) == alice
        assert uow.users.ensure(BOB, NOW) != alice
        uow.commit()
    with units() as uow:
        assert uow.users.ensure(Sender("test", "alice"), NOW) == alice
        assert uow.users.sender(alice) == Sender("test", "alice", "Alice Smith")


def test_nothing_is_kept_without_a_commit(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        uow.agents.add(Agent(0, "dana"), NOW)
        uow.conversations.start(uow.users.ensure(ALICE, NOW), NOW)
    with units() as uow:
        assert uow.agents.all() == []
        assert uow.conversations.open_for(uow.users.ensure(ALICE, NOW)) is None


def test_the_open_conversation_is_the_latest_still_going_on(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        user_id = uow.users.ensure(ALICE, NOW)
        first = uow.conversations.start(user_id, NOW)
        first.status = ConversationStatus.NEEDS_HUMAN
        first.question = "vpn"
        uow.conversations.save(first, NOW)
        assert uow.conversations.open_for(user_id) == first
        first.status = ConversationStatus.RESOLVED
        uow.conversations.save(first, NOW)
        assert uow.conversations.open_for(user_id) is None
        second = uow.conversations.start(user_id, NOW)
        uow.commit()
    with units(read_only=True) as uow:
        assert uow.conversations.open_for(user_id) == second


def test_the_transcript_keeps_the_order_messages_were_added(units: UnitOfWorkFactory) -> None:
    photo = Attachment("photo", "ref-1", "screen.png")
    with units() as uow:
        conversation = uow.conversations.start(uow.users.ensure(ALICE, NOW), NOW)
        uow.messages.add(conversation.id, Direction.INBOUND, "first", NOW)
        uow.messages.add(conversation.id, Direction.OUTBOUND, "second", NOW, author="dana")
        uow.messages.add(conversation.id, Direction.INBOUND, "third", NOW, attachment=photo)
        uow.commit()
    with units() as uow:
        lines = uow.messages.transcript(conversation.id)
    assert [(line.direction, line.text, line.author) for line in lines] == [
        ("in", "first", None),
        ("out", "second", "dana"),
        ("in", "third", None),
    ]
    assert lines[2].attachment == photo


def test_a_notice_is_leased_sent_once_and_taken_up_when_its_lease_runs_out(
    units: UnitOfWorkFactory,
) -> None:
    lease = timedelta(seconds=60)
    with units() as uow:
        alice, bob = uow.users.ensure(ALICE, NOW), uow.users.ensure(BOB, NOW)
        dana = uow.agents.add(Agent(0, "dana", telegram_id="777"), NOW)
        uow.outbox.add(Notice("for alice", user_id=alice), NOW)
        uow.outbox.add(Notice("for bob", user_id=bob), NOW)
        uow.outbox.add(Notice("for dana", agent_id=dana.id), NOW)
        uow.commit()
    with units() as uow:
        assert [p.notice.text for p in uow.outbox.pending(user_id=alice)] == ["for alice"]
        due = uow.outbox.pending_on("telegram", limit=10, now=NOW)
        assert [(p.notice.text, to) for p, to in due] == [("for bob", "555"), ("for dana", "777")]
        bobs = due[0][0].id
        assert uow.outbox.lease(bobs, NOW, NOW + lease)
        assert not uow.outbox.lease(bobs, NOW, NOW + lease)  # another sender holds it
        assert [p.notice.text for p, _ in uow.outbox.pending_on("telegram", 10, NOW)] == [
            "for dana"
        ]
        uow.outbox.progress(bobs, 2)
        uow.outbox.give_back(bobs)  # failed, worth retrying: free again, progress kept
        [(again, _), _] = uow.outbox.pending_on("telegram", 10, NOW)
        assert (again.id, again.pieces_sent) == (bobs, 2)
        assert uow.outbox.lease(bobs, NOW, NOW + lease)
        later = NOW + lease + timedelta(seconds=1)  # the sender crashed: anyone takes it up
        assert uow.outbox.lease(bobs, later, later + lease)
        uow.outbox.delivered([bobs], later, DeliveryOutcome.TIMED_OUT)
        assert not uow.outbox.lease(bobs, later + lease * 2, later + lease * 3)
        [alices] = uow.outbox.pending(user_id=alice)
        assert uow.outbox.take(alices.id, NOW)  # a terminal shows it at once
        assert not uow.outbox.take(alices.id, NOW)
        uow.commit()
    with units() as uow:
        assert [p.notice.text for p in uow.outbox.pending()] == ["for dana"]


def reserve_two_answers(units: UnitOfWorkFactory, update: str) -> timedelta:
    """Alice's two answers to ``update``, kept reserved for its door; the reservation's length."""
    lease = timedelta(seconds=60)
    with units() as uow:
        alice = uow.users.ensure(ALICE, NOW)
        for text in ("first answer", "second answer"):
            uow.outbox.add(
                Notice(text, user_id=alice), NOW, caused_by=update, reserved_until=NOW + lease
            )
        uow.commit()
    return lease


def test_the_answers_to_an_update_are_reserved_for_its_door_until_the_lease_ends(
    units: UnitOfWorkFactory,
) -> None:
    lease = reserve_two_answers(units, "telegram:7")
    with units() as uow:
        kept = uow.outbox.caused_by("telegram:7", NOW)
        assert [p.notice.text for p in kept] == ["first answer", "second answer"]
        assert uow.outbox.pending_on("test", 10, NOW) == []  # couriers leave them alone
        uow.outbox.delivered([kept[0].id], NOW)
        uow.commit()
    with units() as uow:
        after_a_crash = NOW + lease + timedelta(seconds=1)
        assert uow.outbox.caused_by("telegram:7", after_a_crash) == []
        due = uow.outbox.pending_on("test", 10, after_a_crash)
        assert [p.notice.text for p, _ in due] == ["second answer"]
        assert uow.outbox.answered("telegram:7")  # kept, if no longer reserved
        assert not uow.outbox.answered("telegram:8")  # nothing kept: the door answers itself


def test_a_notice_in_flight_when_its_sender_died_says_so_to_whoever_takes_it_up(
    units: UnitOfWorkFactory,
) -> None:
    lease = reserve_two_answers(units, "telegram:9")
    with units() as uow:
        first, second = uow.outbox.caused_by("telegram:9", NOW)
        assert not first.in_flight  # reserved, not yet being sent
        assert uow.outbox.start_sending(first.id)
        assert not uow.outbox.start_sending(first.id)  # the same update handled again
        uow.commit()  # ... and the sender died waiting for Telegram's answer
    with units() as uow:
        after_a_crash = NOW + lease + timedelta(seconds=1)
        due = uow.outbox.pending_on("test", 10, after_a_crash)
        assert [(p.notice.text, p.in_flight) for p, _ in due] == [
            ("first answer", True),  # may have arrived: never sent again
            ("second answer", False),  # never started: sent
        ]
        assert uow.outbox.lease(second.id, after_a_crash, after_a_crash + lease)
        uow.outbox.give_back(second.id)  # refused for now (a 5xx): nothing in flight
        [_, (again, _)] = uow.outbox.pending_on("test", 10, after_a_crash)
        assert not again.in_flight
        uow.outbox.delivered([first.id], after_a_crash, DeliveryOutcome.IN_DOUBT)
        assert not uow.outbox.start_sending(first.id)  # settled
        uow.commit()


def test_a_delivery_is_recorded_the_first_time_only(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        assert uow.deliveries.first_time("telegram:1", NOW)
        assert not uow.deliveries.first_time("telegram:1", NOW)
    with units() as uow:
        assert uow.deliveries.first_time("telegram:1", NOW)  # the first unit did not commit
        uow.commit()
    with units() as uow:
        assert not uow.deliveries.first_time("telegram:1", NOW)
        assert uow.deliveries.first_time("telegram:2", NOW)


def test_tickets_by_status_come_most_urgent_then_longest_waiting(
    units: UnitOfWorkFactory,
) -> None:
    with units() as uow:
        routine = _ticket(uow, Priority.P3, NOW)
        late_urgent = _ticket(uow, Priority.P1, NOW + timedelta(minutes=2))
        urgent = _ticket(uow, Priority.P1, NOW + timedelta(minutes=1))
        closed = _ticket(uow, Priority.P1, NOW)
        closed.status = TicketStatus.CLOSED
        uow.tickets.save(closed)
        uow.commit()
    with units() as uow:
        queued = uow.tickets.with_status(TicketStatus.QUEUED)
        assert [t.id for t in queued] == [urgent.id, late_urgent.id, routine.id]
        assert [t.id for t in uow.tickets.with_status(TicketStatus.CLOSED)] == [closed.id]
        assert uow.tickets.for_conversation(routine.conversation_id) == routine
        assert uow.tickets.latest_for_user(routine.user_id) == closed


def test_a_queued_ticket_is_claimed_once(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        ticket = _ticket(uow, Priority.P2, NOW)
        dana = uow.agents.add(Agent(0, "dana"), NOW)
        erin = uow.agents.add(Agent(0, "erin"), NOW)
        uow.commit()
    with units() as uow:
        assert uow.tickets.try_claim(ticket.id, dana.id, NOW)
        assert not uow.tickets.try_claim(ticket.id, erin.id, NOW)
        uow.commit()
    with units() as uow:
        claimed = uow.tickets.get(ticket.id)
        assert claimed is not None
        assert (claimed.status, claimed.assignee_id, claimed.claimed_at) == (
            TicketStatus.ASSIGNED,
            dana.id,
            NOW,
        )
        assert [t.id for t in uow.tickets.held_by(dana.id)] == [ticket.id]
        assert uow.agents.loads() == {dana.id: 1}


def test_a_changed_ticket_is_stored_only_when_saved(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        ticket = _ticket(uow, Priority.P2, NOW)
        ticket.rating = 5
        assert uow.tickets.get(ticket.id) == replace(ticket, rating=None)
        uow.tickets.save(ticket)
        assert uow.tickets.get(ticket.id) == ticket


def test_a_tickets_trail_comes_back_whole_in_the_order_it_was_written(
    units: UnitOfWorkFactory,
) -> None:
    with units() as uow:
        first, second = _ticket(uow, Priority.P2, NOW), _ticket(uow, Priority.P3, NOW)
        written = [
            TicketEvent(first.id, NOW, "user", "queued", None, "queued", "asked"),
            TicketEvent(second.id, NOW, "user", "queued", None, "queued"),
            TicketEvent(first.id, NOW, "homeworker:dana", "note", "assigned", "assigned", "a\nb"),
        ]
        for event in written:
            uow.events.add(event)
        assert uow.events.for_ticket(first.id) == [written[0], written[2]]
        uow.commit()
    with units(read_only=True) as uow:
        assert uow.events.for_ticket(first.id) == [written[0], written[2]]
        assert uow.events.for_ticket(second.id) == [written[1]]
    with units() as uow:
        uow.events.add(TicketEvent(second.id, NOW, "user", "cancelled"))  # never committed
    with units(read_only=True) as uow:
        assert uow.events.for_ticket(second.id) == [written[1]]


def test_agents_are_found_by_name_and_telegram_id_until_removed(
    units: UnitOfWorkFactory,
) -> None:
    with units() as uow:
        erin = uow.agents.add(Agent(0, "erin"), NOW)
        dana = uow.agents.add(Agent(0, "Dana", skills=("network",), telegram_id="777"), NOW)
        assert uow.agents.by_name("dana") == dana
        assert uow.agents.by_telegram_id("777") == dana
        assert [agent.name for agent in uow.agents.all()] == ["Dana", "erin"]
        uow.agents.remove(dana.id)
        assert uow.agents.get(dana.id) is None
        assert uow.agents.by_telegram_id("777") is None
        assert uow.agents.all() == [erin]
        uow.agents.save(Agent(erin.id, "erin", on_shift=True))
        assert uow.agents.get(erin.id) == Agent(erin.id, "erin", on_shift=True)


@pytest.mark.parametrize("storage", ["sqlite", "postgresql"])
def test_two_processes_meeting_a_new_user_at_once_both_get_the_same_one(
    units: UnitOfWorkFactory,
) -> None:
    newcomer = Sender("telegram", "777", "Newcomer")
    second: list[int | BaseException] = []

    def the_other_process() -> None:
        try:
            with units() as uow:
                second.append(uow.users.ensure(newcomer, NOW))
                uow.commit()
        except BaseException as error:
            second.append(error)

    with units() as uow:
        first = uow.users.ensure(newcomer, NOW)
        other = threading.Thread(target=the_other_process)
        other.start()
        other.join(timeout=0.5)  # it looked, found nobody, and now waits on our insert
        uow.commit()
    other.join(timeout=10)
    assert second == [first]
    with units(read_only=True) as uow:
        assert uow.users.find(newcomer) == first


def test_offers_are_withdrawn_once_and_a_withdrawal_knows_where_its_offer_went(
    units: UnitOfWorkFactory,
) -> None:
    with units() as uow:
        ticket = _ticket(uow, Priority.P2, NOW)
        dana = uow.agents.add(Agent(0, "dana", telegram_id="777"), NOW)
        sam = uow.agents.add(Agent(0, "sam", telegram_id="888"), NOW)
        for agent in (dana, sam):
            offer = Notice(
                "New case waiting",
                agent_id=agent.id,
                ticket_id=ticket.id,
                kind=NoticeKind.OFFER,
                case_status=TicketStatus.QUEUED,
            )
            uow.outbox.add(offer, NOW)
        uow.outbox.add(Notice("not an offer", agent_id=dana.id, ticket_id=ticket.id), NOW)
        uow.commit()
    with units() as uow:
        (danas, _), (sams, _), _ = uow.outbox.pending_on("telegram", limit=10)
        assert danas.notice.kind is NoticeKind.OFFER
        assert danas.notice.case_status is TicketStatus.QUEUED
        assert uow.outbox.take(danas.id, NOW)
        uow.outbox.sent_as(danas.id, "777:42")
        assert uow.outbox.live_offers(ticket.id) == [
            LiveOffer(danas.id, dana.id, delivered=True),
            LiveOffer(sams.id, sam.id, delivered=False),
        ]
        uow.outbox.withdraw([danas.id, sams.id], NOW)
        withdrawal = Notice(
            "T-1001 claimed by sam.",
            agent_id=dana.id,
            kind=NoticeKind.WITHDRAWAL,
            withdraws=danas.id,
        )
        uow.outbox.add(withdrawal, NOW)
        uow.commit()
    with units() as uow:
        assert uow.outbox.live_offers(ticket.id) == []
        due = [
            (p.notice.text, p.replaces, p.notice.withdraws)
            for p, _ in uow.outbox.pending_on("telegram", 10)
        ]
        assert due == [
            ("not an offer", None, None),
            ("T-1001 claimed by sam.", "777:42", danas.id),
        ]


def test_a_major_incident_comes_back_as_saved_with_the_cases_linked_to_it(
    units: UnitOfWorkFactory,
) -> None:
    with units() as uow:
        sam = uow.agents.add(Agent(0, "sam", Role.SUPERVISOR), NOW)
        proposed = uow.incidents.add(
            MajorIncident(
                0, "Network: vpn down", "network", IncidentStatus.PROPOSED, ("vpn", "down"),
                NOW, NOW - timedelta(minutes=9),
            )
        )  # fmt: skip
        first = _ticket(uow, Priority.P2, NOW - timedelta(minutes=9))
        second = _ticket(uow, Priority.P2, NOW - timedelta(minutes=2))
        _ticket(uow, Priority.P3, NOW - timedelta(hours=1))
        for ticket in (first, second):
            ticket.incident_id = proposed.id
            uow.tickets.save(ticket)
        uow.commit()
    with units() as uow:
        incident = uow.incidents.get(proposed.id)
        assert incident == proposed
        incident.confirm(sam.id, NOW, "VPN gateway down")
        incident.post_update("the vendor is on it")
        uow.incidents.save(incident)
        uow.commit()
    with units(read_only=True) as uow:
        assert uow.incidents.get(proposed.id) == incident
        assert uow.incidents.with_status(IncidentStatus.OPEN) == [incident]
        assert uow.incidents.with_status(IncidentStatus.PROPOSED) == []
        assert [t.id for t in uow.tickets.of_incident(proposed.id)] == [first.id, second.id]
        since = uow.tickets.created_since(NOW - timedelta(minutes=10))
        assert [t.id for t in since] == [first.id, second.id]
        assert uow.incidents.get(proposed.id + 1) is None
