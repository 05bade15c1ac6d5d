"""Masking recall and precision on the tables in tests/fixtures/secrets.

Run: .venv/bin/python tests/benchmarks/bench_masking.py [--misses]
Prints recall (rows whose every secret disappeared / rows), per kind and per language, the
share of benign IT messages left unchanged, and the time per message.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.core.masking import mask_sensitive

TABLES = Path(__file__).resolve().parent.parent / "fixtures" / "secrets"
SEPARATOR = " || "


@dataclass(frozen=True)
class SecretRow:
    """One message with the substrings masking must remove."""

    message: str
    secrets: tuple[str, ...]
    kind: str
    language: str


@dataclass(frozen=True)
class Scores:
    """What the masking achieved on both tables."""

    recall: float
    benign_unchanged: float
    misses: tuple[tuple[SecretRow, str], ...]
    changed: tuple[tuple[str, str], ...]
    by_kind: dict[str, tuple[int, int]]
    by_language: dict[str, tuple[int, int]]
    seconds_per_message: float


def secret_rows() -> list[SecretRow]:
    """The secrets table."""
    with (TABLES / "secrets.csv").open(encoding="utf-8", newline="") as file:
        return [
            SecretRow(
                row["message"], tuple(row["secrets"].split(SEPARATOR)), row["kind"], row["language"]
            )
            for row in csv.DictReader(file)
        ]


def benign_messages() -> list[str]:
    """The benign table's messages."""
    with (TABLES / "benign.csv").open(encoding="utf-8", newline="") as file:
        return [row["message"] for row in csv.DictReader(file)]


def score() -> Scores:
    """Mask every row of both tables and count what was hidden and what was changed."""
    rows, benign = secret_rows(), benign_messages()
    started = time.perf_counter()
    masked_rows = [mask_sensitive(row.message).text for row in rows]
    masked_benign = [mask_sensitive(message).text for message in benign]
    elapsed = time.perf_counter() - started
    totals: Counter[tuple[str, str]] = Counter()
    hidden: Counter[tuple[str, str]] = Counter()
    misses = []
    for row, masked in zip(rows, masked_rows, strict=True):
        ok = not any(secret in masked for secret in row.secrets)
        for key in (("kind", row.kind), ("language", row.language)):
            totals[key] += 1
            hidden[key] += ok
        if not ok:
            misses.append((row, masked))
    changed = tuple((m, o) for m, o in zip(benign, masked_benign, strict=True) if m != o)

    def split(axis: str) -> dict[str, tuple[int, int]]:
        return {
            name: (hidden[(a, name)], totals[(a, name)]) for a, name in sorted(totals) if a == axis
        }

    return Scores(
        recall=1 - len(misses) / len(rows),
        benign_unchanged=1 - len(changed) / len(benign),
        misses=tuple(misses),
        changed=changed,
        by_kind=split("kind"),
        by_language=split("language"),
        seconds_per_message=elapsed / (len(rows) + len(benign)),
    )


def main() -> None:
    """Print the scores; with --misses, every row that failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--misses", action="store_true", help="list every miss and changed benign line"
    )
    arguments = parser.parse_args()
    scores = score()
    rows = sum(total for _, total in scores.by_kind.values())
    print(f"secrets: {rows} rows, recall {scores.recall:.1%}")
    for axis, table in (("kind", scores.by_kind), ("language", scores.by_language)):
        for name, (ok, total) in table.items():
            print(f"  {axis:8} {name:14} {ok:4}/{total:<4} {ok / total:.1%}")
    print(f"benign: unchanged {scores.benign_unchanged:.1%} ({len(scores.changed)} changed)")
    print(f"time per message: {scores.seconds_per_message * 1e6:.0f} µs")
    if arguments.misses:
        for row, masked in scores.misses:
            print(f"MISS [{row.kind}/{row.language}] {masked!r}")
        for original, masked in scores.changed:
            print(f"CHANGED {original!r} -> {masked!r}")


if __name__ == "__main__":
    main()
