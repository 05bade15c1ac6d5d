"""The desk in Telegram, end to end: the real python-telegram-bot against the loopback stand-in."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Chat, Message, Update, User

from bot.bootstrap import App
from bot.core.clock import utc_now
from bot.core.domain import TriageVerdict
from bot.core.tickets import Agent, Role
from bot.doors.telegram.application import TelegramOptions, build_bot
from bot.storage.schema import InboxRow, MessageRow, TicketEventRow, TicketRow
from bot.storage.telegram_updates import SqlUpdateLog
from tests.conftest import AppFactory
from tests.fakes import FakeTriage, escalating
from tests.telegram_standin import SentMessage, TelegramStandIn, polling

ALICE, BOB, DANA, BOSS = 4201, 4202, 9001, 9100
OUTAGE = "the whole 2nd floor has no network since the power cut"
VPN = "how do I connect to the VPN from home"


@pytest.fixture
def desk_app(make_app: AppFactory) -> App:
    return make_app(triage=FakeTriage({OUTAGE: escalating("network", "P1")}))


@asynccontextmanager
async def running(app: App, standin: TelegramStandIn, **options: Any) -> AsyncIterator[None]:
    options.setdefault("delivery_interval", 0.1)
    chosen = TelegramOptions(
        token=standin.token, base_url=standin.base_url, max_send_rate=0, **options
    )
    async with polling(build_bot(app, SqlUpdateLog(app.sessions), chosen)):
        yield


def register(
    app: App, standin: TelegramStandIn, name: str, telegram_id: int, **fields: Any
) -> Agent:
    standin.add_user(telegram_id, first_name=name.title())
    fields.setdefault("on_shift", True)
    return app.team.roster.add(Agent(id=0, name=name, telegram_id=str(telegram_id), **fields))


async def said_to(
    standin: TelegramStandIn, chat: int, containing: str, timeout: float = 5
) -> SentMessage:
    """The next message to ``chat`` whose text contains ``containing``."""

    def matches(message: SentMessage) -> bool:
        return containing in (message.text or "")

    return await standin.wait_for_message(chat, matches, timeout=timeout)


@pytest.mark.asyncio
async def test_a_question_is_answered_with_buttons_and_closed_when_solved(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(ALICE, "/start")
        await said_to(telegram_standin, ALICE, "I'm the IT help desk assistant")
        telegram_standin.user_sends_text(ALICE, VPN)
        answer = await said_to(telegram_standin, ALICE, "Connect to the VPN from home")
        assert "1. Make sure your home internet works" in (answer.text or "")
        assert answer.button_texts == ["Yes, solved", "No", "Talk to a person"]
        telegram_standin.user_presses(ALICE, answer, "Yes, solved")
        await said_to(telegram_standin, ALICE, "glad that sorted it")
        assert telegram_standin.message(ALICE, answer.message_id).buttons == []
    assert telegram_standin.commands() == [
        ("start", "Start: say hello"),
        ("help", "What I can do"),
        ("status", "Where your request stands"),
        ("cancel", "Close the current conversation or request"),
    ]


MARKUP_FIXTURE = Path(__file__).parent / "fixtures" / "article_markup"


@pytest.fixture
def markup_app(make_app: AppFactory, tmp_path: Path) -> App:
    """A desk whose knowledge base is the article-markup fixture alone."""
    shutil.copy(MARKUP_FIXTURE / "article.md", tmp_path / "article.md")
    return make_app(kb_dir=tmp_path, kb_min_score=0.3)


@pytest.mark.asyncio
async def test_an_article_arrives_as_telegram_html_with_its_markup_rendered(
    markup_app: App, telegram_standin: TelegramStandIn
) -> None:
    async with running(markup_app, telegram_standin):
        telegram_standin.user_sends_text(ALICE, "how do I add the follow me printer")
        answer = await said_to(telegram_standin, ALICE, "Did that solve it?")
    article_html = (MARKUP_FIXTURE / "telegram.html").read_text(encoding="utf-8").rstrip("\n")
    assert answer.parse_mode == "HTML"
    assert answer.raw_text == f"{article_html}\n\nDid that solve it?"
    assert "1. Open Settings > Bluetooth & devices > Printers & scanners.\n" in (answer.text or "")
    assert "**" not in (answer.text or "") and "`" not in (answer.text or "")


@pytest.mark.asyncio
async def test_a_homeworker_sends_an_article_found_with_kb_and_the_user_gets_it_formatted(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(desk_app, telegram_standin, "dana", DANA)
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(ALICE, "talk to a person")
        offer = await said_to(telegram_standin, DANA, "New case waiting")
        telegram_standin.user_presses(DANA, offer, "Claim T-1001")
        await said_to(telegram_standin, DANA, "Why second line")

        telegram_standin.user_sends_text(DANA, "/kb vpn at home")
        found = await said_to(telegram_standin, DANA, "Articles for 'vpn at home'")
        assert "1. vpn-connect-from-home · Connect to the VPN from home" in (found.text or "")
        telegram_standin.user_presses(DANA, found, "1. vpn-connect-from-home")
        await said_to(telegram_standin, DANA, "Sent vpn-connect-from-home")
        article = await said_to(telegram_standin, ALICE, "sent you this article")
    assert article.parse_mode == "HTML"
    assert (article.raw_text or "").startswith(
        "Support team (T-1001) sent you this article:\n\n<b>Connect to the VPN from home</b>\n\n"
    )
    assert "\n1. Make sure your home internet works" in (article.text or "")
    menu = dict(telegram_standin.commands({"type": "chat", "chat_id": DANA}))
    assert (
        menu["kb"]
        == "Send the user a knowledge-base article, or search for one: /kb QUERY|ARTICLE-ID"
    )


@pytest.mark.asyncio
async def test_a_case_is_offered_claimed_relayed_resolved_and_rated(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(desk_app, telegram_standin, "dana", DANA, skills=("network",))
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(ALICE, OUTAGE)
        await said_to(telegram_standin, ALICE, "Your reference is T-1001")

        offer = await said_to(telegram_standin, DANA, "New case waiting")
        assert offer.button_texts == ["Claim T-1001"]
        telegram_standin.user_presses(DANA, offer, "Claim T-1001")
        card = await said_to(telegram_standin, DANA, "Why second line")
        assert "T-1001 · P1 · network" in (card.text or "")
        await said_to(telegram_standin, ALICE, "has picked up your request T-1001")

        telegram_standin.user_sends_text(DANA, "Is the <switch> light on? Reply & tell me")
        relayed = await said_to(telegram_standin, ALICE, "Support team (T-1001)")
        assert relayed.text == "Support team (T-1001): Is the <switch> light on? Reply & tell me"
        assert "&lt;switch&gt;" in (relayed.raw_text or "")

        telegram_standin.user_sends_text(ALICE, "no lights at all")
        from_user = await said_to(telegram_standin, DANA, "no lights at all")
        telegram_standin.user_sends_text(
            DANA, "Facilities are on the way", reply_to=from_user.message_id
        )
        await said_to(telegram_standin, ALICE, "Facilities are on the way")

        telegram_standin.user_sends_text(DANA, "/resolve breaker reset by facilities")
        await said_to(telegram_standin, DANA, "T-1001 resolved")
        rating = await said_to(telegram_standin, ALICE, "How would you rate the help")
        assert 'or write "not fixed" if the problem is still there' in (rating.text or "")
        assert rating.button_texts == ["1 poor", "2", "3", "4", "5 excellent", "Not fixed"]
        telegram_standin.user_presses(ALICE, rating, "5 excellent")
        await said_to(telegram_standin, ALICE, "Thank you for rating the help 5/5")
        telegram_standin.user_sends_text(DANA, "/mystats")
        figures = await said_to(telegram_standin, DANA, "Your figures over the last")
        assert "cases resolved: 1" in (figures.text or "")
        assert "your mean rating: 5.0/5 from 1 rating(s)" in (figures.text or "")

    with desk_app.sessions() as session:
        ticket = session.scalars(select(TicketRow)).one()
    assert (ticket.status, ticket.rating, ticket.resolution_note) == (
        "closed",
        5,
        "breaker reset by facilities",
    )


@pytest.mark.asyncio
async def test_a_supervisor_gets_help_requests_and_can_take_over(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(desk_app, telegram_standin, "dana", DANA)
    register(desk_app, telegram_standin, "boss", BOSS, role=Role.SUPERVISOR)
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(ALICE, "talk to a person")
        await said_to(telegram_standin, DANA, "New case waiting")
        telegram_standin.user_sends_text(DANA, "/next")
        await said_to(telegram_standin, DANA, "Why second line")
        telegram_standin.user_sends_text(DANA, "/ask is this one for facilities?")
        await said_to(telegram_standin, BOSS, "dana asks for help with T-1001")
        telegram_standin.user_sends_text(BOSS, "/takeover T-1001")
        await said_to(telegram_standin, DANA, "boss (supervisor) has taken over T-1001")
        telegram_standin.user_sends_text(BOSS, "I'll handle this one")
        await said_to(telegram_standin, ALICE, "Support team (T-1001): I'll handle this one")


@pytest.mark.asyncio
async def test_forged_and_foreign_buttons_do_nothing(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    telegram_standin.add_user(BOB)
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(ALICE, VPN)
        answer = await said_to(telegram_standin, ALICE, "Connect to the VPN")
        alices_button = answer.callback_data("Yes, solved")
        telegram_standin.user_sends_text(BOB, "hello")
        bobs = await telegram_standin.wait_for_message(BOB)
        telegram_standin.user_presses_button(BOB, bobs.message_id, alices_button, must_exist=False)
        telegram_standin.user_presses_button(
            ALICE, answer.message_id, "yes|forgedmac123", must_exist=False
        )
        await telegram_standin.wait_for(lambda: len(telegram_standin.answered_callbacks) >= 2)
    assert [c.text for c in telegram_standin.answered_callbacks] == [
        "That button isn't valid any more.",
        "That button isn't valid any more.",
    ]
    assert all("glad" not in (m.text or "") for m in telegram_standin.messages_to(ALICE))


@pytest.mark.asyncio
async def test_only_registered_homeworkers_get_the_desk(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(desk_app, telegram_standin, "dana", DANA)
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(ALICE, "talk to a person")
        await said_to(telegram_standin, ALICE, "T-1001")
        telegram_standin.user_sends_text(BOB, "/claim T-1001")
        await telegram_standin.wait_for_message(BOB)
        telegram_standin.user_sends_text(BOB, "/myid")
        await said_to(telegram_standin, BOB, f"Your Telegram user id is {BOB}")
        desk_app.team.roster.remove("dana")
        telegram_standin.user_sends_text(DANA, "/claim T-1001")
        await telegram_standin.wait_for_message(DANA, lambda m: "T-1001" not in (m.text or ""))
    with desk_app.sessions() as session:
        assert session.scalars(select(TicketRow.status)).one() == "queued"


@pytest.mark.asyncio
async def test_photos_reach_the_homeworker_and_other_media_get_a_friendly_answer(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(desk_app, telegram_standin, "dana", DANA)
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_sticker(ALICE)
        await said_to(telegram_standin, ALICE, "I can only read text messages")
        telegram_standin.user_sends_text(ALICE, "talk to a person")
        await said_to(telegram_standin, DANA, "New case waiting")
        telegram_standin.user_sends_text(DANA, "/claim T-1001")
        await said_to(telegram_standin, DANA, "Why second line")
        telegram_standin.user_sends_photo(ALICE, caption="this error")
        await said_to(telegram_standin, ALICE, "I've added the photo to T-1001")
        photo = await telegram_standin.wait_for_message(DANA, lambda m: m.kind == "photo")
        sent = [
            m for m in telegram_standin.messages_to(DANA) if "[photo] this error" in (m.text or "")
        ]
        assert sent and photo.file_id


@pytest.mark.asyncio
async def test_long_replies_are_split_under_telegrams_limit(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(desk_app, telegram_standin, "dana", DANA)
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(ALICE, "talk to a person")
        await said_to(telegram_standin, DANA, "New case waiting")
        telegram_standin.user_sends_text(DANA, "/claim T-1001")
        await said_to(telegram_standin, DANA, "Why second line")
        long_reply = " ".join(["step <one> & two"] * 235)  # under the 4,000 characters allowed
        telegram_standin.user_sends_text(DANA, long_reply)
        await said_to(telegram_standin, ALICE, "Support team (T-1001)")
        await telegram_standin.wait_for(lambda: len(telegram_standin.messages_to(ALICE)) >= 4)
    pieces = [m for m in telegram_standin.messages_to(ALICE) if "step <one>" in (m.text or "")]
    assert len(pieces) == 2  # 4,000 characters, about 6,300 once escaped for HTML
    assert all(len(m.raw_text or "") <= 4096 for m in pieces)
    assert " ".join(m.text or "" for m in pieces).endswith("step <one> & two")


@pytest.mark.asyncio
async def test_several_users_at_once_each_get_their_own_answer(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    users = range(5000, 5020)
    async with running(desk_app, telegram_standin):
        for user in users:
            telegram_standin.user_sends_text(user, VPN if user % 2 else "how do I add a printer")
        answers = await asyncio.gather(
            *(telegram_standin.wait_for_message(user, timeout=15) for user in users)
        )
    for user, answer in zip(users, answers, strict=True):
        expected = "Connect to the VPN" if user % 2 else "Add the FollowMe printer"
        assert expected in (answer.text or ""), user


@pytest.mark.asyncio
async def test_a_restart_mid_conversation_resumes_where_it_was(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(ALICE, "I forgot my password and now I'm locked out")
        first = await telegram_standin.wait_for_message(ALICE)
    async with running(desk_app, telegram_standin):
        telegram_standin.user_presses(ALICE, first, "No")
        await said_to(telegram_standin, ALICE, "Let's try this instead")


@pytest.mark.asyncio
async def test_a_failed_send_is_retried_from_the_outbox_and_arrives_once_still_formatted(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    telegram_standin.fail_next("sendMessage", status=502, chat_id=ALICE)
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(ALICE, VPN)
        await said_to(telegram_standin, ALICE, "Connect to the VPN")
        await asyncio.sleep(0.5)  # a few courier rounds: nothing more may arrive
    answers = [
        m for m in telegram_standin.messages_to(ALICE) if "Connect to the VPN" in (m.text or "")
    ]
    assert len(answers) == 1
    assert (answers[0].raw_text or "").startswith("<b>Connect to the VPN from home</b>\n\n")


@pytest.mark.asyncio
async def test_a_user_who_blocked_the_bot_does_not_stop_the_desk(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(desk_app, telegram_standin, "dana", DANA)
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(ALICE, "talk to a person")
        await said_to(telegram_standin, DANA, "New case waiting")
        telegram_standin.block_bot(ALICE)
        telegram_standin.user_sends_text(DANA, "/claim T-1001")
        await said_to(telegram_standin, DANA, "Why second line")
        telegram_standin.user_sends_text(DANA, "hello?")
        await said_to(telegram_standin, DANA, "Sent to the user on T-1001")
        await asyncio.sleep(0.3)
        telegram_standin.user_sends_text(BOB, VPN)
        await said_to(telegram_standin, BOB, "Connect to the VPN")


@pytest.mark.asyncio
async def test_an_update_a_crash_caught_before_it_was_answered_is_answered_after_the_restart(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    telegram_standin.add_user(ALICE, first_name="Alice")
    updates = SqlUpdateLog(desk_app.sessions)
    # The process that crashed had kept Alice's question and told Telegram it arrived
    # (so Telegram will not send it again), then died before answering it.
    question = Update(
        7001,
        message=Message(
            1,
            datetime.now(UTC),
            Chat(ALICE, "private"),
            from_user=User(ALICE, "Alice", is_bot=False),
            text=VPN,
        ),
    )
    updates.keep({"telegram:7001": question.to_dict()}, utc_now() - timedelta(minutes=5))

    async with running(desk_app, telegram_standin):
        await said_to(telegram_standin, ALICE, "Connect to the VPN")
        telegram_standin.user_sends_text(ALICE, "yes")
        await said_to(telegram_standin, ALICE, "glad that sorted it")

    # Both updates were processed, so the inbox holds nothing to take up again.
    assert updates.take_stranded(utc_now() + timedelta(days=1), utc_now()) == []


@pytest.mark.asyncio
async def test_a_claim_press_a_crash_left_in_the_inbox_is_taken_up_at_once_after_the_restart(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(desk_app, telegram_standin, "dana", DANA)
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(ALICE, "talk to a person")
        offer = await said_to(telegram_standin, DANA, "New case waiting")
    # The process that crashed had fetched Dana's press, kept it in the inbox and told
    # Telegram it arrived (so it is not sent again), then died before acting on it.
    telegram_standin.user_presses(DANA, offer, "Claim T-1001")
    press = telegram_standin.last_update_id
    with telegram_standin.state.lock:
        payload = telegram_standin.state.sent_updates[press]
        telegram_standin.state.confirm_updates(press + 1)
    SqlUpdateLog(desk_app.sessions).keep({f"telegram:{press}": payload}, utc_now())
    telegram_standin.fail_next(
        "answerCallbackQuery",
        status=400,
        description="Bad Request: query is too old and response timeout expired",
    )
    async with running(desk_app, telegram_standin):
        # at the start, not once it looks stranded a while later
        await said_to(telegram_standin, DANA, "Why second line", timeout=4)
        await said_to(telegram_standin, ALICE, "picked up")
    failed = [c for c in telegram_standin.calls_of("answerCallbackQuery") if c.status == 400]
    assert len(failed) == 1  # too old to settle, acted on all the same
    assert inbox_keys(desk_app) == []


class HeldDesk:
    """Holds the desk's answer to one text until the test lets it go."""

    def __init__(self, app: App, text: str) -> None:
        self.started, self.release = asyncio.Event(), threading.Event()
        self._loop = asyncio.get_running_loop()
        unheld = app.desk.handle

        def handle(sender: Any, raw_text: str, delivery: str | None = None) -> Any:
            if raw_text == text:
                self._loop.call_soon_threadsafe(self.started.set)
                self.release.wait(10)
            return unheld(sender, raw_text, delivery)

        app.desk.handle = handle  # type: ignore[method-assign]

    async def asked_by(self, standin: TelegramStandIn, user_id: int, text: str = VPN) -> None:
        """The user sends the held text; back once the desk has started on it."""
        standin.user_sends_text(user_id, text)
        await asyncio.wait_for(self.started.wait(), 5)


