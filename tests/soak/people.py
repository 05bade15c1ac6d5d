"""Simulated users and homeworkers: each user lives one round after another, asking the
knowledge base or bringing a case that a homeworker claims, answers and resolves.

People act through the stand-in as Telegram users do and write every expectation into the
ledger as they act. They wait a bounded time for what they expect; what never comes is
counted as lost at the end, and they carry on.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.soak.ledger import TOKEN, Ledger, classify
from tests.telegram_standin import SentMessage, TelegramStandIn

KB_QUESTIONS = (
    "how do I connect to the VPN from home",
    "my mailbox is full and I can't send email",
    "how do I set up an out of office reply",
    "outlook will not open on my laptop",
)
ESCALATIONS = (
    "there is a ransom note on my screen",
    "a ransom note popped up and my files are encrypted",
)
RATINGS = ("3", "4", "5 excellent")
Predicate = Callable[[SentMessage], bool]


class Chats:
    """What the bot sent, chat by chat, as it arrives; each message handed to one waiter."""

    def __init__(self, standin: TelegramStandIn) -> None:
        self._standin = standin
        self._by_chat: dict[int, list[SentMessage]] = defaultdict(list)
        self._known = 0
        self._taken: set[tuple[int, int]] = set()

    def refresh(self) -> None:
        """Pick up the messages sent since the last look."""
        with self._standin.state.lock:
            fresh = list(self._standin.state.sent.values())[self._known :]
        self._known += len(fresh)
        for message in fresh:
            self._by_chat[message.chat_id].append(message)

    @property
    def total(self) -> int:
        """Messages the bot has sent so far."""
        return self._known

    def take(self, chats: list[int], wanted: Predicate) -> SentMessage | None:
        """The oldest message to any of chats that matches and no one has taken yet."""
        for chat in chats:
            for message in self._by_chat[chat]:
                key = (chat, message.message_id)
                if key not in self._taken and wanted(message):
                    self._taken.add(key)
                    return message
        return None

    async def follow(self, every: float = 0.05) -> None:
        """Keep refreshing until cancelled."""
        while True:
            self.refresh()
            await asyncio.sleep(every)


def of_kind(kind: str, reference: str | None = None, homeworker: bool = False) -> Predicate:
    """A message of this kind (naming this case, if given)."""

    def wanted(message: SentMessage) -> bool:
        found, named = classify(message, homeworker)
        return found == kind and (reference is None or named == reference)

    return wanted


def carrying(token: str) -> Predicate:
    """A message that carries this token."""
    return lambda message: token in TOKEN.findall(message.text or "")


@dataclass
class Desk:
    """What every simulated person shares: the stand-in, the ledger, the clock, the dice."""

    standin: TelegramStandIn
    chats: Chats
    ledger: Ledger
    homeworkers: list[int]
    rng: random.Random
    deadline: float  # time.monotonic() after which nobody starts a new round
    message_target: int
    wait_seconds: float = 30.0
    escalate_share: float = 0.6
    rounds: int = 2  # reply-and-answer exchanges per case
    edit_share: float = 0.1
    _tokens: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _locks: dict[int, asyncio.Lock] = field(default_factory=dict)

    def token(self, kind: str) -> str:
        """A new unique token: tku (user), tkh (homeworker), tkr (resolution), tke (edit)."""
        return f"tk{kind}{next(self._tokens):06d}"

    def lock(self, homeworker: int) -> asyncio.Lock:
        """Held while a homeworker's commands that depend on their current case are sent."""
        return self._locks.setdefault(homeworker, asyncio.Lock())

    @property
    def messages(self) -> int:
        """Messages so far, both ways: what people sent and what the bot sent."""
        return self.ledger.sent_by_people + self.chats.total

    def more(self) -> bool:
        """Whether people should start another round."""
        return time.monotonic() < self.deadline and self.messages < self.message_target

    def says(self, chat: int, text: str, reply_to: int | None = None) -> int:
        """A person sends text."""
        self.ledger.sent_by_people += 1
        return self.standin.user_sends_text(chat, text, reply_to)

    def presses(self, chat: int, message: SentMessage, label: str) -> bool:
        """A person presses a button under a message (False if it has none such)."""
        try:
            self.standin.user_presses(chat, message, label)
        except (KeyError, ValueError):
            return False
        self.ledger.sent_by_people += 1
        return True

    async def wait(self, chats: list[int], wanted: Predicate) -> SentMessage | None:
        """The message wanted, once it arrives; None after wait_seconds."""
        give_up = time.monotonic() + self.wait_seconds
        while time.monotonic() < give_up:
            found = self.chats.take(chats, wanted)
            if found is not None:
                return found
            await asyncio.sleep(0.1)
        return None


async def go_on_shift(desk: Desk) -> None:
    """Every homeworker starts a shift."""
    for homeworker in desk.homeworkers:
        desk.says(homeworker, "/shift on")
        desk.ledger.expect("shift ack", homeworker)
    for homeworker in desk.homeworkers:
        await desk.wait([homeworker], of_kind("shift ack", homeworker=True))


