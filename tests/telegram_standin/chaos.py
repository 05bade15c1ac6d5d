"""Random faults: a share of the bot's calls answered with 429, 5xx, late or too late.

Telegram misbehaves now and then; a soak run turns that into a steady rate. Each call of a
method in `methods` draws once: an error answered instead of the call (the call has no
effect), or a late answer (the effect happens at once, the answer comes after a pause, past
the client's read timeout for the "timeout" kind, so the bot cannot know it was delivered).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
    }
)
# (kind, weight): the mix of faults for sending methods; getUpdates only ever gets a 502.
SEND_FAULTS = (("429", 3), ("500", 2), ("502", 2), ("slow", 2), ("timeout", 1))


@dataclass(frozen=True)
class Fault:
    """One drawn fault: an error status (with retry_after for 429) or a delay in seconds."""

    kind: str
    status: int = 0
    retry_after: int | None = None
    delay: float = 0.0

    @property
    def is_error(self) -> bool:
        """Answered with an error instead of running the call."""
        return self.status != 0


@dataclass
class RandomFaults:
    """Draws faults for calls at `rate`, reproducibly from `seed`, and counts what it drew."""

    rate: float
    seed: int = 0
    read_timeout: float = 5.0  # python-telegram-bot's default read timeout
    methods: frozenset[str] = SENDING_METHODS | {"getUpdates"}
    drawn: Counter[str] = field(default_factory=Counter)
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def draw(self, method: str) -> Fault | None:
        """The fault for one call of method, or None (call the stand-in's lock around it)."""
        if method not in self.methods or self._random.random() >= self.rate:
            return None
        if method == "getUpdates":
            fault = Fault("502 getUpdates", status=502)
        else:
            kinds = [kind for kind, _ in SEND_FAULTS]
            weights = [weight for _, weight in SEND_FAULTS]
            fault = self._fault(self._random.choices(kinds, weights)[0])
        self.drawn[fault.kind] += 1
        return fault

    def _fault(self, kind: str) -> Fault:
        if kind == "429":
            return Fault(kind, status=429, retry_after=self._random.choice((1, 2)))
        if kind in ("500", "502"):
            return Fault(kind, status=int(kind))
        if kind == "slow":
            return Fault(kind, delay=self._random.uniform(0.3, 1.5))
        return Fault(kind, delay=self.read_timeout + 1.0)
