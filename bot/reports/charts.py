"""A desk report as PNG charts (matplotlib's Agg renderer, no display needed)."""

from __future__ import annotations

import io
import math
import statistics
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.core.metrics import DeskReport, EnquiryOutcome, minutes_text
from bot.private_files import private_folder, write_private
from bot.reports.satisfaction_series import (
    MIN_RATINGS,
    ROLLING_DAYS,
    Basis,
    satisfaction_points,
)

COLOURS = {
    EnquiryOutcome.DEFLECTED: "#2a9d8f",
    EnquiryOutcome.BOT_NOT_DEFLECTED: "#8ab17d",
    EnquiryOutcome.SECOND_LINE: "#264653",
    EnquiryOutcome.OPEN: "#e9c46a",
    EnquiryOutcome.CANCELLED: "#e76f51",
}
CLAIM_COLOUR, RESOLVE_COLOUR = "#264653", "#2a9d8f"
NO_DATA = "no data in this period"
WAIT_BUCKETS = (
    ("< 5 min", 5),
    ("5-15 min", 15),
    ("15-30 min", 30),
    ("30-60 min", 60),
    ("1-2 h", 120),
    ("2-4 h", 240),
    ("4-8 h", 480),
    ("8-24 h", 1440),
    ("> 1 day", math.inf),
)


def _figure(width: float = 9.0, height: float = 4.5) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _empty(axes: Axes) -> None:
    axes.text(0.5, 0.5, NO_DATA, ha="center", va="center", transform=axes.transAxes)


