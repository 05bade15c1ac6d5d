"""Ordinary replies understood, as the user sees it (issue 14's seen failures, points 2-3):
thanks after an article, ratings in words, a mark out of range, "not fixed, ...", and
messages that are not about IT (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest

from bot.core import texts
from tests.desk_fixtures import OUTAGE, Desk

pytestmark = pytest.mark.memory

PRINTER_ARTICLE = "Add the FollowMe printer"


def resolved_case(desk: Desk) -> None:
    """Alice's outage, taken by dana and resolved: the desk now asks Alice for a rating."""
    dana = desk.add("dana")
    assert "Your reference is T-1001" in desk.user(OUTAGE)
    desk.app.team.desk.claim(dana.id, "T-1001")
    desk.app.team.desk.resolve(dana.id, "The switch was restarted.")
    assert "How would you rate the help" in "\n".join(desk.news_for())
    desk.news_for_agent("dana")


def cases_opened(desk: Desk) -> int:
    return len(desk.stored.handoffs())


@pytest.mark.parametrize(
    "thanks", ["thanks that worked", "perfect thanks", "thank you, it works now"]
)
def test_thanks_that_worked_after_an_article_closes_it_as_solved(desk: Desk, thanks: str) -> None:
    assert PRINTER_ARTICLE in desk.user("how do I add a printer")
    assert "glad that sorted it" in desk.user(thanks)
    assert desk.stored.feedback() == ["solved"]
    [conversation] = desk.stored.conversations()
    assert conversation.status == "resolved"


def test_a_rating_in_words_is_stored(desk: Desk) -> None:
    resolved_case(desk)
    assert "Thank you for rating the help 5/5" in desk.user("five")
    assert (desk.ticket().status, desk.ticket().rating) == ("closed", 5)
    assert cases_opened(desk) == 1


def test_a_mark_out_of_range_is_asked_again_once_and_the_next_mark_is_stored(desk: Desk) -> None:
    resolved_case(desk)
    assert 'from 1 to 5 (5 is excellent), or write "not fixed"' in desk.user("6")
    assert desk.ticket().status == "resolved"
    assert "Thank you for rating the help 5/5" in desk.user("5")
    assert (desk.ticket().status, desk.ticket().rating) == ("closed", 5)
    assert cases_opened(desk) == 1


def test_a_later_5_after_rating_opens_no_ticket(desk: Desk) -> None:
    resolved_case(desk)
    desk.user("⭐⭐⭐⭐")
    assert desk.user("5") == texts.NOTHING_TO_RATE
    assert desk.ticket().rating == 4
    assert cases_opened(desk) == 1


def test_not_fixed_with_details_reopens_the_case_with_them(desk: Desk) -> None:
    resolved_case(desk)
    details = "the files on the S drive are still encrypted"
    answer = desk.user(f"not fixed, {details}")
    assert "I've reopened T-1001 and passed on what you wrote" in answer
    told = desk.news_for_agent("dana")
    assert "The user says T-1001 is not fixed; it is back with you." in told
    assert f"The user wrote: {details}" in told
    assert desk.ticket().status == "assigned"
    assert ("reopened", details) in desk.stored.details(1)
    assert cases_opened(desk) == 1


def test_not_fixed_when_the_holder_is_away_offers_the_case_with_the_details(desk: Desk) -> None:
    resolved_case(desk)
    desk.app.team.desk.set_shift(desk.agent("dana").id, False)
    erin = desk.add("erin")
    desk.news_for_agent("erin")
    desk.user("still broken, the screen keeps going black")
    offer = desk.news_for_agent(erin.name)
    assert "The user wrote: the screen keeps going black" in offer
    assert "New case waiting" in offer
    assert desk.ticket().status == "queued"


def test_thanks_to_the_rating_prompt_is_asked_once_then_closes_unrated(desk: Desk) -> None:
    resolved_case(desk)
    again = desk.user("thanks, all good now")
    assert "Please rate the help with T-1001 from 1 to 5" in again
    assert "You're welcome" in desk.user("thank you")
    assert (desk.ticket().status, desk.ticket().rating) == ("closed", None)
    assert cases_opened(desk) == 1


def test_a_plain_new_it_question_after_resolution_starts_afresh(desk: Desk) -> None:
    resolved_case(desk)
    assert PRINTER_ARTICLE in desk.user("how do I add a printer")
    assert (desk.ticket().status, desk.ticket().rating) == ("closed", None)


@pytest.mark.parametrize(
    "off_topic", ["what's the weather in London", "order pizza", "tell me a joke"]
)
def test_a_message_not_about_it_gets_a_friendly_no_and_no_ticket(
    desk: Desk, off_topic: str
) -> None:
    assert desk.user(off_topic) == texts.OUT_OF_SCOPE
    assert "I can help with IT questions" in texts.OUT_OF_SCOPE
    assert desk.user(off_topic) == texts.OUT_OF_SCOPE
    assert cases_opened(desk) == 0


def test_out_of_scope_then_asking_for_a_person_hands_off(desk: Desk) -> None:
    desk.user("tell me a joke")
    desk.user("order pizza")
    assert "Your reference is T-1001" in desk.user("I want to talk to a person")
    assert cases_opened(desk) == 1


def test_out_of_scope_after_an_article_leaves_the_question_open(desk: Desk) -> None:
    assert PRINTER_ARTICLE in desk.user("how do I add a printer")
    assert desk.user("what's the weather in London") == texts.OUT_OF_SCOPE
    assert "glad that sorted it" in desk.user("yes, it works now")


def test_a_low_confidence_it_question_still_asks_for_more_then_hands_off(desk: Desk) -> None:
    assert "couldn't find an answer I'm sure about" in desk.user(
        "my docking station makes a buzzing noise"
    )
    assert "Your reference is T-1001" in desk.user("it gets louder when the usb hub is plugged in")
