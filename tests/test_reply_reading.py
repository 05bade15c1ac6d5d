"""How the desk reads replies: the reply model on phrasings it never saw, and the fast path.

tests/fixtures/replies_unseen.csv holds phrasings written apart from the training examples
(typos, casing, emoji, a little German and French, long variants), each with what the
conversation expected when it came and what it must be read as (and, for a rating, its
value; "none" where a mark outside 1-5 must be asked again).
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.intents import Intent
from bot.core.reply_reading import Expecting, FastPathReader, ReplyReading
from classifier.errors import DatasetError
from classifier.replies import (
    DEFAULT_REPLY_DATA,
    ModelReplyReader,
    default_reply_reader,
    read_reply_examples,
    train_reply_model,
)

UNSEEN = Path(__file__).parent / "fixtures" / "replies_unseen.csv"
REQUIRED_SHARE = 0.97
MIN_EXAMPLES_PER_INTENT = 40


@dataclass(frozen=True)
class Case:
    expecting: Expecting
    text: str
    intent: Intent
    rating: int | None

    def right(self, reading: ReplyReading) -> bool:
        if reading.intent is not self.intent:
            return False
        return self.intent is not Intent.RATING or reading.rating == self.rating


def _cases() -> list[Case]:
    with UNSEEN.open(encoding="utf-8", newline="") as file:
        return [
            Case(
                Expecting(row["expecting"]),
                row["text"],
                Intent(row["intent"]),
                None if row["rating"] in ("", "none") else int(row["rating"]),
            )
            for row in csv.DictReader(file)
        ]


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


def test_the_unseen_phrasings_are_not_in_the_training_data() -> None:
    cases = _cases()
    trained = {_folded(text) for text in read_reply_examples().texts}
    assert len(cases) >= 300
    assert [case.text for case in cases if _folded(case.text) in trained] == []


def test_at_least_97_percent_of_unseen_phrasings_are_read_right() -> None:
    reader = default_reply_reader()
    cases = _cases()
    misses = [
        (case, reading)
        for case in cases
        if not case.right(reading := reader.read(case.text, case.expecting))
    ]
    for case, reading in misses:
        expected = f"{case.intent}" + (f" {case.rating}" if case.intent is Intent.RATING else "")
        got = f"{reading.intent} {reading.rating or ''} ({reading.confidence:.2f})"
        print(f"MISS [{case.expecting}] {case.text!r}: expected {expected}, read {got}")
    share = 1 - len(misses) / len(cases)
    print(f"{len(cases) - len(misses)} of {len(cases)} read right ({share:.1%})")
    assert share >= REQUIRED_SHARE, f"{len(misses)} misses, listed above"


def test_every_intent_has_at_least_40_varied_training_examples() -> None:
    examples = read_reply_examples()
    counts = {intent: examples.intents.count(intent) for intent in set(examples.intents)}
    assert min(counts.values()) >= MIN_EXAMPLES_PER_INTENT, counts
    assert len(counts) == 12


def test_the_model_trains_in_under_a_second() -> None:
    examples = read_reply_examples()
    started = time.process_time()  # this process's CPU: other work on the machine adds none
    train_reply_model(examples)
    assert time.process_time() - started < 1.0


@pytest.mark.parametrize(
    ("text", "expecting", "intent", "rating"),
    [
        ("5", Expecting.RATING, Intent.RATING, 5),
        ("6", Expecting.RATING, Intent.RATING, None),
        ("⭐⭐⭐", Expecting.RATING, Intent.RATING, 3),
        ("5", Expecting.NOTHING, Intent.RATING, 5),  # the dialogue says nothing is to be rated
        ("no", Expecting.RATING, Intent.REOPEN, None),
        ("no", Expecting.ANSWER, Intent.NO, None),
        ("/status", Expecting.RATING, Intent.STATUS, None),
        ("/cancel", Expecting.ANSWER, Intent.CANCEL, None),
        ("talk to a person", Expecting.ANSWER, Intent.HUMAN, None),
        ("", Expecting.NOTHING, Intent.EMPTY, None),
    ],
)
def test_commands_buttons_digits_and_stars_take_the_fast_path(
    text: str, expecting: Expecting, intent: Intent, rating: int | None
) -> None:
    reading = FastPathReader().read(text, expecting)
    assert (reading.intent, reading.rating) == (intent, rating)


def test_not_fixed_keeps_what_follows_as_the_details() -> None:
    reading = default_reply_reader().read(
        "not fixed, the files on the S drive are still encrypted", Expecting.RATING
    )
    assert reading.intent is Intent.REOPEN
    assert reading.details == "the files on the S drive are still encrypted"
    assert default_reply_reader().read("still broken", Expecting.RATING).details == ""


def test_still_broken_is_a_no_to_an_article_and_a_reopen_after_resolution() -> None:
    reader = default_reply_reader()
    assert reader.read("still broken, same error", Expecting.ANSWER).intent is Intent.NO
    assert reader.read("still broken, same error", Expecting.RATING).intent is Intent.REOPEN


def test_a_detail_after_tell_me_more_is_not_taken_for_off_topic() -> None:
    reader = default_reply_reader()
    detail = "it gets louder when the usb hub is plugged in"
    assert reader.read(detail, Expecting.DETAIL).intent is Intent.QUESTION
    assert reader.read("order pizza", Expecting.DETAIL).intent is Intent.OUT_OF_SCOPE


def test_without_usable_examples_replies_are_read_by_the_fast_path(tmp_path: Path) -> None:
    broken = tmp_path / "replies.csv"
    broken.write_text("text,intent\nhello,greeting\nhi,wave\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="intents the desk does not know: wave"):
        read_reply_examples(broken)
    reader = ModelReplyReader(broken)
    assert reader.read("yes", Expecting.ANSWER).intent is Intent.YES
    assert reader.read("what's the weather in London").intent is Intent.QUESTION
    assert DEFAULT_REPLY_DATA.exists()
