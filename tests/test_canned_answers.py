"""Canned answers: a homeworker finds a knowledge-base article and sends it to the case's user."""

from __future__ import annotations

import pytest

from bot.core.domain import Markup
from bot.core.tickets import TicketStatus
from bot.doors.telegram.rendering import message_html
from bot.doors.terminal_chat import render
from bot.doors.terminal_desk import DeskSession
from bot.errors import Refused
from tests.desk_fixtures import ALICE, OUTAGE, Desk

pytestmark = pytest.mark.memory

VPN_ARTICLE_TEXT = (
    "Connect to the VPN from home\n\n"
    "Use the VPN app to reach company systems from outside the office.\n\n"
    "1. Make sure your home internet works by opening any public website.\n"
    "2. Open the VPN app from the Start menu.\n"
    "3. Click Connect and sign in with your work account.\n"
    "4. Approve the sign-in on your authenticator app.\n\n"
    'If the VPN app shows "Authentication failed" after step 4, reply "talk to a person".'
)


def desk_session(desk: Desk, name: str = "dana") -> DeskSession:
    agent = desk.add(name, skills=("network",))
    return DeskSession(desk.app.team.desk, agent, lambda: [])


def test_a_search_lists_numbered_matches_and_a_number_sends_one(desk: Desk) -> None:
    dana = desk_session(desk)
    desk.user(OUTAGE)
    dana.execute("claim T-1001")
    desk.news_for()

    found = dana.execute("kb vpn at home")
    assert found.startswith("Articles for 'vpn at home'; `kb ARTICLE-ID` sends one")
    assert "\n1. vpn-connect-from-home · Connect to the VPN from home (" in found
    assert desk.news_for() == []  # a search sends nothing

    assert dana.execute("kb 1") == (
        "Sent vpn-connect-from-home (Connect to the VPN from home) to the user on T-1001."
    )
    [notice] = desk.app.team.notices.collect_for_user(ALICE)
    assert render(notice) == f"Support team (T-1001) sent you this article:\n\n{VPN_ARTICLE_TEXT}"
    assert [part.markup for part in notice.parts] == [Markup.PLAIN, Markup.ARTICLE_MARKDOWN]
    assert message_html(notice.text_parts).startswith(
        "Support team (T-1001) sent you this article:\n\n<b>Connect to the VPN from home</b>\n\n"
    )


def test_a_sent_article_is_on_the_case_as_a_reply(desk: Desk) -> None:
    dana = desk_session(desk)
    desk.user(OUTAGE)
    dana.execute("claim T-1001")
    dana.execute("kb vpn-connect-from-home")

    ticket = desk.ticket()
    assert ticket.status is TicketStatus.WAITING_ON_USER
    assert ticket.first_response_at is not None
    assert desk.trail()[-1] == "homeworker:dana sent article"
    transcript = [text for text, _ in desk.stored.messages()]
    assert transcript[-1] == "[sent article vpn-connect-from-home: Connect to the VPN from home]"
    card = dana.execute("view T-1001")
    assert "homeworker:dana: [sent article vpn-connect-from-home: Connect to the VPN" in card


def test_the_user_sees_the_homeworkers_chosen_name_above_the_article(desk: Desk) -> None:
    kim = desk.add("kim", display_name="Kim from IT")
    desk.user("talk to a person")
    team = desk.app.team.desk
    team.next_case(kim.id)
    desk.news_for()
    team.send_article(kim.id, "password-reset")
    [news] = desk.news_for()
    assert news.startswith("Kim from IT (T-1001) sent you this article:\n\n**Reset a forgotten")


def test_kb_refuses_clearly_and_sends_nothing(desk: Desk) -> None:
    dana = desk_session(desk)
    team = desk.app.team.desk
    assert dana.execute("kb").startswith("Refused: `kb` needs words to search for or an article")
    assert dana.execute("kb vpn-connect-from-home").startswith("Refused: You hold no case.")
    assert dana.execute("kb 3").startswith("Refused: 3 is not an article id")
    assert dana.execute("kb quantum entanglement of the toaster") == (
        "No article matches 'quantum entanglement of the toaster'. Try other words."
    )
    desk.user(OUTAGE)
    dana.execute("claim T-1001")
    desk.news_for()
    before = desk.trail()
    with pytest.raises(Refused, match="the limit is"):
        team.send_article(dana.agent.id, "x" * 10_000)
    assert dana.execute("kb no-such-article").startswith("No article matches")
    assert (desk.trail(), desk.news_for()) == (before, [])


def test_a_search_offers_each_match_as_a_choice_that_sends_it(desk: Desk) -> None:
    dana = desk.add("dana")
    found = desk.app.team.desk.send_article(dana.id, "forgot my password")
    assert found.choices[0].label == "1. password-reset"
    assert found.choices[0].value == "kb password-reset"
