"""How users say things: shorthand spelt out, and IT synonyms mapped to one shared term.

Applied the same way to articles and to messages, so "my display is black" and an article
about a "monitor" share a word. Each group is generic IT vocabulary, not tuned to any test.
"""

from __future__ import annotations

import re
import unicodedata

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

SHORTHAND = {
    "pw": "password",
    "pwd": "password",
    "passwd": "password",
    "pword": "password",
    "2fa": "mfa",
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "cant": "can't",
    "wont": "won't",
    "doesnt": "doesn't",
    "isnt": "isn't",
    "didnt": "didn't",
    "aint": "isn't",
    "wifi": "wi-fi",
    "oof": "out of office",
    "ooo": "out of office",
    "pc": "computer",
    "w/": "with",
    "msg": "message",
    "msgs": "messages",
    "pic": "picture",
    "vid": "video",
    "acct": "account",
    "info": "information",
}

# Each group's words all gain the group's first word as an extra term.
SYNONYM_GROUPS = (
    ("monitor", "screen", "display", "monitors", "screens", "displays"),
    ("computer", "laptop", "notebook", "desktop", "machine", "device"),
    ("slow", "laggy", "lagging", "sluggish", "crawling", "freezing", "hangs", "lag"),
    ("microphone", "mic", "mics"),
    ("camera", "webcam", "cam", "video"),
    ("sound", "audio", "speaker", "speakers", "headset", "headphones"),
    ("print", "printing", "printer", "printers", "printout", "printouts", "prints", "printed"),
    ("scan", "scanning", "scanner", "scanned"),
    ("signin", "login", "log-in", "logon", "sign-in", "signin", "credentials"),
    ("password", "passcode", "passphrase"),
    ("mailbox", "inbox"),
    ("email", "e-mail", "mail", "emails", "e-mails"),
    ("wi-fi", "wireless", "wlan"),
    ("internet", "connection", "online", "broadband"),
    ("mfa", "authenticator", "verification", "two-factor", "multi-factor"),
    ("locked", "lockout", "locked-out", "blocked"),
    ("install", "installing", "installation", "download"),
    ("crash", "crashes", "crashing", "crashed", "closes", "quits"),
    ("delete", "deleted", "removed", "lost"),
    ("share", "sharing", "shared"),
    ("phishing", "scam", "fake", "suspicious", "dodgy"),
    ("dock", "docking", "usb-c", "hub"),
    ("keyboard", "keys", "typing"),
    ("mouse", "trackpad", "touchpad", "cursor"),
    ("battery", "charging", "charger", "charge"),
    ("meeting", "call", "calls", "meetings"),
)
_SYNONYMS = {word: group[0] for group in SYNONYM_GROUPS for word in group[1:]}
_GROUPED = {word for group in SYNONYM_GROUPS for word in group}
# Words scikit-learn's English list drops that mean something at a service desk.
_MEANINGFUL = {
    "back",
    "bottom",
    "down",
    "empty",
    "find",
    "fire",
    "found",
    "front",
    "full",
    "keep",
    "move",
    "name",
    "not",
    "nothing",
    "off",
    "on",
    "out",
    "show",
    "system",
    "top",
    "up",
}
# Chat filler: greetings, thanks and hedges that say nothing about the problem.
_FILLER = {
    "hi",
    "hello",
    "hey",
    "thanks",
    "thank",
    "cheers",
    "ok",
    "okay",
    "just",
    "really",
    "got",
    "gets",
    "getting",
    "im",
    "ive",
    "i've",
    "i'd",
    "i'll",
    "dont",
    "whats",
    "what's",
    "there's",
    "let's",
    "anybody",
    "somebody",
    "guys",
    "lol",
    "um",
    "uh",
    "btw",
}
# English stop words, less any word a synonym group gives meaning to, plus spelt-out shorthand
# and chat filler.
STOP_WORDS = frozenset(
    (ENGLISH_STOP_WORDS - _GROUPED - _MEANINGFUL)
    | {"can't", "won't", "doesn't", "isn't", "didn't", "don't", "i'm", "it's", "you"}
    | _FILLER
)
_WORD = re.compile(r"[\w'/-]+")
_DOUBLED = re.compile(r"([b-df-hj-km-np-rtv-y])\1$")  # a doubled consonant, not l, s or z
_VOWEL = re.compile(r"[aeiouy]")


def fold(text: str) -> str:
    """Case-folded text without accents ("pässwörd": "password"), apostrophes straightened."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("\u2019", "'"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    """The words of already folded text, in order."""
    return _WORD.findall(text)


def prepare(text: str) -> str:
    """Case-folded words, shorthand spelt out and each synonym followed by its shared term."""
    spelt: list[str] = []
    for raw in words(fold(text)):
        word = SHORTHAND.get(raw, raw)
        spelt.append(word)
        shared = _SYNONYMS.get(word)
        if shared is not None:
            spelt.append(shared)
    return " ".join(spelt)


def stem(word: str) -> str:
    """A light suffix stripper: "printing", "prints" and "printed" all become "print"."""
    if not word.isalpha() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and not word.endswith("eed") and len(base) >= 3:
            if _VOWEL.search(base):
                word = base[:-1] if _DOUBLED.search(base) else base
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word