def inbox_keys(app: App) -> list[str]:
    with app.engine.connect() as connection:
        return list(connection.execute(select(InboxRow.key)).scalars())


@pytest.mark.asyncio
async def test_telegram_hears_an_update_arrived_only_once_it_is_answered(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    telegram_standin.add_user(ALICE, first_name="Alice")
    held = HeldDesk(desk_app, VPN)
    async with running(desk_app, telegram_standin, confirm_grace=30):
        await held.asked_by(telegram_standin, ALICE)
        await asyncio.sleep(0.3)
        # Being answered: not confirmed to Telegram, which would send it again after a crash.
        assert telegram_standin.pending_update_count == 1
        held.release.set()
        await said_to(telegram_standin, ALICE, "Connect to the VPN from home")
        await wait_until(lambda: telegram_standin.pending_update_count == 0)
        # Answered within the grace: it never had to be written to the inbox.
        assert inbox_keys(desk_app) == []


@pytest.mark.asyncio
async def test_an_update_slow_to_answer_is_kept_in_the_inbox_then_confirmed(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    telegram_standin.add_user(ALICE, first_name="Alice")
    held = HeldDesk(desk_app, VPN)
    async with running(desk_app, telegram_standin, confirm_grace=0.05, inbox_sweep_interval=0.1):
        await held.asked_by(telegram_standin, ALICE)
        # Past the grace it is kept, so Telegram can be told it arrived, and other
        # updates are fetched meanwhile.
        await wait_until(lambda: telegram_standin.pending_update_count == 0)
        [kept] = inbox_keys(desk_app)
        telegram_standin.user_sends_text(BOB, "/start")
        await said_to(telegram_standin, BOB, "I'm the IT help desk assistant")
        held.release.set()
        await said_to(telegram_standin, ALICE, "Connect to the VPN from home")
        await wait_until(lambda: inbox_keys(desk_app) == [])
    assert kept.startswith("telegram:")


@pytest.mark.asyncio
async def test_an_update_is_confirmed_once_its_answer_is_stored_before_the_answer_is_sent(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    telegram_standin.add_user(ALICE, first_name="Alice")
    telegram_standin.delay_next("sendMessage", 2.0)  # Telegram is slow to confirm the send
    async with running(desk_app, telegram_standin, confirm_grace=30):
        telegram_standin.user_sends_text(ALICE, VPN)
        # Stored and recorded as handled: a crash now would not answer it twice, so
        # Telegram hears it arrived while the bot still waits on the answer's send.
        await wait_until(lambda: telegram_standin.pending_update_count == 0, timeout=1.5)
        await said_to(telegram_standin, ALICE, "Connect to the VPN from home")
    assert inbox_keys(desk_app) == []


class HeldTriage(FakeTriage):
    """Triage that takes as long as the test wants over one text, as a slow model would."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text, self.started, self.release = text, threading.Event(), threading.Event()

    def assess(self, text: str) -> TriageVerdict:
        if text == self.text:
            self.started.set()
            self.release.wait(10)
        return super().assess(text)


@pytest.mark.asyncio
async def test_while_one_question_is_triaged_other_users_are_answered(
    make_app: AppFactory, telegram_standin: TelegramStandIn
) -> None:
    triage = HeldTriage(VPN)
    app = make_app(triage=triage)
    telegram_standin.add_user(ALICE, first_name="Alice")
    telegram_standin.add_user(BOB, first_name="Bob")
    async with running(app, telegram_standin):
        telegram_standin.user_sends_text(ALICE, VPN)
        await asyncio.to_thread(triage.started.wait, 5)
        # Alice's question is still being triaged: no transaction is open for it, so
        # Bob's question is triaged, stored and answered meanwhile.
        telegram_standin.user_sends_text(BOB, "my password expired")
        await said_to(telegram_standin, BOB, "password")
        assert telegram_standin.messages_to(ALICE) == []
        triage.release.set()
        await said_to(telegram_standin, ALICE, "Connect to the VPN from home")


async def wait_until(condition: Callable[[], bool], timeout: float = 5) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


async def delivered_again(standin: TelegramStandIn, sender: int, homeworker: bool = False) -> None:
    """Telegram delivers the newest update once more (same update_id); back once the bot has
    fetched and handled it (the sender then sends a command that changes nothing: /help for
    a homeworker, /myid for a user, answered after it in turn)."""
    standin.delivers_again(standin.last_update_id)
    await wait_until(lambda: standin.pending_update_count == 0)
    await asyncio.sleep(0.2)
    standin.user_sends_text(sender, "/help" if homeworker else "/myid")
    await said_to(standin, sender, "Commands:" if homeworker else "Your Telegram user id")


def said(standin: TelegramStandIn, chat: int, containing: str) -> int:
    return sum(containing in (m.text or "") for m in standin.messages_to(chat))


def stored(app: App, *where: Any) -> int:
    with app.sessions() as session:
        return len(session.scalars(select(MessageRow.id).where(*where)).all())


def events(app: App, action: str) -> int:
    with app.sessions() as session:
        rows = session.scalars(select(TicketEventRow.id).where(TicketEventRow.action == action))
        return len(rows.all())


@pytest.mark.asyncio
async def test_every_kind_of_update_delivered_twice_has_exactly_one_effect(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(desk_app, telegram_standin, "dana", DANA, skills=("network",))
    register(desk_app, telegram_standin, "boss", BOSS, role=Role.SUPERVISOR)
    telegram_standin.add_user(BOB, first_name="Bob")
    async with running(desk_app, telegram_standin):
        # An end user's text: one case, one answer, one stored question.
        telegram_standin.user_sends_text(ALICE, OUTAGE)
        await said_to(telegram_standin, ALICE, "Your reference is T-1001")
        offer = await said_to(telegram_standin, DANA, "New case waiting")
        await delivered_again(telegram_standin, ALICE)
        assert said(telegram_standin, ALICE, "Your reference is") == 1
        assert stored(desk_app, MessageRow.text == OUTAGE) == 1

        # An end user's button: the conversation closed once.
        telegram_standin.user_sends_text(BOB, VPN)
        article = await said_to(telegram_standin, BOB, "Connect to the VPN")
        telegram_standin.user_presses(BOB, article, "Yes, solved")
        await said_to(telegram_standin, BOB, "glad that sorted it")
        await delivered_again(telegram_standin, BOB)
        assert said(telegram_standin, BOB, "glad that sorted it") == 1

        # A homeworker's button: claimed once, the card sent once.
        telegram_standin.user_presses(DANA, offer, "Claim T-1001")
        await said_to(telegram_standin, DANA, "Why second line")
        await delivered_again(telegram_standin, DANA, homeworker=True)
        assert said(telegram_standin, DANA, "T-1001 · P1 · network · assigned") == 1
        assert said(telegram_standin, ALICE, "has picked up your request") == 1

        # A homeworker's command: one note.
        telegram_standin.user_sends_text(DANA, "/note checking the floor switch")
        await said_to(telegram_standin, DANA, "Note added")
        await delivered_again(telegram_standin, DANA, homeworker=True)
        assert said(telegram_standin, DANA, "Note added") == 1
        assert events(desk_app, "note") == 1

        # A homeworker's plain-text reply: stored once, relayed once.
        telegram_standin.user_sends_text(DANA, "Is the switch light on?")
        await said_to(telegram_standin, ALICE, "Support team (T-1001): Is the switch light on?")
        await delivered_again(telegram_standin, DANA, homeworker=True)
        await asyncio.sleep(0.3)  # a few courier rounds: a second copy would be out by now
        assert said(telegram_standin, ALICE, "Is the switch light on?") == 1
        assert stored(desk_app, MessageRow.text.contains("Is the switch light on?")) == 1

        # A supervisor's takeover: taken over once, the homeworker told once.
        telegram_standin.user_sends_text(BOSS, "/takeover T-1001")
        await said_to(telegram_standin, DANA, "boss (supervisor) has taken over T-1001")
        await delivered_again(telegram_standin, BOSS, homeworker=True)
        await asyncio.sleep(0.3)
        assert said(telegram_standin, DANA, "has taken over T-1001") == 1
        assert said(telegram_standin, BOSS, "T-1001 · P1 · network · assigned") == 1
        assert events(desk_app, "taken over") == 1
    for chat in (ALICE, BOB, DANA, BOSS):
        assert said(telegram_standin, chat, "went wrong") == 0
