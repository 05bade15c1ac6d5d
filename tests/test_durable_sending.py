"""One durable way out (issue 13, points 2 and 3).

Every answer is stored with the change that caused it and delivered from the outbox: marked
delivered only once Telegram accepted it, retried on 429, 5xx or no connection, taken up
after a crash by whoever runs next, and never sent twice after a timeout. A long message
resumes from the piece that failed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram import Chat, Message
from telegram.error import NetworkError, TimedOut

from bot.bootstrap import App
from bot.core.domain import Sender, TextPart
from bot.core.notices import LEASE, NoticeBoard
from bot.core.tickets import DeliveryOutcome, Notice
from bot.doors.telegram.buttons import ButtonSigner
from bot.doors.telegram.rendering import message_pieces
from bot.doors.telegram.sending import ChatSender, OutboxCourier
from bot.storage.schema import OutboxRow
from bot.storage.unit_of_work import sql_units_of_work
from tests.conftest import AppFactory
from tests.fakes import FakeTriage, ManualClock
from tests.memory_storage import MemoryStore
from tests.telegram_standin import TelegramStandIn
from tests.test_telegram_door import register, running, said_to

ALICE, DANA = 4601, 9601
VPN = "how do I connect to the VPN from home"
# three paragraphs of 4,200 characters: four pieces under Telegram's limit
PARAGRAPHS = [f"{word} " * 700 for word in ("first", "second", "third")]
LONG = "\n\n".join(PARAGRAPHS)
PIECES = message_pieces((TextPart(LONG),))


class FlakyBot:
    """A Bot API that fails the calls it is told to, numbering every send from 1."""

    def __init__(self, failures: dict[int, Exception]) -> None:
        self.failures = failures
        self.calls = 0
        self.delivered: list[str] = []

    async def send_message(self, chat_id: int, text: str, **options: Any) -> Message:
        self.calls += 1
        failure = self.failures.get(self.calls)
        if isinstance(failure, TimedOut):
            self.delivered.append(text)  # it reached Telegram; the answer did not come back
        if failure is not None:
            raise failure
        self.delivered.append(text)
        return Message(self.calls, None, Chat(chat_id, "private"))  # type: ignore[arg-type]


def outbox_with_a_long_notice() -> tuple[MemoryStore, NoticeBoard, ManualClock]:
    store, clock = MemoryStore(), ManualClock()
    with store.units()() as uow:
        alice = uow.users.ensure(Sender("telegram", str(ALICE)), clock())
        uow.outbox.add(Notice(LONG, user_id=alice), clock())
        uow.commit()
    return store, NoticeBoard(store.units(), clock), clock


def courier(board: NoticeBoard, bot: FlakyBot) -> OutboxCourier:
    return OutboxCourier(board, ChatSender(bot, ButtonSigner("1:fake")))  # type: ignore[arg-type]


def test_a_long_message_resumes_from_the_piece_that_failed() -> None:
    store, board, _ = outbox_with_a_long_notice()
    bot = FlakyBot({2: NetworkError("Bad Gateway")})
    assert asyncio.run(courier(board, bot).deliver_due()) == 0  # piece 2 failed: later
    assert asyncio.run(courier(board, bot).deliver_due()) == 1
    assert len(PIECES) >= 3
    assert bot.delivered == PIECES  # each piece once, in order
    [stored] = store.state.outbox.values()
    assert stored.outcome is DeliveryOutcome.SENT


def test_a_piece_that_timed_out_is_not_sent_again_and_the_rest_still_go() -> None:
    store, board, _ = outbox_with_a_long_notice()
    bot = FlakyBot({1: TimedOut()})
    asyncio.run(courier(board, bot).deliver_due())
    asyncio.run(courier(board, bot).deliver_due())
    assert bot.calls == len(PIECES) and bot.delivered == PIECES
    [stored] = store.state.outbox.values()
    assert stored.outcome is DeliveryOutcome.TIMED_OUT  # counted apart


class Killed(BaseException):
    """kill -9, as far as the courier can tell: nothing after it runs."""


class KilledAwaitingTheAnswer(Killed):
    """kill -9 once the request reached Telegram, before its answer came back."""


class KillingBot(FlakyBot):
    """Telegram gets a request the process is killed waiting on, as with a held call."""

    async def send_message(self, chat_id: int, text: str, **options: Any) -> Message:
        if isinstance(self.failures.get(self.calls + 1), KilledAwaitingTheAnswer):
            self.delivered.append(text)
        return await super().send_message(chat_id, text, **options)


def test_a_crash_part_way_through_a_long_message_sends_each_piece_at_most_once() -> None:
    store, board, clock = outbox_with_a_long_notice()
    bot = KillingBot({3: KilledAwaitingTheAnswer()})  # 1, 2 accepted; killed on the third
    with pytest.raises(Killed):
        asyncio.run(courier(board, bot).deliver_due())
    assert asyncio.run(courier(board, bot).deliver_due()) == 0  # still held
    clock.now += LEASE
    asyncio.run(courier(board, bot).deliver_due())
    assert bot.delivered == PIECES  # each once, in order: the third is not sent again
    [stored] = store.state.outbox.values()
    assert stored.outcome is DeliveryOutcome.IN_DOUBT  # counted apart


def test_after_a_crash_the_piece_in_flight_is_skipped_and_the_rest_still_go() -> None:
    store, board, clock = outbox_with_a_long_notice()
    bot = KillingBot({1: KilledAwaitingTheAnswer()})
    with pytest.raises(Killed):
        asyncio.run(courier(board, bot).deliver_due())
    clock.now += LEASE
    asyncio.run(courier(board, bot).deliver_due())
    assert bot.delivered == PIECES
    [stored] = store.state.outbox.values()
    assert stored.outcome is DeliveryOutcome.IN_DOUBT


def test_a_kill_before_the_request_left_loses_that_piece_and_says_so() -> None:
    """The price of never sending twice: the Bot API has no idempotency key, so a piece
    whose request may or may not have left is not sent again. It is recorded in doubt."""
    store, board, clock = outbox_with_a_long_notice()
    bot = KillingBot({2: Killed()})  # killed before Telegram got the second piece
    with pytest.raises(Killed):
        asyncio.run(courier(board, bot).deliver_due())
    clock.now += LEASE
    asyncio.run(courier(board, bot).deliver_due())
    assert bot.delivered == [PIECES[0], *PIECES[2:]]
    [stored] = store.state.outbox.values()
    assert stored.outcome is DeliveryOutcome.IN_DOUBT


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def desk_app(make_app: AppFactory, clock: ManualClock) -> App:
    return make_app(triage=FakeTriage(), clock=clock)


@pytest.mark.asyncio
async def test_an_answer_stored_before_a_crash_is_delivered_once_after_the_restart(
    desk_app: App, telegram_standin: TelegramStandIn, clock: ManualClock
) -> None:
    alice = Sender("telegram", str(ALICE), "Alice")
    telegram_standin.add_user(ALICE, first_name="Alice")
    # the update was acted on and committed with its answer; the process died before sending
    answer = desk_app.desk.handle(alice, VPN, delivery="telegram:900001")
    assert "Connect to the VPN from home" in answer[0].text
    clock.advance(seconds=LEASE.total_seconds())
    async with running(desk_app, telegram_standin):
        await said_to(telegram_standin, ALICE, "Connect to the VPN from home")
        await asyncio.sleep(0.5)  # a few courier rounds more
    vpn = [m for m in telegram_standin.messages_to(ALICE) if "VPN" in (m.text or "")]
    assert len(vpn) == 1
    with sql_units_of_work(desk_app.sessions)(read_only=True) as uow:
        assert uow.outbox.pending() == []


@pytest.mark.asyncio
async def test_an_answer_being_sent_when_the_process_died_is_not_sent_again(
    desk_app: App, telegram_standin: TelegramStandIn, clock: ManualClock
) -> None:
    alice = Sender("telegram", str(ALICE), "Alice")
    telegram_standin.add_user(ALICE, first_name="Alice")
    key = "telegram:900003"
    # two answers committed with the update; the door started sending the first (Telegram
    # may have shown it to Alice) and the process was killed waiting for the answer
    desk_app.desk.handle(alice, f"my password is Hunter2! and {VPN}", delivery=key)
    warning, article = desk_app.team.notices.reserved_for(key, str(ALICE)) or []
    assert desk_app.team.notices.start_sending(warning)
    clock.advance(seconds=LEASE.total_seconds())
    async with running(desk_app, telegram_standin):
        await said_to(telegram_standin, ALICE, "Connect to the VPN from home")
        await asyncio.sleep(0.5)  # a few courier rounds more
    said = [m.text or "" for m in telegram_standin.messages_to(ALICE)]
    assert not any("password" in text for text in said)  # never twice: at most once
    assert len(said) == 1
    with sql_units_of_work(desk_app.sessions)(read_only=True) as uow:
        assert uow.outbox.pending() == []
    outcomes = [_stored(desk_app, delivery.id).outcome for delivery in (warning, article)]
    assert outcomes == ["in doubt", "sent"]


def _stored(app: App, notice_id: int) -> OutboxRow:
    with app.sessions() as session:
        row = session.get(OutboxRow, notice_id)
        assert row is not None
        return row


@pytest.mark.asyncio
async def test_a_homeworkers_answer_refused_by_a_5xx_arrives_later(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(desk_app, telegram_standin, "dana", DANA)
    async with running(desk_app, telegram_standin):
        telegram_standin.fail_next("sendMessage", status=502, chat_id=DANA)
        telegram_standin.user_sends_text(DANA, "/mystats")
        stats = await said_to(telegram_standin, DANA, "", timeout=5)
    assert stats.text and "/mystats" not in stats.text
    failed = [c for c in telegram_standin.calls_of("sendMessage") if c.status == 502]
    assert len(failed) == 1
    assert len(telegram_standin.messages_to(DANA)) == 1  # once, from the outbox


@pytest.mark.asyncio
async def test_a_claim_committed_before_a_crash_is_answered_once_after_the_restart(
    desk_app: App, telegram_standin: TelegramStandIn, clock: ManualClock
) -> None:
    alice = Sender("telegram", str(ALICE), "Alice")
    telegram_standin.add_user(ALICE, first_name="Alice")
    dana = register(desk_app, telegram_standin, "dana", DANA)
    desk_app.desk.handle(alice, "talk to a person")
    # Dana's /claim was acted on and committed with its card; the process died before sending
    card = desk_app.team.desk.claim(dana.id, "T-1001", delivery="telegram:900002")
    assert "Why second line" in card.text
    clock.advance(seconds=LEASE.total_seconds())
    async with running(desk_app, telegram_standin):
        await said_to(telegram_standin, DANA, "Why second line")
        await said_to(telegram_standin, ALICE, "picked up")
        await asyncio.sleep(0.5)  # a few courier rounds more
    cards = [m for m in telegram_standin.messages_to(DANA) if "Why second line" in (m.text or "")]
    assert len(cards) == 1
    with sql_units_of_work(desk_app.sessions)(read_only=True) as uow:
        assert uow.outbox.pending() == []


@pytest.mark.asyncio
async def test_a_homeworkers_command_delivered_again_is_neither_done_nor_answered_twice(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(desk_app, telegram_standin, "dana", DANA)
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(ALICE, "talk to a person")
        await said_to(telegram_standin, DANA, "New case waiting")
        telegram_standin.user_sends_text(DANA, "/claim T-1001")
        await said_to(telegram_standin, DANA, "Why second line")
        telegram_standin.user_sends_text(DANA, "/resolve reset the VPN profile")
        await said_to(telegram_standin, DANA, "T-1001 resolved")
        resolve = telegram_standin.last_update_id
        telegram_standin.delivers_again(resolve)  # as after a crash before it was confirmed
        await asyncio.sleep(1)
    said = [m.text or "" for m in telegram_standin.messages_to(DANA)]
    assert sum("T-1001 resolved" in text for text in said) == 1
    assert not any(text.startswith("⚠️") for text in said)
    rating = [m for m in telegram_standin.messages_to(ALICE) if "rate" in (m.text or "")]
    assert len(rating) == 1
    with sql_units_of_work(desk_app.sessions)(read_only=True) as uow:
        assert uow.outbox.answered(f"telegram:{resolve}")  # kept with the command


@pytest.mark.asyncio
async def test_answers_after_one_telegram_refused_go_with_it_in_the_next_round_in_order(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    telegram_standin.add_user(ALICE, first_name="Alice")
    async with running(desk_app, telegram_standin):
        telegram_standin.fail_next("sendMessage", status=502, chat_id=ALICE)
        telegram_standin.user_sends_text(ALICE, f"my password is Hunter2! and {VPN}")
        # two answers kept with the update: the warning (refused once), then the article;
        # both come within a few courier rounds, not once their reservation ends
        await said_to(telegram_standin, ALICE, "Please don't send passwords", timeout=4)
        await said_to(telegram_standin, ALICE, "Connect to the VPN from home", timeout=4)
    said = [m.text or "" for m in telegram_standin.messages_to(ALICE)]
    assert len(said) == 2 and said[0].startswith("Please don't send passwords")


@pytest.mark.asyncio
async def test_an_update_that_changed_nothing_delivered_again_is_answered_once(
    desk_app: App, telegram_standin: TelegramStandIn, clock: ManualClock
) -> None:
    register(desk_app, telegram_standin, "dana", DANA)
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(DANA, "/claim T-9999")  # refused: changes nothing
        await said_to(telegram_standin, DANA, "T-9999")
        refused = telegram_standin.last_update_id
        telegram_standin.user_sends_text(DANA, "/queue")  # only reads
        await said_to(telegram_standin, DANA, "queue")
        read = telegram_standin.last_update_id
        telegram_standin.delivers_again(refused)  # as after a crash before it was forgotten
        telegram_standin.delivers_again(read)
        await asyncio.sleep(1)
        with sql_units_of_work(desk_app.sessions)() as uow:  # rolled back: nothing changes
            assert not uow.deliveries.first_time(f"telegram:{refused}", clock())  # recorded
            assert not uow.outbox.answered(f"telegram:{refused}")  # a refusal is never stored
            assert uow.outbox.answered(f"telegram:{read}")  # kept before it was sent
    said = [m.text or "" for m in telegram_standin.messages_to(DANA)]
    assert sum("T-9999" in text for text in said) == 1, said
    assert sum("queue" in text.casefold() for text in said) == 1, said
