"""The must-escalate rules: what they must catch, and what they must leave to the model."""

from __future__ import annotations

import pytest

from classifier.rules import matching_rule


@pytest.mark.parametrize(
    ("message", "rule"),
    [
        ("YOUR FILES HAVE BEEN ENCRYPTED. pay 0.5 bitcoin for the decryption key", "ransomware"),
        ("there's a readme on my desktop saying to pay to get my files back", "ransomware"),
        ("all my documents end in .locked now and won't open", "ransomware"),
        ("I clicked a link in an email and typed my password", "credentials_phished"),
        (
            "opened the attachment, it asked me to log in so I entered my login details",
            "credentials_phished",
        ),
        ("I think I entered my password on a fake microsoft page", "credentials_phished"),
        (
            "someone rang saying they were IT and I gave them the 6 digit code",
            "credentials_phished",
        ),
        ("I left my laptop on the train", "lost_or_stolen_device"),
        ("my work phone was stolen last night", "lost_or_stolen_device"),
        ("lost my iPhone with the authenticator on it", "lost_or_stolen_device"),
        ("Mein Laptop wurde gestohlen — my laptop was stolen", "lost_or_stolen_device"),
    ],
)
def test_never_missed(message: str, rule: str) -> None:
    matched = matching_rule(message)
    assert matched is not None and matched.name == rule
    assert (matched.category, matched.priority) == ("security", "P1")
    assert matched.advice.startswith("While you wait")


@pytest.mark.parametrize(
    "message",
    [
        "how do I reset my password",
        "I got a phishing email, didn't click anything, how do I report it",
        "my laptop is slow",
        "I lost my connection to the vpn",
        "how do I encrypt an email",
        "I forgot my password, I clicked forgot password and nothing happened",
        "the files on the shared drive are missing",
        "can I get a new phone, mine is old",
    ],
)
def test_left_to_the_model(message: str) -> None:
    assert matching_rule(message) is None
