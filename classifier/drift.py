"""Drift: how far the live model's verdicts are from what second line found.

Every resolved ticket is a judgement: the model's category and escalation for the enquiry,
next to second line's corrected category and whether second line was really needed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

NO_VALUE = "none"  # a verdict without a category, or without a model version


@dataclass(frozen=True)
class Judgement:
    """The model's verdict on one case and second line's correction of it."""

    reference: str
    model_version: str | None
    model_category: str | None
    model_escalate: bool
    corrected_category: str
    second_line_needed: bool


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


@dataclass(frozen=True)
class Agreement:
    """Counts of agreement between the model and second line over some cases."""

    cases: int
    category_agreed: int
    escalated: int
    escalated_needed: int
    needed: int

    @property
    def category_agreement(self) -> float | None:
        """The share of cases whose category second line kept."""
        return _share(self.category_agreed, self.cases)

    @property
    def escalation_precision(self) -> float | None:
        """Of the cases the model escalated, the share that really needed second line."""
        return _share(self.escalated_needed, self.escalated)

    @property
    def escalation_recall(self) -> float | None:
        """Of the cases that really needed second line, the share the model escalated."""
        return _share(self.escalated_needed, self.needed)

    def as_dict(self) -> dict[str, Any]:
        """The counts and shares as JSON-ready values."""
        return {
            "cases": self.cases,
            "category_agreed": self.category_agreed,
            "category_agreement": self.category_agreement,
            "escalated": self.escalated,
            "escalated_needed": self.escalated_needed,
            "escalation_precision": self.escalation_precision,
            "needed": self.needed,
            "escalation_recall": self.escalation_recall,
        }


def agreement(judgements: Iterable[Judgement]) -> Agreement:
    """How often the model and second line agreed on these cases."""
    cases = agreed = escalated = escalated_needed = needed = 0
    for judgement in judgements:
        cases += 1
        agreed += judgement.model_category == judgement.corrected_category
        escalated += judgement.model_escalate
        needed += judgement.second_line_needed
        escalated_needed += judgement.model_escalate and judgement.second_line_needed
    return Agreement(cases, agreed, escalated, escalated_needed, needed)


@dataclass(frozen=True)
class DriftReport:
    """Agreement overall and per model version, and the categories second line changed."""

    overall: Agreement
    confusion: tuple[tuple[str, str, int], ...]  # (model said, second line said, cases)
    per_version: tuple[tuple[str, Agreement], ...]

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready values."""
        return {
            **self.overall.as_dict(),
            "confusion": [
                {"model": said, "second_line": corrected, "count": count}
                for said, corrected, count in self.confusion
            ],
            "per_version": {version: figures.as_dict() for version, figures in self.per_version},
        }


def drift_report(judgements: Sequence[Judgement]) -> DriftReport:
    """Compare the model's verdicts with second line's corrections."""
    changed = Counter(
        (judgement.model_category or NO_VALUE, judgement.corrected_category)
        for judgement in judgements
        if judgement.model_category != judgement.corrected_category
    )
    confusion = sorted(
        ((said, corrected, count) for (said, corrected), count in changed.items()),
        key=lambda item: (-item[2], item[0], item[1]),
    )
    by_version: dict[str, list[Judgement]] = defaultdict(list)
    for judgement in judgements:
        by_version[judgement.model_version or NO_VALUE].append(judgement)
    return DriftReport(
        overall=agreement(judgements),
        confusion=tuple(confusion),
        per_version=tuple(
            (version, agreement(by_version[version])) for version in sorted(by_version)
        ),
    )