async def user_life(desk: Desk, user: int) -> None:
    """One user: rounds until the run has had enough."""
    await asyncio.sleep(desk.rng.uniform(0, 2))
    while desk.more():
        if desk.rng.random() < desk.escalate_share:
            await a_case(desk, user)
        else:
            await a_question(desk, user)


async def a_question(desk: Desk, user: int) -> None:
    """The user asks something the knowledge base answers and says it solved it."""
    desk.says(user, desk.rng.choice(KB_QUESTIONS))
    desk.ledger.expect("kb answer", user)
    answer = await desk.wait([user], of_kind("kb answer"))
    if answer is not None and desk.presses(user, answer, "Yes, solved"):
        desk.ledger.expect("glad", user)
        await desk.wait([user], of_kind("glad"))


async def a_case(desk: Desk, user: int) -> None:
    """The user brings something that needs a person; a homeworker takes it to the end."""
    token = desk.token("u")
    reference = await _hand_off(desk, user, token)
    if reference is None:
        return
    desk.ledger.case_user[reference] = user
    homeworker, anchor = await _claim(desk, user, reference)
    for _ in range(desk.rounds):
        await _exchange(desk, user, homeworker, reference, anchor)
    await _resolve_and_rate(desk, user, homeworker, reference)


async def _hand_off(desk: Desk, user: int, token: str) -> str | None:
    if desk.rng.random() < 0.67:
        desk.says(user, f"{desk.rng.choice(ESCALATIONS)} {token}")
    else:
        desk.says(user, f"{KB_QUESTIONS[0]} {token}")
        desk.ledger.expect("kb answer", user)
        answer = await desk.wait([user], of_kind("kb answer"))
        if answer is None or not desk.presses(user, answer, "Talk to a person"):
            desk.says(user, "talk to a person")
    desk.ledger.expect("handoff notice", user)
    handoff = await desk.wait([user], of_kind("handoff notice"))
    if handoff is not None:
        return classify(handoff, False)[1]
    offer = await desk.wait(desk.homeworkers, lambda m: token in (m.text or ""))
    return classify(offer, True)[1] if offer is not None else None


async def _claim(desk: Desk, user: int, reference: str) -> tuple[int, int | None]:
    """A homeworker the case was offered to claims it, by its button or by /claim."""
    offer = await desk.wait(desk.homeworkers, of_kind("offer", reference, homeworker=True))
    if offer is not None:
        desk.ledger.offered_cases.add(reference)
    else:  # claimed before any offer came: one still unsent is rightly dropped
        desk.ledger.claimed_unoffered += 1
    homeworker = offer.chat_id if offer is not None else desk.rng.choice(desk.homeworkers)
    async with desk.lock(homeworker):
        pressed = offer is not None and desk.rng.random() < 0.5
        if not (
            pressed and offer is not None and desk.presses(homeworker, offer, f"Claim {reference}")
        ):
            desk.says(homeworker, f"/claim {reference}")
    desk.ledger.case_holder[reference] = homeworker
    desk.ledger.expect("claim card", homeworker, reference)
    desk.ledger.expect("picked up", user, reference)
    card = await desk.wait([homeworker], of_kind("claim card", reference, homeworker=True))
    anchor = card or offer
    return homeworker, anchor.message_id if anchor is not None else None


async def _exchange(
    desk: Desk, user: int, homeworker: int, reference: str, anchor: int | None
) -> None:
    """The homeworker replies on the case (replying to its card; naming the case when
    neither its card nor an offer has come, since plain text goes to their current case,
    which a later claim may have changed); the user answers back."""
    token = desk.token("h")
    text = f"Please try restarting it {token}"
    if anchor is None:
        sent = desk.says(homeworker, f"/reply {reference} {text}")
    else:
        sent = desk.says(homeworker, text, reply_to=anchor)
    desk.ledger.expect_token(token, "homeworker reply", user)
    desk.ledger.expect("reply ack", homeworker, reference)
    await desk.wait([user], carrying(token))
    if desk.rng.random() < desk.edit_share:
        edited = desk.token("e")
        desk.standin.user_edits_text(homeworker, sent, f"Please try restarting it {edited}")
        desk.ledger.sent_by_people += 1
        desk.ledger.unseen_tokens.add(edited)
        desk.ledger.expect("edit refused", homeworker)
    answer = desk.token("u")
    desk.says(user, f"I restarted it, still the same {answer}")
    desk.ledger.expect_token(answer, "relay to homeworker", homeworker)
    desk.ledger.expect("relay ack", user, reference)
    await desk.wait([homeworker], carrying(answer))


async def _resolve_and_rate(desk: Desk, user: int, homeworker: int, reference: str) -> None:
    note = desk.token("r")
    async with desk.lock(homeworker):
        desk.says(homeworker, f"/switch {reference}")
        desk.says(homeworker, f"/resolve Restored from backup {note}")
    desk.ledger.expect("switch ack", homeworker, reference)
    desk.ledger.expect("resolve ack", homeworker, reference)
    desk.ledger.expect_token(note, "rating prompt", user)
    prompt = await desk.wait([user], carrying(note))
    if prompt is not None and desk.presses(user, prompt, desk.rng.choice(RATINGS)):
        desk.ledger.expect("rating thanks", user)
        await desk.wait([user], of_kind("rating thanks"))
