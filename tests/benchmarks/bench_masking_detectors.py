"""The desk's masking beside maintained detectors, kind by kind, on the same tables.

Run: .venv/bin/pip install phonenumbers python-stdnum detect-secrets
     .venv/bin/python -m tests.benchmarks.bench_masking_detectors

Issue 12 asks whether a maintained detector beats the hand-written patterns before adopting
one. For each kind a detector covers, this prints, side by side in one run: the share of that
kind's rows whose every secret the detector (or the desk) finds, how many of the benign IT
messages it would have changed, and the time per message. A detector that is not installed
is skipped with a line that says so; none of them is a dependency of the desk.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.core.masking import mask_sensitive
from tests.benchmarks.bench_masking import SecretRow, benign_messages, secret_rows

Span = tuple[int, int]
Detector = Callable[[str], list[Span]]


@dataclass(frozen=True)
class Result:
    """One detector on one kind's rows and on the benign messages."""

    found: int
    rows: int
    benign_flagged: int
    benign: int
    micros_per_message: float


def hide(text: str, spans: list[Span]) -> str:
    """``text`` with the detector's spans replaced, as the desk replaces what it finds."""
    for start, end in sorted(spans, reverse=True):
        text = f"{text[:start]}[removed]{text[end:]}"
    return text


def measure(mask: Callable[[str], str], rows: list[SecretRow], benign: list[str]) -> Result:
    """Rows whose every secret is gone, benign messages changed, time per message."""
    started = time.perf_counter()
    found = 0
    for row in rows:
        masked = mask(row.message)
        found += not any(secret in masked for secret in row.secrets)
    flagged = sum(mask(message) != message for message in benign)
    elapsed = time.perf_counter() - started
    return Result(found, len(rows), flagged, len(benign), elapsed / (len(rows) + len(benign)) * 1e6)


def desk(text: str) -> str:
    """The desk's own masking."""
    return mask_sensitive(text).text


def phonenumbers_detector() -> Detector:
    """Google's libphonenumber port: numbers valid in any region, UK numbers without a prefix."""
    import phonenumbers

    def detect(text: str) -> list[Span]:
        matcher = phonenumbers.PhoneNumberMatcher(text, "GB", phonenumbers.Leniency.VALID)
        return [(match.start, match.end) for match in matcher]

    return detect


_IBAN_CANDIDATE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{1,4}){3,8}", re.IGNORECASE)
_CARD_CANDIDATE = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")


def stdnum_iban_detector() -> Detector:
    """python-stdnum's IBAN check on candidates, cut back group by group until one is valid."""
    from stdnum import iban

    def detect(text: str) -> list[Span]:
        spans = []
        for candidate in _IBAN_CANDIDATE.finditer(text):
            value = candidate.group()
            while value:
                if iban.is_valid(value):
                    spans.append((candidate.start(), candidate.start() + len(value)))
                    break
                value = value[: value.rfind(" ")] if " " in value else value[:-1]
        return spans

    return detect


def stdnum_card_detector() -> Detector:
    """python-stdnum's Luhn check on runs of 13 to 19 digits."""
    from stdnum import luhn

    def detect(text: str) -> list[Span]:
        return [
            candidate.span()
            for candidate in _CARD_CANDIDATE.finditer(text)
            if luhn.is_valid(re.sub(r"\D", "", candidate.group()))
        ]

    return detect


def detect_secrets_detector() -> Detector:
    """Yelp's detect-secrets with its default plugins and filters, as it scans a file."""
    import tempfile

    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    def detect(text: str) -> list[Span]:
        with tempfile.TemporaryDirectory() as folder:
            path = f"{folder}/message.txt"
            with open(path, "w", encoding="utf-8") as file:
                file.write(text + "\n")
            found = SecretsCollection()
            with default_settings():
                found.scan_file(path)
            values = [s.secret_value for _, s in found if s.secret_value]
        return [(m.start(), m.end()) for v in values for m in re.finditer(re.escape(v), text)]

    return detect


DETECTORS: dict[str, tuple[tuple[str, ...], Callable[[], Detector]]] = {
    "phonenumbers": (("phone_number",), phonenumbers_detector),
    "python-stdnum iban": (("iban",), stdnum_iban_detector),
    "python-stdnum luhn": (("card_number",), stdnum_card_detector),
    "detect-secrets": (("api_key", "private_key", "password"), detect_secrets_detector),
}


def comparisons() -> Iterator[str]:
    """A line per detector and kind: the detector, then the desk, on the same rows."""
    rows, benign = secret_rows(), benign_messages()
    yield f"{'detector':20} {'kind':13} {'recall':>16} {'benign flagged':>15} {'µs/msg':>7}"
    for name, (kinds, build) in DETECTORS.items():
        try:
            detector = build()
        except ImportError:
            yield f"{name:20} not installed; skipped"
            continue
        for kind in kinds:
            of_kind = [row for row in rows if row.kind == kind]

            def detected(text: str, detect: Detector = detector) -> str:
                return hide(text, detect(text))

            for label, mask in ((name, detected), ("  the desk", desk)):
                r = measure(mask, of_kind, benign)
                yield (
                    f"{label:20} {kind:13} {r.found:5}/{r.rows:<4} {r.found / r.rows:6.1%}"
                    f" {r.benign_flagged:7}/{r.benign:<7} {r.micros_per_message:7.0f}"
                )


if __name__ == "__main__":
    for line in comparisons():
        print(line)
