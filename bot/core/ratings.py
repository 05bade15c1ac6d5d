"""The value in a rating as people write it, and the details after a "not fixed"."""

from __future__ import annotations

import re
import unicodedata

MAX_RATING = 5
_STARS = frozenset("⭐★🌟")
_NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "eins": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "uno": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
}
_WORD_NUMBER = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b")
_FULL_MARKS = re.compile(r"\bfull marks\b")
_ON_A_SCALE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:/|out of|of|von|sur)\s*(\d+)")
_NUMBER = re.compile(r"(?<![\w.,-])(\d+(?:[.,]5)?)(?![\w/])")
# "not fixed", "still broken", "no"... before a separator: what follows is the details.
_STOPS = r",.:;!?\-\u2013\u2014"  # punctuation, hyphen, en and em dashes
_LEAD = re.compile(rf"^(?P<lead>[^{_STOPS}]{{1,40}}?)\s*[{_STOPS}]+\s*(?P<rest>.+)$", re.DOTALL)
_LEAD_WORDS = 5
_DETAIL_WORDS = 5


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _stars(text: str) -> int:
    return sum(1 for char in text if char in _STARS)


def _to_five(value: float, scale: int) -> int:
    """A mark on another scale (10, 100) as the nearest mark out of five, halves rounded up."""
    if scale in (0, MAX_RATING):
        return int(value + 0.5)
    return int(value * MAX_RATING / scale + 0.5)


def rating_value(text: str) -> int | None:
    """The mark a message gives, out of five where it says its scale ("8/10" is 4), or None.

    Reads 4, four, 4/5, 4 out of 5, 4 stars, ⭐⭐⭐⭐ and "full marks"; the value may be outside
    1-5 (a "6" is read as 6, for the caller to ask again)."""
    stars = _stars(text)
    if stars:
        return stars
    folded = _WORD_NUMBER.sub(lambda m: str(_NUMBER_WORDS[m.group(1)]), _folded(text))
    if _FULL_MARKS.search(folded):
        return MAX_RATING
    scaled = _ON_A_SCALE.search(folded)
    if scaled:
        return _to_five(float(scaled.group(1).replace(",", ".")), int(scaled.group(2)))
    number = _NUMBER.search(folded)
    if number:
        return int(float(number.group(1).replace(",", ".")) + 0.5)
    return None


def is_valid_rating(value: int | None) -> bool:
    """Whether a value read is a rating the desk can store."""
    return value is not None and 1 <= value <= MAX_RATING


def reopen_details(text: str) -> str:
    """What a "not fixed" message says beyond that: "not fixed, the S drive is still
    encrypted" gives "the S drive is still encrypted"; a bare "still broken" gives ""."""
    stripped = text.strip()
    lead = _LEAD.match(stripped)
    if lead and len(lead.group("lead").split()) <= _LEAD_WORDS:
        return lead.group("rest").strip()
    return stripped if len(stripped.split()) >= _DETAIL_WORDS else ""
