"""The intents of what a user writes, and the exact short replies read without a model."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Intent(StrEnum):
    """What a message is, apart from an IT question."""

    EMPTY = "empty"
    START = "start"
    HELP = "help"
    CANCEL = "cancel"
    STATUS = "status"
    YES = "yes"
    NO = "no"
    HUMAN = "human"
    GREETING = "greeting"
    THANKS = "thanks"
    RATING = "rating"
    REOPEN = "reopen"
    SMALL_TALK = "small_talk"
    OUT_OF_SCOPE = "out_of_scope"
    QUESTION = "question"


_COMMANDS = {
    "/start": Intent.START,
    "/help": Intent.HELP,
    "/cancel": Intent.CANCEL,
    "/status": Intent.STATUS,
}
_YES = {
    "y",
    "yes",
    "yep",
    "yeah",
    "yup",
    "ya",
    "yea",
    "ok",
    "okay",
    "solved",
    "fixed",
    "sorted",
    "it worked",
    "that worked",
    "worked",
    "works",
    "it works",
    "that fixed it",
    "all good",
    "perfect",
    "great",
    "brilliant",
    "yes solved",
    "yes thanks",
    "yes thank you",
    "yes it did",
    "yes that worked",
    "yes that solved it",
    "that solved it",
    "problem solved",
    "done",
    "👍",
    "✅",
}
_NO = {
    "n",
    "no",
    "nope",
    "nah",
    "not solved",
    "no luck",
    "didnt work",
    "didn't work",
    "did not work",
    "doesnt work",
    "doesn't work",
    "does not work",
    "still broken",
    "still not working",
    "not working",
    "no it didnt",
    "no it didn't",
    "no that didnt work",
    "no that didn't work",
    "no still broken",
    "still the same",
    "not really",
    "no not solved",
    "that didnt help",
    "that didn't help",
    "didnt help",
    "didn't help",
    "👎",
    "❌",
}
_GREETINGS = {
    "hi",
    "hello",
    "hey",
    "hiya",
    "yo",
    "howdy",
    "good morning",
    "good afternoon",
    "good evening",
    "morning",
    "hi there",
    "hello there",
    "hey there",
    "greetings",
    "hallo",
    "bonjour",
    "hola",
    "ciao",
}
_THANKS = {
    "thanks",
    "thank you",
    "thx",
    "ty",
    "cheers",
    "thanks a lot",
    "thank you so much",
    "many thanks",
    "thanks so much",
    "much appreciated",
    "great thanks",
    "ok thanks",
    "ok thank you",
    "merci",
    "danke",
    "gracias",
}
_HUMAN = re.compile(
    r"\b(talk|speak|chat)\s+(to|with)\s+(a|an|some|the)?\s*"
    r"(person|human|agent|someone|somebody|technician|engineer|operator|real person)\b"
    r"|\b(real|actual)\s+(person|human)\b"
    r"|\b(human|person|agent|operator|second line|2nd line|technician)\s*(please|pls|plz)?$"
    r"|\bescalate\b|\bcall me\b",
)
_NON_WORD = re.compile(r"[^\w\s'/👍👎✅❌]+")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Unicode-normalised, case-folded text with punctuation and extra spaces removed."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    return _SPACES.sub(" ", _NON_WORD.sub(" ", folded)).strip()


def read_intent(text: str) -> Intent:
    """Classify the conversational intent of a message."""
    stripped = text.strip()
    if not stripped:
        return Intent.EMPTY
    command = stripped.split()[0].split("@")[0].casefold()
    if command in _COMMANDS:
        return _COMMANDS[command]
    phrase = normalize(stripped)
    if not phrase:
        return Intent.EMPTY
    for phrases, intent in (
        (_YES, Intent.YES),
        (_NO, Intent.NO),
        (_GREETINGS, Intent.GREETING),
        (_THANKS, Intent.THANKS),
    ):
        if phrase in phrases or phrase.rstrip("s") in phrases:
            return intent
    if _HUMAN.search(phrase) and len(phrase.split()) <= 12:
        return Intent.HUMAN
    return Intent.QUESTION
