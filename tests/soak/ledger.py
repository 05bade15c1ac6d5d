"""What each message should be and where it should go, and the count of what happened.

Every message a simulated person sends carries a unique token (tku…: a user's, tkh…: a
homeworker's reply, tkr…: a resolution note, tke…: an edit nobody may see). The bot's own
messages are told apart by their wording and the case reference they name. At the end, every
message the bot sent (from the stand-in, edits applied) is classified, and for each kind:

- expected: what the simulated people's actions call for;
- once: delivered exactly once to the right chat;
- lost / duplicated: fewer / more than expected in the right chat;
- in doubt: fewer than expected, but the bot recorded the missing one "in doubt" (in flight
  at a kill -9, or timed out): it may have arrived, so it is never sent again. The Bot API
  has no idempotency key: a kill between the bot's mark and the request leaving loses it,
  where resending would double every one Telegram did get. Counted apart from lost;
- misdelivered: a token or a case reference in a chat it does not belong to (offers and
  case cards shown to homeworkers excepted: they carry the case's transcript).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from tests.telegram_standin import SentMessage

TOKEN = re.compile(r"\btk[uhre]\d{6}\b")
REFERENCE = re.compile(r"\bT-\d+\b")

# (kind, pattern) in the order tried; the first group, when there is one, is the reference.
USER_KINDS = (
    ("kb answer", re.compile(r"Did that solve it\?")),
    ("handoff notice", re.compile(r"Your reference is (T-\d+)")),
    ("picked up", re.compile(r"has picked up your request (T-\d+)")),
    ("homeworker reply", re.compile(r"^.+ \((T-\d+)\): ")),
    ("relay ack", re.compile(r"passed your message on to the person handling (T-\d+)")),
    ("priority raised", re.compile(r"^That sounds more urgent than what (T-\d+) was about")),
    ("rating prompt", re.compile(r"^Your request (T-\d+) has been resolved")),
    ("rating thanks", re.compile(r"^Thank you for rating the help")),
    ("glad", re.compile(r"^Great, glad that sorted it")),
)
AGENT_KINDS = (
    ("offer", re.compile(r"^New case waiting:\n(T-\d+)")),
    ("offer", re.compile(r"^(T-\d+) (?:claimed by|withdrawn)")),  # an offer edited
    ("claim card", re.compile(r"^(T-\d+) · P\d · .* · assigned")),
    ("reply ack", re.compile(r"^Sent to the user on (T-\d+)\.")),
    ("relay to homeworker", re.compile(r"^(T-\d+) · [^\n:]+: ")),
    ("priority raised", re.compile(r"^(T-\d+) raised from P\d to P\d: ")),
    ("resolve ack", re.compile(r"^(T-\d+) resolved\.")),
    ("switch ack", re.compile(r"^Now working on (T-\d+)")),
    ("shift ack", re.compile(r"^You are on shift")),
    ("edit refused", re.compile(r"^I can't pass on changes")),
)
CARD_KINDS = {"offer", "claim card"}  # these show the transcript: tokens may appear in them
# A user's message that makes the case more urgent is told to the holder twice, by design:
# "raised from P4 to P3 ... The user wrote: ..." beside the relay itself.
ALSO_QUOTES = {"priority raised"}
ORDER = (
    "kb answer",
    "glad",
    "handoff notice",
    "offer",
    "claim card",
    "picked up",
    "homeworker reply",
    "reply ack",
    "relay to homeworker",
    "relay ack",
    "edit refused",
    "switch ack",
    "resolve ack",
    "rating prompt",
    "rating thanks",
    "shift ack",
    "priority raised",
    "offer withdrawn",
)


def classify(message: SentMessage, to_homeworker: bool) -> tuple[str, str | None]:
    """The kind of a bot message and the case reference it names (None if it names none)."""
    text = message.text or ""
    for kind, pattern in AGENT_KINDS if to_homeworker else USER_KINDS:
        found = pattern.search(text)
        if found:
            if kind == "offer" and not text.startswith("New case") and not message.edit_count:
                kind = "offer withdrawn"  # said in a message of its own, not in the offer
            return kind, found.group(1) if pattern.groups else None
    return "other", None


@dataclass
class Row:
    """One line of the table."""

    kind: str
    expected: int = 0
    once: int = 0
    lost: int = 0
    in_doubt: int = 0  # lost, but recorded by the bot as maybe arrived (never resent)
    duplicated: int = 0
    misdelivered: int = 0
    extra: int = 0  # arrived with nothing that asked for it (counted apart, not a failure)


@dataclass
class Ledger:
    """Expectations recorded while people act; counted against what arrived at the end."""

    homeworkers: set[int] = field(default_factory=set)
    case_user: dict[str, int] = field(default_factory=dict)  # reference -> user chat
    case_holder: dict[str, int] = field(default_factory=dict)  # reference -> homeworker chat
    token_to: dict[str, tuple[str, int]] = field(default_factory=dict)  # token -> kind, chat
    unseen_tokens: set[str] = field(default_factory=set)  # tokens that must reach nobody
    expected: Counter[tuple[str, int, str]] = field(default_factory=Counter)
    offered_cases: set[str] = field(default_factory=set)
    sent_by_people: int = 0
    claimed_unoffered: int = 0  # cases claimed with /claim before an offer arrived
    unclassified: list[tuple[int, str]] = field(default_factory=list)

    def expect(self, kind: str, chat: int, key: str = "-", times: int = 1) -> None:
        """One more message of kind to chat, told apart by key (a reference, or '-')."""
        self.expected[(kind, chat, key)] += times

    def expect_token(self, token: str, kind: str, chat: int) -> None:
        """The message carrying token must arrive once, as kind, in chat, and nowhere else."""
        self.token_to[token] = (kind, chat)

    def count(
        self, sent: Iterable[SentMessage], in_doubt: Iterable[SentMessage] = ()
    ) -> tuple[list[Row], list[str]]:
        """The table rows by kind, and one line per failure found (for the report);
        ``in_doubt``: what the bot recorded as maybe arrived and never sent again."""
        doubted_slots, doubted_tokens = self._doubted(in_doubt)
        observed: Counter[tuple[str, int, str]] = Counter()
        token_seen: dict[str, list[tuple[str, int]]] = defaultdict(list)
        problems: list[str] = []
        rows: dict[str, Row] = {kind: Row(kind) for kind in ORDER}
        offers: Counter[tuple[int, str]] = Counter()
        for message in sent:
            to_agent = message.chat_id in self.homeworkers
            kind, reference = classify(message, to_agent)
            text = message.text or ""
            if kind == "other":
                self.unclassified.append((message.chat_id, text[:160]))
            for token in TOKEN.findall(text):
                token_seen[token].append((kind, message.chat_id))
            if kind == "offer" and reference:
                offers[(message.chat_id, reference)] += 1
                continue
            tokened = bool(TOKEN.search(text)) and kind not in CARD_KINDS
            if reference and not tokened and self._misplaced(kind, reference, message.chat_id):
                rows.setdefault(kind, Row(kind)).misdelivered += 1
                problems.append(f"misdelivered {kind} for {reference} to chat {message.chat_id}")
                continue
            if not tokened:
                observed[_slot(kind, message.chat_id, reference)] += 1
        self._count_plain(observed, doubted_slots, rows, problems)
        self._count_tokens(token_seen, doubted_tokens, rows, problems)
        self._count_offers(offers, rows, problems)
        return [r for r in rows.values() if r.expected or r.extra or _failed(r)], problems

    def _doubted(
        self, in_doubt: Iterable[SentMessage]
    ) -> tuple[Counter[tuple[str, int, str]], set[str]]:
        """The slots and tokens of the messages the bot recorded in doubt."""
        slots: Counter[tuple[str, int, str]] = Counter()
        tokens: set[str] = set()
        for message in in_doubt:
            kind, reference = classify(message, message.chat_id in self.homeworkers)
            found = TOKEN.findall(message.text or "")
            tokens.update(found)
            if not (found and kind not in CARD_KINDS):
                slots[_slot(kind, message.chat_id, reference)] += 1
        return slots, tokens

    def _misplaced(self, kind: str, reference: str, chat: int) -> bool:
        if chat in self.homeworkers:
            holder = self.case_holder.get(reference)
            exempt = CARD_KINDS | {"shift ack", "offer withdrawn"}
            return kind not in exempt and holder is not None and holder != chat
        owner = self.case_user.get(reference)
        return owner is not None and owner != chat

    def _count_plain(
        self,
        observed: Counter[tuple[str, int, str]],
        doubted: Counter[tuple[str, int, str]],
        rows: dict[str, Row],
        problems: list[str],
    ) -> None:
        for slot in set(observed) | set(self.expected):
            kind, chat, key = slot
            row = rows.setdefault(kind, Row(kind))
            wanted, got = self.expected[slot], observed[slot]
            row.expected += wanted
            row.once += min(wanted, got)
            if got < wanted:
                excused = min(wanted - got, doubted[slot])
                row.in_doubt += excused
                row.lost += wanted - got - excused
                if wanted - got > excused:
                    problems.append(f"lost {wanted - got - excused} {kind} to chat {chat} ({key})")
                if excused:
                    problems.append(f"in doubt: {excused} {kind} to chat {chat} ({key})")
            elif got > wanted and wanted:
                row.duplicated += got - wanted
                problems.append(f"{got - wanted} duplicated {kind} to chat {chat} ({key})")
            elif got > wanted:
                row.extra += got

    def _count_tokens(
        self,
        seen: dict[str, list[tuple[str, int]]],
        doubted: set[str],
        rows: dict[str, Row],
        problems: list[str],
    ) -> None:
        for token, (kind, chat) in self.token_to.items():
            row = rows.setdefault(kind, Row(kind))
            row.expected += 1
            places = seen.get(token, [])
            right = sum(1 for k, c in places if (k, c) == (kind, chat))
            if right == 0 and token in doubted:
                row.in_doubt += 1
                problems.append(f"in doubt: {kind} {token} to chat {chat}")
            elif right == 0:
                row.lost += 1
                problems.append(f"lost {kind} {token} to chat {chat}")
            else:
                row.once += 1
                row.duplicated += right - 1
                if right > 1:
                    problems.append(f"{token} ({kind}) arrived {right} times in chat {chat}")
        for token, places in seen.items():
            intended = self.token_to.get(token)
            for kind, chat in places:
                if intended == (kind, chat) or (
                    intended and kind in ALSO_QUOTES and intended[1] == chat
                ):
                    continue
                if kind in CARD_KINDS and chat in self.homeworkers and token[2] == "u":
                    continue  # the user's own words in the case's transcript
                rows.setdefault(kind, Row(kind)).misdelivered += 1
                problems.append(f"misdelivered {token} as {kind} to chat {chat}")
        problems += [f"unclassified to chat {c}: {t!r}" for c, t in self.unclassified]

    def _count_offers(
        self, offers: Counter[tuple[int, str]], rows: dict[str, Row], problems: list[str]
    ) -> None:
        row = rows["offer"]
        offered = {reference for _, reference in offers}
        for reference in self.offered_cases:
            if reference not in offered:
                row.expected += 1
                row.lost += 1
                problems.append(f"{reference} was offered to nobody")
        for (chat, reference), got in offers.items():
            row.expected += 1
            row.once += 1
            row.duplicated += got - 1
            if got > 1:
                problems.append(f"offer of {reference} arrived {got} times in chat {chat}")


def _slot(kind: str, chat: int, reference: str | None) -> tuple[str, int, str]:
    """Where an untokened message is counted: its kind, chat and case (messages of the kinds
    that name no case, or name it only in passing, are counted by chat alone)."""
    by_chat = kind in ("kb answer", "glad", "rating thanks", "handoff notice")
    return kind, chat, "-" if by_chat or reference is None else reference


def _failed(row: Row) -> bool:
    return bool(row.lost or row.duplicated or row.misdelivered)


def table(rows: list[Row]) -> str:
    """The rows as a fixed-width table with a total line."""
    head = ("kind", "expected", "once", "lost", "in doubt", "duplicated", "misdelivered", "extra")
    columns = [name.replace(" ", "_") for name in head[1:]]
    total = Row("total")
    for row in rows:
        for name in columns:
            setattr(total, name, getattr(total, name) + getattr(row, name))
    lines = [f"{head[0]:<22}" + "".join(f"{h:>13}" for h in head[1:])]
    for row in [*rows, total]:
        values = [getattr(row, name) for name in columns]
        lines.append(f"{row.kind:<22}" + "".join(f"{v:>13}" for v in values))
    return "\n".join(lines)
