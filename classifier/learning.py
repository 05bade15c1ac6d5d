"""Learning from second line: its corrected labels as extra training rows, with provenance.

Each resolved ticket gives one row (the user's question, second line's category, whether
second line was really needed, the ticket's priority). A row whose text is already in the
base data, or in an earlier ticket's row, is left out, so retraining on the same tickets
twice adds nothing. A row's text is masked again, so no secret a ticket may hold reaches
the model's vocabulary. The merged file keeps a ``source`` column: ``base`` or ``ticket:T-1042``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.masking import mask_sensitive
from bot.private_files import write_private
from classifier.dataset import Dataset

LEARNED_DIR = "learned"
BASE_SOURCE = "base"
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class TicketLabel:
    """What second line said about one resolved ticket."""

    reference: str
    text: str
    category: str | None
    second_line_needed: bool | None
    priority: str


@dataclass(frozen=True)
class LearnedRow:
    """A training row taken from a ticket."""

    text: str
    category: str
    escalate: bool
    priority: str
    source: str


@dataclass(frozen=True)
class Learning:
    """The rows tickets add, and how many tickets gave none (and why)."""

    rows: tuple[LearnedRow, ...]
    tickets: int
    duplicates: int
    unusable: int

    def describe(self) -> str:
        """One line, e.g. "added 37 rows from 41 resolved tickets (4 duplicates)"."""
        skipped = [f"{self.duplicates} duplicate{'s' * (self.duplicates != 1)}"]
        if self.unusable:
            skipped.append(f"{self.unusable} without a question or category")
        return (
            f"added {len(self.rows)} row{'s' * (len(self.rows) != 1)} from {self.tickets} "
            f"resolved ticket{'s' * (self.tickets != 1)} ({', '.join(skipped)})"
        )


def normalise(text: str) -> str:
    """A text reduced to its case-folded words, for spotting the same question twice."""
    return " ".join(_WORD.findall(text.casefold()))


def learn_from_tickets(base: Dataset, tickets: Sequence[TicketLabel]) -> Learning:
    """One row per ticket whose question is new to the base data and to earlier tickets."""
    seen = {normalise(text) for text in base.texts}
    rows: list[LearnedRow] = []
    duplicates = unusable = 0
    for ticket in tickets:
        text = " ".join(mask_sensitive(ticket.text).text.split())
        key = normalise(text)
        if not key or not ticket.category:
            unusable += 1
            continue
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        needed = True if ticket.second_line_needed is None else ticket.second_line_needed
        rows.append(
            LearnedRow(text, ticket.category, needed, ticket.priority, f"ticket:{ticket.reference}")
        )
    return Learning(tuple(rows), len(tickets), duplicates, unusable)


def merged_csv(base: Dataset, learned: Sequence[LearnedRow]) -> str:
    """The base rows then the learned ones, as CSV text with a ``source`` column."""
    columns = ["text", "category"]
    columns += [name for name in ("escalate", "priority") if getattr(base, name) is not None]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*columns, "source"])
    for index, text in enumerate(base.texts):
        row = [text, base.labels[index]]
        if base.escalate is not None:
            row.append("1" if base.escalate[index] else "0")
        if base.priority is not None:
            row.append(base.priority[index])
        writer.writerow([*row, BASE_SOURCE])
    for extra in learned:
        row = [extra.text, extra.category]
        if base.escalate is not None:
            row.append("1" if extra.escalate else "0")
        if base.priority is not None:
            row.append(extra.priority)
        writer.writerow([*row, extra.source])
    return buffer.getvalue()


def write_merged(models_dir: Path, content: str) -> Path:
    """Keep the merged training file under ``<models>/learned/``, named by its sha256; the
    file is 0600 and the folders it needs are created 0700 (users' words are in it)."""
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    path = models_dir / LEARNED_DIR / f"training-{digest[:12]}.csv"
    return write_private(path, content)
