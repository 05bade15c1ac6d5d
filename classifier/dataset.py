"""Reading labelled enquiries from any CSV with a text and a label column."""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from classifier.errors import DatasetError

PRIORITIES = ("P1", "P2", "P3", "P4")
LABEL_COLUMNS = ("category", "label")
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f", ""}


@dataclass(frozen=True)
class Dataset:
    """Texts with their labels; escalate and priority where the file has those columns."""

    texts: tuple[str, ...]
    labels: tuple[str, ...]
    escalate: tuple[bool, ...] | None
    priority: tuple[str, ...] | None
    sha256: str
    source: str

    def __len__(self) -> int:
        return len(self.texts)

    def label_counts(self) -> Counter[str]:
        """How many rows each label has."""
        return Counter(self.labels)


def _flag(value: str, line: int) -> bool:
    folded = value.strip().casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise DatasetError(f"line {line}: escalate must be 0 or 1, not {value!r}")


def read_dataset(
    path: Path,
    text_column: str = "text",
    label_column: str | None = None,
    min_classes: int = 2,
) -> Dataset:
    """Rows with a non-empty text and label; one clear :class:`DatasetError` otherwise.

    Without ``label_column``, the label is the ``category`` column, or else ``label``.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DatasetError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DatasetError(f"{path} is not UTF-8 text (byte {error.start})") from None
    try:
        return _parse(content, raw, path, text_column, label_column, min_classes)
    except csv.Error as error:
        raise DatasetError(f"{path} is not a readable CSV file ({error})") from None


def _parse(
    content: str,
    raw: bytes,
    path: Path,
    text_column: str,
    label_column: str | None,
    min_classes: int,
) -> Dataset:
    reader = csv.DictReader(io.StringIO(content, newline=""))
    columns = reader.fieldnames or []
    if not columns:
        raise DatasetError(f"{path} is empty")
    if label_column is None:
        label_column = next((name for name in LABEL_COLUMNS if name in columns), LABEL_COLUMNS[0])
    for needed in (text_column, label_column):
        if needed not in columns:
            raise DatasetError(
                f"{path} has no column {needed!r} (columns: {', '.join(columns)}); "
                "name the right one with --text-col/--label-col"
            )
    has_escalate = "escalate" in columns and label_column != "escalate"
    has_priority = "priority" in columns and label_column != "priority"
    texts: list[str] = []
    labels: list[str] = []
    escalate: list[bool] = []
    priority: list[str] = []
    for row in reader:
        line = reader.line_num
        text = (row.get(text_column) or "").strip()
        label = (row.get(label_column) or "").strip()
        if not text or not label:
            continue
        texts.append(text)
        labels.append(label)
        if has_escalate:
            escalate.append(_flag(row.get("escalate") or "", line))
        if has_priority:
            value = (row.get("priority") or "").strip().upper()
            if value not in PRIORITIES:
                raise DatasetError(f"line {line}: priority must be one of P1-P4, not {value!r}")
            priority.append(value)
    if not texts:
        raise DatasetError(f"{path} has no rows with both a {text_column!r} and a {label_column!r}")
    if len(set(labels)) < min_classes:
        raise DatasetError(
            f"{path} has a single class ({labels[0]!r}); a classifier needs at least two"
        )
    return Dataset(
        texts=tuple(texts),
        labels=tuple(labels),
        escalate=tuple(escalate) if has_escalate else None,
        priority=tuple(priority) if has_priority else None,
        sha256=hashlib.sha256(raw).hexdigest(),
        source=str(path),
    )
