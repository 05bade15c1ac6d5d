"""Nothing a user writes to a case is swallowed (issue 13, point 6)."""

from __future__ import annotations

import pytest

from bot.core import texts
from bot.core.desk import MAX_MESSAGE_CHARS
from tests.desk_fixtures import OUTAGE, Desk

pytestmark = pytest.mark.memory


def held_by_dana(desk: Desk) -> None:
    desk.add("dana")
    assert "Your reference is T-1001" in desk.user(OUTAGE)
    desk.app.team.desk.claim(desk.agent("dana").id, "T-1001")
    desk.news_for()
    desk.news_for_agent("dana")


@pytest.mark.parametrize("storage", ["memory", "sqlite"])
def test_punctuation_or_emoji_reach_the_person_holding_the_case(desk: Desk) -> None:
    held_by_dana(desk)
    assert "I've passed your message on" in desk.user("???")
    assert "I've passed your message on" in desk.user("🔥🔥🔥")
    told = desk.news_for_agent("dana")
    assert "Alice: ???" in told and "Alice: 🔥🔥🔥" in told


@pytest.mark.parametrize("storage", ["memory"])
def test_punctuation_alone_to_first_line_asks_for_words(desk: Desk) -> None:
    assert desk.user("???") == texts.EMPTY


@pytest.mark.parametrize("storage", ["memory"])
def test_a_long_message_on_a_case_is_cut_and_the_user_is_told(desk: Desk) -> None:
    held_by_dana(desk)
    answer = desk.user("the log says: " + "x" * (MAX_MESSAGE_CHARS + 500))
    assert texts.TRUNCATED.format(limit=MAX_MESSAGE_CHARS) in answer
    assert "I've passed your message on" in answer
    assert "the log says: xxx" in desk.news_for_agent("dana")
