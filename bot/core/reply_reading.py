"""Reading a reply in context: what a message means for what the conversation expects.

A reply is read in three steps: the fast path (commands, the buttons' values, plain digits
and stars, and a few exact short replies), else a model behind the ReplyReader port; then
:func:`in_context` settles what the reading means for what the conversation expects ("5" is
a rating only after a rating prompt; "still broken" is a "no" to an article, and reopens a
resolved case).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.core.intents import Intent, normalize, read_intent
from bot.core.ratings import is_valid_rating, rating_value, reopen_details
from bot.core.texts import NOT_FIXED, TALK_TO_PERSON

# What the reply model learns to tell apart (the commands are only ever typed).
LEARNED_INTENTS = (
    Intent.YES,
    Intent.NO,
    Intent.HUMAN,
    Intent.RATING,
    Intent.REOPEN,
    Intent.CANCEL,
    Intent.STATUS,
    Intent.GREETING,
    Intent.THANKS,
    Intent.SMALL_TALK,
    Intent.OUT_OF_SCOPE,
    Intent.QUESTION,
)


class Expecting(StrEnum):
    """What the conversation waits for, which decides what a short reply means."""

    NOTHING = "nothing"
    ANSWER = "answer"  # whether the article shown solved it
    DETAIL = "detail"  # more about a question no article fitted
    CASE = "case"  # the case is with second line: messages go to the team
    RATING = "rating"  # 1 to 5 for a resolved case, or "not fixed"


@dataclass(frozen=True)
class ReplyReading:
    """What a message is: its intent and how sure the reading is; for a rating, the value
    given (None when it is no rating 1-5); for a reopen, what the user added."""

    intent: Intent
    confidence: float = 1.0
    rating: int | None = None
    details: str = ""


_TALK_TO_PERSON = TALK_TO_PERSON.value
_BUTTONS = {NOT_FIXED: Intent.REOPEN}  # the buttons' values the phrase lists do not hold
_PLAIN_MARK = re.compile(r"^(?:\d{1,3}|[⭐★🌟\ufe0f\s]+)$")
_SHORT_RATING_WORDS = 6
# A mark in a short message read as one of these is still a mark: "thanks, 5", "5 👍".
_MAY_HOLD_A_MARK = frozenset({Intent.YES, Intent.THANKS, Intent.SMALL_TALK, Intent.GREETING})
# Below this, a reading the model calls a question is only a guess, not "plainly" one.
PLAIN_QUESTION = 0.6
# Turning an IT question away costs more than asking about a pizza order: a message is
# out of scope only when the reading is at least this sure ...
LIKELY_OFF_TOPIC = 0.7
# ... and after "tell me more", where a detail ("it gets louder when the hub is plugged
# in", "for the architecture diagrams") may read like anything, it is taken for one of these
# only when the reading is at least this sure.
SURE_OFF_TOPIC = 0.9
_NOT_A_DETAIL = frozenset(
    {Intent.OUT_OF_SCOPE, Intent.SMALL_TALK, Intent.THANKS, Intent.GREETING, Intent.YES}
)


def quick_reading(text: str, expecting: Expecting = Expecting.NOTHING) -> ReplyReading | None:
    """The fast path: commands, buttons, plain digits and stars, exact short replies; None
    when the message needs the model."""
    if text.strip() and _PLAIN_MARK.match(text.strip()):
        return in_context(ReplyReading(Intent.RATING), text, expecting)
    intent = _BUTTONS.get(normalize(text)) or read_intent(text)
    if intent is Intent.HUMAN and normalize(text) != _TALK_TO_PERSON:
        return None  # "... sent it to the wrong person" is no request for one: the model reads it
    if intent is not Intent.QUESTION:
        return in_context(ReplyReading(intent), text, expecting)
    return None


def in_context(reading: ReplyReading, text: str, expecting: Expecting) -> ReplyReading:
    """What a reading means for what the conversation expects."""
    intent = reading.intent
    if expecting is Expecting.RATING:
        return _as_rating_answer(reading, text)
    if expecting is Expecting.CASE and intent in (Intent.NO, Intent.REOPEN):
        return ReplyReading(Intent.QUESTION, reading.confidence)  # words for the team
    if intent is Intent.REOPEN:
        if expecting is Expecting.ANSWER:
            return ReplyReading(Intent.NO, reading.confidence)
        if reopen_details(text):
            return ReplyReading(Intent.QUESTION, reading.confidence)
        return ReplyReading(Intent.NO, reading.confidence)
    if intent is Intent.RATING:
        return ReplyReading(Intent.RATING, reading.confidence, rating_value(text))
    if intent is Intent.NO and expecting is not Expecting.ANSWER and len(text.split()) > 1:
        return ReplyReading(Intent.QUESTION, reading.confidence)  # "it doesn't work": a problem
    if expecting is Expecting.DETAIL and intent in _NOT_A_DETAIL:
        if reading.confidence < SURE_OFF_TOPIC:
            return ReplyReading(Intent.QUESTION, reading.confidence)
    elif intent is Intent.OUT_OF_SCOPE and reading.confidence < LIKELY_OFF_TOPIC:
        return ReplyReading(Intent.QUESTION, reading.confidence)
    return reading


def _as_rating_answer(reading: ReplyReading, text: str) -> ReplyReading:
    """After a rating prompt: a mark, "not fixed" (with what follows), or something else."""
    intent, confidence = reading.intent, reading.confidence
    if intent in (Intent.NO, Intent.REOPEN):
        return ReplyReading(Intent.REOPEN, confidence, details=reopen_details(text))
    value = rating_value(text)
    short = len(text.split()) <= _SHORT_RATING_WORDS
    unsure = intent is Intent.QUESTION and confidence < PLAIN_QUESTION
    holds_a_mark = value is not None and short and (intent in _MAY_HOLD_A_MARK or unsure)
    if intent is Intent.RATING or holds_a_mark:
        return ReplyReading(Intent.RATING, confidence, value if is_valid_rating(value) else None)
    return reading


class FastPathReader:
    """Reads replies by the fast path alone, anything else as a question: the desk's reader
    when no reply model is wired (the ReplyReader port)."""

    def read(self, text: str, expecting: Expecting = Expecting.NOTHING) -> ReplyReading:
        """The fast path's reading, else a question read with no confidence."""
        quick = quick_reading(text, expecting)
        if quick is not None:
            return quick
        return in_context(ReplyReading(Intent.QUESTION, 0.0), text, expecting)
