"""The soak's ledger: what it counts as once, lost, in doubt, duplicated and misdelivered."""

from __future__ import annotations

from tests.soak.ledger import Ledger, Row
from tests.telegram_standin import SentMessage

ALICE, BOB, HW = 101, 102, 900


def said(chat: int, text: str) -> SentMessage:
    return SentMessage(chat, 0, "text", text, text, None, None, None)


def totals(rows: list[Row]) -> dict[str, int]:
    columns = ("once", "lost", "in_doubt", "duplicated", "misdelivered")
    return {name: sum(getattr(row, name) for row in rows) for name in columns}


def ledger() -> Ledger:
    book = Ledger(homeworkers={HW})
    book.case_user["T-1001"] = ALICE
    book.expect_token("tkh000001", "homeworker reply", ALICE)
    book.expect_token("tkh000002", "homeworker reply", ALICE)
    book.expect("rating prompt", ALICE, "T-1001")
    return book


def test_what_arrived_once_twice_or_never_is_counted_so() -> None:
    arrived = [
        said(ALICE, "hw1 (T-1001): try tkh000001"),
        said(ALICE, "hw1 (T-1001): try tkh000001"),
        said(BOB, "Your request T-1001 has been resolved: please rate"),
    ]
    rows, problems = ledger().count(arrived)
    assert totals(rows) == {
        "once": 1,
        "lost": 2,  # tkh000002, and the rating prompt Alice never got
        "in_doubt": 0,
        "duplicated": 1,
        "misdelivered": 1,  # Alice's case named in Bob's chat
    }
    assert any("arrived 2 times" in problem for problem in problems)


def test_a_missing_message_the_bot_recorded_in_doubt_is_counted_apart_from_lost() -> None:
    arrived = [said(ALICE, "hw1 (T-1001): try tkh000001")]
    in_doubt = [
        said(ALICE, "hw1 (T-1001): try tkh000002"),
        said(ALICE, "Your request T-1001 has been resolved: please rate"),
    ]
    rows, _ = ledger().count(arrived, in_doubt)
    assert totals(rows) == {
        "once": 1,
        "lost": 0,
        "in_doubt": 2,
        "duplicated": 0,
        "misdelivered": 0,
    }


def test_one_in_doubt_that_did_arrive_excuses_nothing_else() -> None:
    arrived = [
        said(ALICE, "hw1 (T-1001): try tkh000001"),
        said(ALICE, "hw1 (T-1001): try tkh000002"),
    ]
    in_doubt = [said(ALICE, "hw1 (T-1001): try tkh000002")]  # it did arrive: once
    rows, _ = ledger().count(arrived, in_doubt)
    assert totals(rows)["once"] == 2 and totals(rows)["in_doubt"] == 0
    assert totals(rows)["lost"] == 1  # the rating prompt: nothing recorded it in doubt
