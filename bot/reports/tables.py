"""A desk report as rich tables for the terminal."""

from __future__ import annotations

from collections.abc import Iterator

from rich.table import Table

from bot.core.metrics import (
    Compliance,
    DeskReport,
    Durations,
    EnquiryOutcome,
    Figures,
    minutes_text,
    percent_text,
)


def _rating(figures: Figures) -> str:
    mean = figures.satisfaction.mean
    return "-" if mean is None else f"{mean:.2f} ({figures.satisfaction.responses})"


def _compliance(measured: Compliance) -> str:
    if not measured.decided:
        return "-"
    return f"{percent_text(measured.share)} ({measured.met}/{measured.decided})"


def _spread(measured: Durations) -> str:
    if not measured.count:
        return "-"
    return f"{minutes_text(measured.median)} / {minutes_text(measured.p90)}"


def _title(report: DeskReport) -> str:
    since, until = report.period.since, report.period.until
    start = f"{since:%Y-%m-%d %H:%M}" if since else "the beginning"
    end = f"{until:%Y-%m-%d %H:%M}" if until else "now"
    return f"The desk from {start} to {end} (UTC)"


def overview(report: DeskReport) -> Table:
    """The headline figures."""
    figures = report.overall
    table = Table(title=_title(report), show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("enquiries", str(figures.conversations)),
        ("deflected by the bot", f"{figures.deflected} ({percent_text(figures.deflection_rate)})"),
        (
            "escalated to second line",
            f"{figures.escalated} ({percent_text(figures.escalation_rate)})",
        ),
        ("second-line cases", str(figures.tickets)),
        ("time to claim, median / p90", _spread(figures.claim)),
        ("time to first response, median / p90", _spread(figures.first_response)),
        ("handling time, median / p90", _spread(figures.handling)),
        ("mean rating (ratings)", _rating(figures)),
        ("rated 4 or 5", percent_text(figures.satisfaction.satisfied_share)),
        (
            "reopened / resolved",
            f"{figures.reopened} / {figures.resolved} ({percent_text(figures.reopen_rate)})",
        ),
    ]
    for label, value in rows:
        table.add_row(label, value)
    return table


def service_levels(report: DeskReport) -> Table:
    """Claim and resolve targets met, per priority."""
    table = Table(title="Service levels (decided cases)")
    for column in ("priority", "cases", "claimed within target", "resolved within target"):
        table.add_column(column, justify="right" if column != "priority" else "left")
    for row in report.service_levels:
        table.add_row(
            row.priority, str(row.tickets), _compliance(row.claim), _compliance(row.resolve)
        )
    return table


def by_category(report: DeskReport) -> Table:
    """The figures per category (second line's corrected one where it gave one)."""
    table = Table(title="By category")
    columns = (
        "category",
        "enquiries",
        "deflected",
        "escalated",
        "cases",
        "claim (med)",
        "handling (med)",
        "rating",
        "reopened",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "category" else "right")
    for name, f in report.by_category:
        table.add_row(
            name,
            str(f.conversations),
            percent_text(f.deflection_rate),
            percent_text(f.escalation_rate),
            str(f.tickets),
            minutes_text(f.claim.median),
            minutes_text(f.handling.median),
            _rating(f),
            percent_text(f.reopen_rate),
        )
    return table


def by_homeworker(report: DeskReport) -> Table:
    """Each homeworker's cases and figures."""
    table = Table(title="By homeworker")
    columns = (
        "homeworker",
        "cases",
        "resolved",
        "open",
        "handling (med)",
        "rating",
        "claimed in target",
        "resolved in target",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "homeworker" else "right")
    for row in report.by_homeworker:
        f = row.figures
        table.add_row(
            row.name,
            str(f.tickets),
            str(f.resolved),
            str(row.open_cases),
            minutes_text(f.handling.median),
            _rating(f),
            _compliance(row.claim),
            _compliance(row.resolve),
        )
    return table


def by_day(report: DeskReport) -> Table:
    """Daily volume by outcome, with the day's waits and ratings."""
    table = Table(title="By day (UTC)")
    outcomes = (o.value for o in EnquiryOutcome)
    columns = ("day", "enquiries", *outcomes, "cases", "claim (med)", "rating")
    for column in columns:
        table.add_column(column, justify="left" if column == "day" else "right")
    for day, f in report.by_day:
        table.add_row(
            day.isoformat(),
            str(f.conversations),
            *(str(f.outcome(o)) for o in EnquiryOutcome),
            str(f.tickets),
            minutes_text(f.claim.median),
            _rating(f),
        )
    return table


def major_incidents(report: DeskReport) -> Table:
    """Major incidents: how many, the enquiries they took in, how fast, what they saved."""
    found = report.incidents
    table = Table(title="Major incidents (first reported in the period)", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("major incidents confirmed (dismissed)", f"{found.confirmed} ({found.dismissed})"),
        ("enquiries linked to them", str(found.linked)),
        ("first report to confirmation, median / p90", _spread(found.to_confirmation)),
        ("first report to resolution, median / p90", _spread(found.to_resolution)),
        ("linked cases that needed no homeworker reply", str(found.needed_no_reply)),
        ("handling time saved (at the median handling time)", minutes_text(found.saved_minutes)),
    ]
    for label, value in rows:
        table.add_row(label, value)
    return table


def all_tables(report: DeskReport) -> Iterator[Table]:
    """Every table of the report, headline first (major incidents when there were any)."""
    yield overview(report)
    yield service_levels(report)
    if report.incidents.any:
        yield major_incidents(report)
    yield by_category(report)
    yield by_homeworker(report)
    yield by_day(report)