def _day_axis(axes: Axes, days: Sequence[date]) -> list[int]:
    """Day numbers from the first day, with a readable label on about ten of them."""
    first = days[0]
    positions = [(day - first).days for day in days]
    step = max(1, (positions[-1] + 1) // 10)
    ticks = list(range(0, positions[-1] + 1, step))
    axes.set_xticks(ticks, [f"{first + timedelta(days=t):%b %d}" for t in ticks])
    axes.tick_params(axis="x", labelrotation=45, labelsize="small")
    return positions


def daily_volume(report: DeskReport, axes: Axes) -> None:
    """Enquiries per day, stacked by how they ended."""
    axes.set_title("Daily volume by outcome")
    axes.set_ylabel("enquiries")
    if not report.by_day:
        _empty(axes)
        return
    days = _day_axis(axes, [day for day, _ in report.by_day])
    bottom = [0] * len(days)
    for outcome in EnquiryOutcome:
        counts = [f.outcome(outcome) for _, f in report.by_day]
        axes.bar(days, counts, bottom=bottom, label=outcome.value, color=COLOURS[outcome])
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    axes.set_ylim(0, max(*bottom, 1) * 1.3)  # room for the legend above the bars
    axes.legend(fontsize="small", ncols=3, loc="upper left")


def claim_waits(report: DeskReport, axes: Axes) -> None:
    """How long cases waited to be claimed, in buckets that widen with the wait."""
    waits = report.claim_waits
    axes.set_title("Wait-time distribution: handoff to claim")
    axes.set_ylabel("cases")
    if not waits:
        _empty(axes)
        return
    counts = [0] * len(WAIT_BUCKETS)
    for wait in waits:
        counts[next(i for i, (_, upper) in enumerate(WAIT_BUCKETS) if wait < upper)] += 1
    positions = list(range(len(WAIT_BUCKETS)))
    axes.bar(positions, counts, color=CLAIM_COLOUR)
    axes.set_xticks(positions, [label for label, _ in WAIT_BUCKETS])
    axes.set_xlabel(f"time to claim (median {minutes_text(statistics.median(waits))})")


def service_levels(report: DeskReport, axes: Axes) -> None:
    """The share of cases claimed and resolved within target, per priority."""
    rows = report.service_levels
    axes.set_title("Service-level compliance per priority")
    axes.set_ylabel("% of decided cases within target")
    axes.set_ylim(0, 105)
    positions = list(range(len(rows)))
    for offset, label, colour, shares in (
        (-0.2, "claimed in target", CLAIM_COLOUR, [r.claim.share for r in rows]),
        (0.2, "resolved in target", RESOLVE_COLOUR, [r.resolve.share for r in rows]),
    ):
        heights = [0.0 if s is None else s * 100 for s in shares]
        axes.bar([p + offset for p in positions], heights, width=0.4, label=label, color=colour)
    axes.set_xticks(positions, [f"{r.priority} ({r.tickets})" for r in rows])
    axes.legend(fontsize="small", loc="lower right")


TREND_STYLES = {  # how each kind of point is drawn, and its legend entry
    Basis.DAY: ("o", CLAIM_COLOUR, f"day's mean ({MIN_RATINGS}+ ratings)"),
    Basis.ROLLING: ("D", "none", f"{ROLLING_DAYS}-day mean (day had fewer)"),
    Basis.PERIOD: ("s", "none", "period mean (week had fewer)"),
}


def satisfaction_trend(report: DeskReport, axes: Axes) -> None:
    """The mean rating per day, with n on every point; thin days drawn as a wider mean."""
    points = satisfaction_points(
        [(day, figures.satisfaction) for day, figures in report.by_day],
        report.overall.satisfaction,
    )
    axes.set_title("Satisfaction trend (mean rating of the day's cases; n = ratings)")
    axes.set_ylabel("mean rating")
    axes.set_ylim(0.8, 5.6)  # room for the n labels above a 5.0
    if not points:
        _empty(axes)
        return
    days = _day_axis(axes, [point.day for point in points])
    axes.plot(days, [point.mean for point in points], color="#b0b0b0", linewidth=1, zorder=1)
    for basis, (marker, face, label) in TREND_STYLES.items():
        drawn = [(x, p) for x, p in zip(days, points, strict=True) if p.basis is basis]
        if drawn:
            axes.scatter(
                [x for x, _ in drawn],
                [p.mean for _, p in drawn],
                marker=marker,
                facecolors=face,
                edgecolors=CLAIM_COLOUR,
                label=label,
                zorder=2,
            )
    for x, point in zip(days, points, strict=True):
        axes.annotate(
            point.label,
            (x, point.mean),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize="x-small",
        )
    overall = report.overall.satisfaction
    if overall.mean is not None:
        label = f"period {overall.mean:.2f} (n={overall.responses})"
        axes.axhline(overall.mean, color="#e76f51", linestyle="--", label=label, zorder=0)
    axes.legend(fontsize="small", loc="lower right")


def homeworker_load(report: DeskReport, axes: Axes) -> None:
    """The cases each homeworker resolved and still holds open."""
    rows = report.by_homeworker
    axes.set_title("Load per homeworker")
    axes.set_ylabel("cases")
    if not rows:
        _empty(axes)
        return
    names = [row.name for row in rows]
    handled = [row.figures.resolved for row in rows]
    axes.bar(names, handled, label="resolved", color=RESOLVE_COLOUR)
    axes.bar(names, [r.open_cases for r in rows], bottom=handled, label="open", color="#e9c46a")
    axes.legend(fontsize="small")


CHARTS: dict[str, Callable[[DeskReport, Axes], None]] = {
    "daily_volume.png": daily_volume,
    "claim_wait.png": claim_waits,
    "service_levels.png": service_levels,
    "satisfaction_trend.png": satisfaction_trend,
    "homeworker_load.png": homeworker_load,
}


def write_charts(report: DeskReport, folder: Path) -> list[Path]:
    """Draw every chart into ``folder`` (created 0700 if missing) as 0600 files; returns them."""
    private_folder(folder)
    written = []
    for name, draw in CHARTS.items():
        figure, axes = _figure()
        draw(report, axes)
        image = io.BytesIO()
        figure.savefig(image, format="png")
        written.append(write_private(folder / name, image.getvalue()))
    return written
