"""Cases first line must never try to handle, whatever the model says.

Each rule is a readable pattern over the lower-cased message. A match always escalates,
as a security incident with priority P1, and names the rule on the handoff card.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """A must-escalate pattern and why it matters."""

    name: str
    pattern: re.Pattern[str]
    reason: str
    advice: str
    category: str = "security"
    priority: str = "P1"


def _words(*alternatives: str) -> str:
    return r"(?:" + "|".join(alternatives) + r")"


_DEVICE = _words(
    "laptop",
    "phone",
    "mobile",
    "iphone",
    "android",
    "tablet",
    "ipad",
    "device",
    "macbook",
    "computer",
    "work phone",
    "notebook",
    "surface",
)
_SECRET = _words(
    "password",
    "passcode",
    "credentials",
    "login details",
    "log-in details",
    "login",
    "username and password",
    "details",
    "pin",
    "mfa code",
    "one-time code",
    "6 digit code",
    "six digit code",
    "code",
)

RULES: tuple[Rule, ...] = (
    Rule(
        "ransomware",
        re.compile(
            r"ransom|files?\s+(?:are|have been|got|were)\s+encrypted"
            r"|encrypted\s+(?:all\s+)?my\s+files"
            r"|pay\s+(?:\w+\s+){0,3}(?:bitcoin|btc|crypto)|decrypt(?:ion)?\s+key|\.locked\b"
            r"|readme.{0,40}(?:pay|bitcoin|decrypt)"
        ),
        "the message describes a ransomware note or files encrypted by an attacker",
        "While you wait: unplug the network cable and turn off Wi-Fi on that computer, but "
        "don't switch it off, and don't pay or reply to the note.",
    ),
    Rule(
        "credentials_phished",
        re.compile(
            r"(?:clicked|opened|followed|tapped).{0,80}(?:typed|entered|put|gave|filled|submitted"
            r"|logged in|signed in).{0,40}"
            + _SECRET
            + r"|(?:typed|entered|put|gave|submitted)\s+(?:in\s+)?my\s+"
            + _SECRET
            + r".{0,60}(?:fake|phishing|dodgy|suspicious|scam|wrong site|not real)"
            r"|(?:gave|told|read out)\s+(?:him|her|them|the caller|someone).{0,30}" + _SECRET
        ),
        "the user may have given their credentials to an attacker",
        "While you wait: if you can, change your password now at https://password.example.com "
        "from another device, and don't approve any sign-in request you didn't start.",
    ),
    Rule(
        "lost_or_stolen_device",
        re.compile(
            r"\b(?:lost|stolen|stole|nicked|missing|left)\b.{0,40}\b" + _DEVICE + r"\b"
            r"|\b" + _DEVICE + r"\b.{0,40}\b(?:was|were|got|has been|have been|is)\s+"
            r"(?:stolen|lost|nicked|taken|missing)\b"
        ),
        "a company device may be lost or stolen",
        "While you wait: note when and where you last had it; if it was stolen, report it to "
        "the police too and keep the crime reference.",
    ),
)


def normalise(text: str) -> str:
    """Lower-cased, Unicode-normalised text with curly quotes made straight."""
    return unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")


def matching_rule(text: str) -> Rule | None:
    """The first must-escalate rule the message matches, if any."""
    folded = normalise(text)
    return next((rule for rule in RULES if rule.pattern.search(folded)), None)
