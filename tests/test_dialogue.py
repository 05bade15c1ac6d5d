"""The first-line conversation, as the user sees it (in memory, on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from bot.bootstrap import App
from bot.core import texts
from bot.core.clock import utc_now
from bot.core.domain import FeedbackOutcome, Sender, ShownArticle
from bot.core.ports import KnowledgeBase
from tests.conftest import ALICE, AppFactory, said, verify_dialog
from tests.desk_fixtures import StoredView, stored_view
from tests.fakes import FakeTriage
from tests.memory_app import MemoryApp, memory_app

pytestmark = pytest.mark.memory

VPN_TITLE = "Connect to the VPN from home"
PASSWORD_TITLE = "Reset a forgotten password"


@pytest.fixture
def app(storage: str, request: pytest.FixtureRequest, knowledge: KnowledgeBase) -> App | MemoryApp:
    """The first-line desk over the fixture articles, on this test's storage."""
    if storage == "memory":
        return memory_app(knowledge, FakeTriage(), clock=utc_now)
    make_app: AppFactory = request.getfixturevalue("make_app")
    return make_app()


@pytest.fixture
def stored(app: App | MemoryApp) -> StoredView:
    """What the desk stored, read below the ports."""
    return stored_view(app)


def test_greets_answers_with_steps_and_closes_when_solved(app: App, stored: StoredView) -> None:
    verify_dialog(
        app,
        [
            ("hello", "I'm the IT help desk assistant"),
            ("how do I connect to the VPN from home", VPN_TITLE),
            ("yes", "glad that sorted it"),
        ],
    )
    [conversation] = stored.conversations()
    assert conversation.status == "resolved"
    assert conversation.closed_at is not None


def test_answer_has_numbered_steps_and_asks_whether_it_solved_it(app: App) -> None:
    [reply] = app.desk.handle(ALICE, "vpn won't connect from home")
    assert "1. Make sure your home internet works" in reply.text
    assert "4. Approve the sign-in" in reply.text
    assert reply.text.endswith(texts.ASK_FEEDBACK)
    assert [choice.value for choice in reply.choices] == ["yes", "no", "talk to a person"]


def test_offers_the_next_best_article_when_the_first_did_not_help(
    app: App, stored: StoredView
) -> None:
    verify_dialog(
        app,
        [
            ("I forgot my password and now I'm locked out", "password"),
            ("no", "Let's try this instead"),
        ],
    )
    [conversation] = stored.conversations()
    assert len(conversation.shown) == 2
    assert conversation.shown[0].article_id != conversation.shown[1].article_id


def test_two_noes_hand_the_conversation_to_second_line(app: App, stored: StoredView) -> None:
    verify_dialog(
        app,
        [
            ("I forgot my password and now I'm locked out", "password"),
            ("no", "Let's try this instead"),
            ("didn't work", "passing this to our second-line team"),
            ("hello?", "is in the queue"),
        ],
    )
    [conversation] = stored.conversations()
    assert conversation.status == "needs_human"
    [handoff] = stored.handoffs()
    assert handoff.reason == "the user said the suggested articles did not solve it"
    assert [tried.outcome for tried in handoff.articles_tried] == ["not_solved", "not_solved"]
    assert "locked out" in handoff.question


def test_asking_for_a_person_hands_off_with_what_the_bot_knows(
    app: App, stored: StoredView
) -> None:
    verify_dialog(
        app,
        [
            ("how do I add a printer", "Add the FollowMe printer"),
            ("can I talk to a person please", "Your reference is T-1001"),
        ],
    )
    [handoff] = stored.handoffs()
    assert handoff.reason == "the user asked for a person"
    assert handoff.articles_tried == (
        ShownArticle(
            "printer-add-followme",
            handoff.articles_tried[0].score,
            FeedbackOutcome.ASKED_FOR_HUMAN,
        ),
    )


def test_when_nothing_fits_it_asks_for_detail_once_then_hands_off(
    app: App, stored: StoredView
) -> None:
    verify_dialog(
        app,
        [
            (
                "my docking station makes a buzzing noise",
                "couldn't find an answer I'm sure about",
            ),
            ("it gets louder when the usb hub is plugged in", "second-line team"),
        ],
    )
    [handoff] = stored.handoffs()
    assert handoff.reason == "no knowledge-base article fits the question"


def test_more_detail_after_a_miss_can_still_find_the_article(app: App) -> None:
    verify_dialog(
        app,
        [
            ("it doesn't work", "couldn't find an answer I'm sure about"),
            ("the vpn at home", VPN_TITLE),
        ],
    )


def test_a_new_question_instead_of_feedback_gets_a_new_answer(app: App, stored: StoredView) -> None:
    verify_dialog(
        app,
        [
            ("how do I add a printer", "Add the FollowMe printer"),
            ("actually I forgot my password", PASSWORD_TITLE),
            ("yes", "glad"),
        ],
    )
    assert stored.feedback() == ["moved_on", "solved"]


def test_thanks_help_and_cancel(app: App, stored: StoredView) -> None:
    verify_dialog(
        app,
        [
            ("/help", "/cancel closes the current conversation"),
            ("thanks!", "You're welcome"),
            ("/cancel", "I've closed this conversation"),
            ("/cancel", "There's nothing open to cancel"),
        ],
    )
    assert [row.status for row in stored.conversations()] == ["cancelled"]


def test_a_user_can_cancel_while_waiting_for_second_line(app: App, stored: StoredView) -> None:
    verify_dialog(
        app,
        [
            ("talk to a human", "second-line team"),
            ("/cancel", "I've cancelled T-1001 and told the team"),
            ("how do I add a printer", "Add the FollowMe printer"),
        ],
    )
    assert [row.status for row in stored.conversations()] == ["cancelled", "open"]


def test_empty_input_gets_a_friendly_answer_and_stores_nothing(
    app: App, stored: StoredView
) -> None:
    assert said(app.desk.handle(ALICE, "   \n\t ")) == texts.EMPTY
    assert said(app.desk.handle(ALICE, "")) == texts.EMPTY
    assert stored.conversations() == []


def test_very_long_input_is_truncated_and_the_user_is_told(app: App) -> None:
    message = "my vpn will not connect from home. " + "x" * 5000
    replies = app.desk.handle(ALICE, message)
    assert (
        replies[0].text == "Your message was very long, so I read only the first 4,000 characters."
    )
    assert VPN_TITLE in said(replies)


def test_any_unicode_is_accepted_and_answered(app: App) -> None:
    verify_dialog(
        app,
        [
            ("¡Hola! 👋", "I'm the IT help desk assistant"),
            ("我的打印机坏了 🖨️ Ünïcödé \u200b", "couldn't find an answer"),
            ("how do I reset my pässwörd 🔑", PASSWORD_TITLE),
        ],
    )


def test_users_have_separate_conversations(app: App) -> None:
    bob = Sender(channel="test", external_id="bob", display_name="Bob")
    verify_dialog(app, [("how do I add a printer", "FollowMe")])
    verify_dialog(app, [("yes", "Tell me what's going wrong")], sender=bob)
    verify_dialog(app, [("yes", "glad")])


def test_a_restarted_desk_resumes_the_conversation_where_it_was(make_app) -> None:  # type: ignore[no-untyped-def]
    first = make_app()
    verify_dialog(first, [("vpn won't connect at home", VPN_TITLE)])
    first.engine.dispose()
    second = make_app()
    verify_dialog(second, [("yes", "glad that sorted it")])
