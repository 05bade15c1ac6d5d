"""A desk report as plain records: JSON-ready dictionaries and CSV rows."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, TextIO

from bot.core.metrics import (
    DeskReport,
    Durations,
    EnquiryOutcome,
    Figures,
    HomeworkerFigures,
    IncidentFigures,
    PriorityCompliance,
)

Value = int | float | str | None
CSV_HEADER = ("section", "key", "metric", "value")


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _durations(prefix: str, measured: Durations) -> dict[str, Value]:
    return {
        f"{prefix}_count": measured.count,
        f"{prefix}_median_minutes": _round(measured.median, 2),
        f"{prefix}_p90_minutes": _round(measured.p90, 2),
    }


def figures_record(figures: Figures) -> dict[str, Value]:
    """Every figure of a group as a flat record."""
    return {
        "conversations": figures.conversations,
        "deflected": figures.deflected,
        "deflection_rate": _round(figures.deflection_rate),
        "escalated": figures.escalated,
        "escalation_rate": _round(figures.escalation_rate),
        "tickets": figures.tickets,
        **_durations("first_response", figures.first_response),
        **_durations("claim", figures.claim),
        **_durations("handling", figures.handling),
        "ratings": figures.satisfaction.responses,
        "mean_rating": _round(figures.satisfaction.mean, 2),
        "satisfied_share": _round(figures.satisfaction.satisfied_share),
        "resolved": figures.resolved,
        "reopened": figures.reopened,
        "reopen_rate": _round(figures.reopen_rate),
        **{f"outcome_{o.name.lower()}": figures.outcome(o) for o in EnquiryOutcome},
    }


def service_level_record(row: PriorityCompliance) -> dict[str, Value]:
    """One priority's compliance as a flat record."""
    return {
        "tickets": row.tickets,
        "claim_met": row.claim.met,
        "claim_decided": row.claim.decided,
        "claim_compliance": _round(row.claim.share),
        "resolve_met": row.resolve.met,
        "resolve_decided": row.resolve.decided,
        "resolve_compliance": _round(row.resolve.share),
    }


def homeworker_record(row: HomeworkerFigures) -> dict[str, Value]:
    """One homeworker's figures as a flat record."""
    figures = row.figures
    return {
        "tickets": figures.tickets,
        "resolved": figures.resolved,
        "open": row.open_cases,
        **_durations("handling", figures.handling),
        "ratings": figures.satisfaction.responses,
        "mean_rating": _round(figures.satisfaction.mean, 2),
        "claim_compliance": _round(row.claim.share),
        "resolve_compliance": _round(row.resolve.share),
        "reopened": figures.reopened,
    }


def incidents_record(found: IncidentFigures) -> dict[str, Value]:
    """The major incidents' figures as a flat record."""
    return {
        "confirmed": found.confirmed,
        "dismissed": found.dismissed,
        "linked": found.linked,
        **_durations("to_confirmation", found.to_confirmation),
        **_durations("to_resolution", found.to_resolution),
        "needed_no_reply": found.needed_no_reply,
        "saved_minutes": _round(found.saved_minutes, 2),
    }


def report_dict(report: DeskReport) -> dict[str, Any]:
    """The whole report as JSON-ready values."""
    period = report.period
    return {
        "period": {
            "since": period.since.isoformat() if period.since else None,
            "until": period.until.isoformat() if period.until else None,
            "as_of": report.as_of.isoformat(),
        },
        "overall": figures_record(report.overall),
        "service_levels": {
            row.priority: service_level_record(row) for row in report.service_levels
        },
        "by_category": {name: figures_record(f) for name, f in report.by_category},
        "by_homeworker": {row.name: homeworker_record(row) for row in report.by_homeworker},
        "by_day": {day.isoformat(): figures_record(f) for day, f in report.by_day},
        "major_incidents": incidents_record(report.incidents),
    }


def report_rows(report: DeskReport) -> Iterator[tuple[str, str, str, Value]]:
    """The report as long-format rows: section, key, metric, value."""
    data = report_dict(report)
    for metric, value in data["overall"].items():
        yield "overall", "all", metric, value
    for metric, value in data["major_incidents"].items():
        yield "major_incidents", "all", metric, value
    for section in ("service_levels", "by_category", "by_homeworker", "by_day"):
        for key, record in data[section].items():
            for metric, value in record.items():
                yield section, key, metric, value


def write_json(report: DeskReport, out: TextIO) -> None:
    """The report as indented JSON."""
    json.dump(report_dict(report), out, indent=2)
    out.write("\n")


def write_csv(report: DeskReport, out: TextIO) -> None:
    """The report as CSV with a header row (section, key, metric, value)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in report_rows(report):
        writer.writerow(["" if cell is None else cell for cell in row])
