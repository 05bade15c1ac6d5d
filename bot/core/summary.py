"""A short extractive summary of what the user wrote, for the second-line handoff card.

The summary is made of the user's own sentences (already masked by the caller), so it
cannot say anything the user did not: sentences are chosen, shortened and joined, never
rewritten.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.intents import Intent, read_intent

MAX_SENTENCE_CHARS = 200

_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|\s*\n\s*")
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")  # with straight or curly apostrophes
_LEADING_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|morning|dear (?:it|support))"
    r"(?:\s+(?:there|team|all|it|support))?\s*[,!.:;-]+\s*",
    re.IGNORECASE,
)
_TRAILING_THANKS = re.compile(
    r"[,;.!\s-]+(?:thanks|thank you|thx|cheers|ty)(?:\s+(?:a lot|so much|in advance))?[.!]*$",
    re.IGNORECASE,
)
# Conversational sentences that say nothing about the problem.
_DROPPED_INTENTS = frozenset(
    {
        Intent.EMPTY,
        Intent.START,
        Intent.HELP,
        Intent.CANCEL,
        Intent.YES,
        Intent.NO,
        Intent.GREETING,
        Intent.THANKS,
    }
)
_FILLER = frozenset(
    {
        "help",
        "please help",
        "help please",
        "help me",
        "can you help",
        "can you help me",
        "can someone help",
        "can someone help me",
        "any ideas",
        "any idea",
        "urgent",
        "asap",
        "anyone there",
        "are you there",
        "hello",
        "still there",
        "i have a problem",
        "i have a question",
        "i have an issue",
        "quick question",
    }
)
# An error message or a failure: what second line searches for.
_ERROR = re.compile(
    r"\b(?:error|errors|0x[0-9a-f]{4,}|exception|fail(?:s|ed|ing|ure)?|crash(?:es|ed|ing)?"
    r"|bsod|blue screen|denied|refused|timed? ?out|not found|unable|cannot|can't|won't"
    r"|doesn't|does not|isn't|broken|freezes|frozen|stuck|disconnect(?:s|ed|ing)?)\b"
    r"|[\"“][^\"”\n]{4,80}[\"”]",
    re.IGNORECASE,
)
# Who and how much it hurts, and since when.
_IMPACT = re.compile(
    r"\b(?:everyone|everybody|all (?:users|of us|staff)|whole (?:team|office|department)"
    r"|nobody|no one|can't work|cannot work|unable to work|since|urgent|deadline"
    r"|customers?|clients?|production|outage|all day|entire|every (?:time|day|morning))\b",
    re.IGNORECASE,
)
_STOPWORD_LIST = """
    a about after again all am an and any are as at be been before being but by can
    could did do does doing don't for from get got had has have having he her here him
    his how i i'd i'll i'm i've if in into is it it's its just me more most my no nor
    not now of off on once only or other our out over own please same she should so
    some still such than that the their them then there these they this those to too
    try tried under until up very was we were what when where which while who why will
    with would you your yours also anything something really get getting keeps keep
"""
_STOPWORDS = frozenset(_STOPWORD_LIST.split())


@dataclass(frozen=True)
class _Sentence:
    position: int
    text: str
    words: frozenset[str]


def _sentences(user_messages: Sequence[str]) -> list[_Sentence]:
    found: list[_Sentence] = []
    seen: set[str] = set()
    for message in user_messages:
        for piece in _SENTENCE_BREAK.split(message.strip()):
            text = _TRAILING_THANKS.sub("", _LEADING_GREETING.sub("", piece.strip())).strip()
            words = [word.casefold() for word in _WORD.findall(text)]
            key = " ".join(words)  # the same words, whatever the case and punctuation
            if not text or key in seen or _is_filler(text):
                continue
            seen.add(key)
            found.append(_Sentence(len(found), text, frozenset(words) - _STOPWORDS))
    return found


def _is_filler(sentence: str) -> bool:
    intent = read_intent(sentence)
    if intent in _DROPPED_INTENTS:
        return True
    words = _WORD.findall(sentence.casefold())
    if intent is Intent.HUMAN and len(words) <= 6:
        return True
    return " ".join(words) in _FILLER or not words


def _score(sentence: _Sentence, frequency: Counter[str], first: bool) -> float:
    if not sentence.words:
        return 0.0
    # How much the sentence shares with the rest (0 when none of its words recur) ...
    centrality = sum(frequency[word] - 1 for word in sentence.words) / len(sentence.words)
    # ... how much it says, and whether it opens, quotes an error or tells the impact.
    substance = min(len(sentence.words), 8) / 8
    bonus = 0.5 if first else 0.0
    bonus += 0.75 if _ERROR.search(sentence.text) else 0.0
    bonus += 0.5 if _IMPACT.search(sentence.text) else 0.0
    return centrality + substance + bonus


def _shorten(text: str) -> str:
    if len(text) <= MAX_SENTENCE_CHARS:
        return text
    cut = text[: MAX_SENTENCE_CHARS - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    if cut.rfind("[") > cut.rfind("]"):  # never leave half a "[... removed]" placeholder
        cut = cut[: cut.rfind("[")]
    return cut.rstrip(" ,;:-") + "…"


def summarize(user_messages: Sequence[str], max_sentences: int = 3) -> str:
    """The user's most telling sentences, in their order, at most ``max_sentences``."""
    if max_sentences < 1:
        raise ValueError("max_sentences must be at least 1")
    sentences = _sentences(user_messages)
    frequency: Counter[str] = Counter(word for s in sentences for word in s.words)
    ranked = sorted(
        sentences,
        key=lambda s: (-_score(s, frequency, first=s.position == 0), s.position),
    )
    chosen = sorted(ranked[:max_sentences], key=lambda s: s.position)
    parts = [_shorten(s.text) for s in chosen]
    return " ".join(
        part if index == len(parts) - 1 or part[-1] in ".!?…" else part + "."
        for index, part in enumerate(parts)
    )
