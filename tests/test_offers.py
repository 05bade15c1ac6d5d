"""Offers and news as homeworkers read them: withdrawn once the case moves on, never stale."""

from __future__ import annotations

import pytest

from bot.core.tickets import Role
from tests.desk_fixtures import OUTAGE, Desk

pytestmark = pytest.mark.memory

OFFER = "New case waiting"


def test_when_dana_claims_sams_offer_is_withdrawn_and_dana_hears_nothing_more(
    desk: Desk,
) -> None:
    dana = desk.add("dana", skills=("network",))
    desk.add("sam", skills=("network",))
    desk.user(OUTAGE)
    assert OFFER in desk.news_for_agent("dana")
    assert OFFER in desk.news_for_agent("sam")

    desk.app.team.desk.claim(dana.id, "T-1001")
    assert desk.news_for_agent("sam") == "T-1001 claimed by dana."
    assert desk.news_for_agent("dana") == ""


def test_offers_read_before_the_user_cancels_are_withdrawn_with_the_reason(desk: Desk) -> None:
    desk.add("dana", skills=("network",))
    desk.add("sam", skills=("network",))
    desk.user(OUTAGE)
    desk.news_for_agent("dana"), desk.news_for_agent("sam")

    desk.user("/cancel")
    assert desk.news_for_agent("dana") == "T-1001 withdrawn: cancelled by the user."
    assert desk.news_for_agent("sam") == "T-1001 withdrawn: cancelled by the user."


def test_offers_not_read_yet_are_dropped_when_the_case_is_cancelled(desk: Desk) -> None:
    desk.add("dana", skills=("network",))
    desk.add("sam", skills=("network",))
    desk.user(OUTAGE)

    desk.user("/cancel")  # before either has looked at their news
    assert desk.news_for_agent("dana") == ""
    assert desk.news_for_agent("sam") == ""


def test_a_supervisor_taking_a_case_from_the_queue_withdraws_the_offers(desk: Desk) -> None:
    desk.add("dana", skills=("network",))
    boss = desk.add("boss", role=Role.SUPERVISOR)
    desk.user(OUTAGE)
    desk.news_for_agent("dana"), desk.news_for_agent("boss")

    desk.app.team.desk.take_over(boss.id, "T-1001")
    assert desk.news_for_agent("dana") == "T-1001 taken over by boss."


def test_a_case_queued_again_is_offered_afresh_and_withdrawn_again(desk: Desk) -> None:
    dana = desk.add("dana", skills=("network",))
    sam = desk.add("sam", skills=("network",))
    desk.user(OUTAGE)
    desk.app.team.desk.claim(dana.id, "T-1001")
    desk.news_for_agent("sam")

    desk.app.team.desk.release(dana.id)
    assert OFFER in desk.news_for_agent("sam")
    desk.app.team.desk.claim(sam.id, "T-1001")
    assert desk.news_for_agent("dana") == ""  # released it: no offer to withdraw
    assert desk.news_for_agent("sam") == ""


def test_a_card_read_after_the_case_moved_on_says_where_it_is_now(desk: Desk) -> None:
    desk.add("boss", role=Role.SUPERVISOR)
    dana = desk.add("dana", skills=("network",))
    desk.user(OUTAGE)  # P1: the supervisors get its card at once
    desk.news_for_agent("dana")

    desk.app.team.desk.claim(dana.id, "T-1001")
    alert = desk.news_for_agent("boss")
    assert alert.startswith("P1 case T-1001 has been queued.\nT-1001 · P1 · network · queued")
    assert alert.endswith("\nUpdate: T-1001 is now assigned, held by dana.")


def test_a_card_read_after_the_user_cancelled_says_so(desk: Desk) -> None:
    desk.add("boss", role=Role.SUPERVISOR)
    desk.user(OUTAGE)
    desk.user("/cancel")
    assert desk.news_for_agent("boss").endswith("\nUpdate: T-1001 is now cancelled.")


def test_a_card_still_true_when_read_is_left_as_it_was(desk: Desk) -> None:
    desk.add("boss", role=Role.SUPERVISOR)
    desk.user(OUTAGE)
    assert "Update:" not in desk.news_for_agent("boss")
