"""What the desk stores, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, select

from bot.bootstrap import App
from bot.core.desk import FirstLineDesk
from bot.core.domain import Sender
from bot.storage.database import upgrade_schema
from bot.storage.schema import ConversationRow, FeedbackRow, MessageRow, UserRow
from bot.storage.telegram_updates import SqlUpdateLog
from bot.storage.unit_of_work import SqlUnitOfWork
from tests.conftest import ALICE
from tests.desk_fixtures import OUTAGE, Desk
from tests.fakes import FakeTriage, ManualClock


def _messages(app: App) -> list[MessageRow]:
    with app.sessions() as session:
        return list(session.scalars(select(MessageRow).order_by(MessageRow.id)))


def test_migrations_create_every_table_and_are_idempotent(app: App) -> None:
    upgrade_schema(app.engine)
    tables = set(inspect(app.engine).get_table_names())
    assert {"users", "conversations", "messages", "kb_feedback", "handoff_requests"} <= tables
    assert "alembic_version" in tables


def test_messages_are_stored_in_both_directions_with_utc_timestamps(app: App) -> None:
    moment = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    desk = FirstLineDesk(
        app.knowledge, FakeTriage(), lambda **_: SqlUnitOfWork(app.sessions), clock=lambda: moment
    )
    desk.handle(ALICE, "how do I add a printer")
    rows = _messages(app)
    assert [row.direction for row in rows] == ["in", "out"]
    assert rows[0].text == "how do I add a printer"
    assert rows[1].text.startswith("**Add the FollowMe printer**")  # the article, as Markdown
    assert all(row.created_at == moment for row in rows)


def test_timestamps_keep_their_instant_across_time_zones(app: App) -> None:
    local = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    later = local.astimezone(ZoneInfo("Asia/Tokyo"))
    desk = FirstLineDesk(
        app.knowledge, FakeTriage(), lambda **_: SqlUnitOfWork(app.sessions), clock=lambda: later
    )
    desk.handle(ALICE, "hi")
    assert {row.created_at for row in _messages(app)} == {local}


def test_feedback_is_stored_per_article(app: App) -> None:
    app.desk.handle(ALICE, "vpn won't connect at home")
    app.desk.handle(ALICE, "yes")
    with app.sessions() as session:
        [feedback] = session.scalars(select(FeedbackRow)).all()
    assert (feedback.article_id, feedback.outcome) == ("vpn-connect-from-home", "solved")
    assert 0.3 <= feedback.score <= 1.0


def test_unicode_and_long_text_round_trip_unchanged(app: App) -> None:
    text = "Ünïcödé ✓ 你好 🖨️ " + "é" * 3900
    app.desk.handle(ALICE, text)
    stored = _messages(app)[0]
    assert stored.text == text.strip()
    assert stored.truncated is False
    app.desk.handle(ALICE, "x" * 4500)
    truncated = [row for row in _messages(app) if row.direction == "in"][-1]
    assert truncated.truncated is True
    assert len(truncated.text) == 4000


def test_a_user_is_created_once_and_keeps_their_latest_name(app: App) -> None:
    app.desk.handle(Sender("test", "42", "Al"), "hi")
    app.desk.handle(Sender("test", "42", "Alice Smith"), "thanks")
    app.desk.handle(Sender("other", "42", "Someone else"), "hi")
    with app.sessions() as session:
        users = session.scalars(select(UserRow).order_by(UserRow.id)).all()
    assert [(user.channel, user.display_name) for user in users] == [
        ("test", "Alice Smith"),
        ("other", "Someone else"),
    ]


def test_a_failed_turn_stores_nothing(app: App) -> None:
    class BrokenKnowledge:
        min_score = 0.3

        def search(self, text: str, limit: int = 3) -> list[object]:
            raise RuntimeError("index exploded")

        def article(self, article_id: str) -> None:
            return None

    desk = FirstLineDesk(BrokenKnowledge(), FakeTriage(), lambda **_: SqlUnitOfWork(app.sessions))  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="index exploded"):
        desk.handle(ALICE, "how do I add a printer")
    with app.sessions() as session:
        assert session.scalars(select(ConversationRow)).all() == []
    assert _messages(app) == []


def test_a_conversation_keeps_the_moment_it_closed(app: App) -> None:
    clock = ManualClock()
    desk = FirstLineDesk(
        app.knowledge, FakeTriage(), lambda **_: SqlUnitOfWork(app.sessions), clock=clock
    )
    desk.handle(ALICE, "vpn won't connect at home")
    clock.advance(minutes=3)
    desk.handle(ALICE, "yes")
    closed_at = clock.now
    clock.advance(minutes=5)
    desk.handle(ALICE, "thanks")  # after closing: a new conversation, the old one untouched
    with app.sessions() as session:
        first, *rest = session.scalars(select(ConversationRow).order_by(ConversationRow.id))
    assert first.status == "resolved"
    assert first.closed_at == closed_at
    assert first.updated_at == closed_at
    assert all(row.closed_at is None for row in rest)


def test_the_update_log_forgets_handled_updates_telegram_will_not_deliver_again(app: App) -> None:
    updates = SqlUpdateLog(app.sessions)
    now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)

    def first_time(delivery: str, at: datetime) -> bool:
        with SqlUnitOfWork(app.sessions) as uow:
            new = uow.deliveries.first_time(delivery, at)
            uow.commit()
        return new

    assert first_time("telegram:1", now) and first_time("telegram:2", now + timedelta(days=2))
    assert updates.forget_before(now + timedelta(days=1)) == 1
    assert first_time("telegram:1", now)  # forgotten
    assert not first_time("telegram:2", now)  # still remembered


def test_a_message_delivered_twice_is_answered_and_stored_once(app: App) -> None:
    first = app.desk.handle(ALICE, "vpn won't connect at home", delivery="telegram:41")
    stored = len(_messages(app))
    again = app.desk.handle(ALICE, "vpn won't connect at home", delivery="telegram:41")
    assert first and again == []
    assert len(_messages(app)) == stored == 2
    assert app.desk.handle(ALICE, "no", delivery="telegram:42")  # the next one counts
    assert app.desk.handle(ALICE, "no", delivery="telegram:42") == []
    with app.sessions() as session:
        [conversation] = session.scalars(select(ConversationRow)).all()
    assert conversation.declines == 1  # the "no" counted once


def test_a_turn_that_fails_does_not_mark_its_delivery_handled(app: App) -> None:
    class ExplodingTriage:
        def assess(self, text: str) -> object:
            raise RuntimeError("model exploded")

    failing = FirstLineDesk(  # type: ignore[arg-type]
        app.knowledge, ExplodingTriage(), lambda **_: SqlUnitOfWork(app.sessions)
    )
    with pytest.raises(RuntimeError, match="model exploded"):
        failing.handle(ALICE, "vpn won't connect at home", delivery="telegram:43")
    assert app.desk.handle(ALICE, "vpn won't connect at home", delivery="telegram:43")


# SQLite only: its single writer is what this is about.
@pytest.mark.parametrize("storage", ["sqlite"])
def test_looking_at_the_queue_never_waits_for_a_writer(desk: Desk) -> None:
    dana = desk.add("dana")
    desk.user(OUTAGE)
    writer = sqlite3.connect(desk.app.engine.url.database or "", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process is in the middle of a write
    try:
        with ThreadPoolExecutor(1) as pool:
            looks = [
                pool.submit(desk.app.team.desk.queue, dana.id),
                pool.submit(desk.app.team.desk.mine, dana.id),
                pool.submit(desk.app.team.desk.agent_named, "dana"),
                pool.submit(desk.app.team.notices.due_on, "telegram"),
            ]
            answers = [look.result(timeout=5) for look in looks]
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert "T-1001" in answers[0].text
    assert "You hold no cases" in answers[1].text
    assert answers[2].name == "dana"


def test_the_inbox_hands_a_stranded_update_to_one_taker_until_it_is_done(app: App) -> None:
    updates = SqlUpdateLog(app.sessions)
    received = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    updates.keep({"telegram:5": {"update_id": 5}}, received)
    # Kept again beside a new one, in one write: still one entry, still the first stamp.
    batch = {"telegram:5": {"update_id": 5}, "telegram:6": {"update_id": 6}}
    updates.keep(batch, received + timedelta(minutes=10))
    now = received + timedelta(minutes=5)

    assert updates.take_stranded(now - timedelta(minutes=1), now) == [{"update_id": 5}]
    # Taken: restamped, so neither this process nor another takes it again at once.
    assert updates.take_stranded(now - timedelta(minutes=1), now) == []
    later = now + timedelta(hours=1)
    assert updates.take_stranded(later, later) == [{"update_id": 5}, {"update_id": 6}]
    updates.done(["telegram:5", "telegram:6"])
    assert updates.take_stranded(later + timedelta(days=1), later) == []
