"""What the simulated month is made of: questions, people, the team and their words."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from bot.core.tickets import Role
from classifier import DEFAULT_TRAINING_DATA
from knowledge_base import EVAL_QUESTIONS
from knowledge_base.evaluation import read_questions


@dataclass(frozen=True)
class Enquiry:
    """Something a user asks, with the article that answers it and its true category if known."""

    text: str
    article_id: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class Member:
    """A second-line person of the demo team and when they work."""

    name: str
    display_name: str
    skills: tuple[str, ...]
    timezone: str
    start: time
    end: time
    weekdays: frozenset[int] = frozenset(range(5))
    role: Role = Role.HOMEWORKER
    capacity: int = 3


TEAM = (
    Member("amara", "Amara from IT", ("account", "security"), "Europe/London", time(7), time(15)),
    Member("bruno", "Bruno", ("network", "hardware"), "Europe/Lisbon", time(8), time(16, 30)),
    Member(
        "chen",
        "Chen from IT",
        ("email", "collaboration", "software"),
        "Europe/Berlin",
        time(9),
        time(17, 30),
    ),
    Member(
        "dana",
        "",
        ("printing", "hardware", "software"),
        "Europe/London",
        time(11),
        time(19),
        weekdays=frozenset({0, 1, 2, 3, 5}),
    ),
    Member("eli", "Eli", (), "America/New_York", time(8), time(16), capacity=4),
    Member(
        "sam",
        "Sam (supervisor)",
        (),
        "Europe/London",
        time(8),
        time(17),
        role=Role.SUPERVISOR,
        capacity=2,
    ),
)

FIRST_NAMES = (
    "Aisha", "Ben", "Carla", "Dev", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kemi",
    "Liam", "Maya", "Noor", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Victor",
    "Wen", "Xavi", "Yara", "Zoe",
)  # fmt: skip
SURNAME_INITIALS = "ABCDEFGHJKLMNPRSTW"

USER_ANSWERS = (
    "I tried that and it's still the same",
    "ok done, I restarted it like you said",
    "it shows error 0x80070005 when I try again",
    "yes I'm at my desk now, go ahead",
    "it happens on the office wifi but not at home",
    "the laptop is a ThinkPad, it's about two years old",
    "I did that, now it asks me to sign in again",
    "thanks, that got a bit further but not all the way",
)
MORE_DETAIL = (
    "it says access denied when I open it",
    "it started this morning after the update",
    "I'm working from home today on my laptop",
    "nothing happens when I click it, no error at all",
)
FIXES = {
    "account": "Unlocked the account and reset MFA; user signed in again.",
    "email": "Rebuilt the Outlook profile and cleared the cached credentials.",
    "network": "Reset the VPN profile and renewed the certificate on the laptop.",
    "hardware": "Updated the dock firmware and swapped the faulty cable.",
    "printing": "Re-added the FollowMe queue and cleared the stuck jobs.",
    "software": "Reinstalled the application from Company Portal and repaired the install.",
    "security": "Reported the message to the security team and blocked the sender.",
    "collaboration": "Reset Teams cache and fixed the device permissions.",
}


def _category_of_article(articles_dir: Path, article_id: str) -> str | None:
    for path in articles_dir.glob(f"*/{article_id}.md"):
        return path.parent.name
    return None


def enquiries(
    articles_dir: Path, training_data: Path = DEFAULT_TRAINING_DATA
) -> tuple[list[Enquiry], list[Enquiry]]:
    """Realistic questions: the evaluation set, and the classifier's labelled enquiries."""
    asked = [
        Enquiry(
            q.text,
            q.article_id,
            _category_of_article(articles_dir, q.article_id) if q.article_id else None,
        )
        for q in read_questions(EVAL_QUESTIONS)
    ]
    with training_data.open(encoding="utf-8-sig", newline="") as handle:
        labelled = [
            Enquiry(row["text"].strip(), None, (row.get("category") or "").strip() or None)
            for row in csv.DictReader(handle)
            if (row.get("text") or "").strip()
        ]
    return asked, labelled
