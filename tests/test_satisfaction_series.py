"""The satisfaction trend's points: n behind every mean, thin days folded into a wider one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from matplotlib.figure import Figure

from bot.core.metrics import DeskFacts, Satisfaction, report, satisfaction
from bot.core.tickets import DEFAULT_SERVICE_LEVELS
from bot.reports.charts import satisfaction_trend
from bot.reports.satisfaction_series import Basis, SatisfactionPoint, satisfaction_points

RATINGS = {
    date(2026, 11, 1): [5],  # alone, and nothing in the week before: the period's mean
    date(2026, 11, 2): [4, 4, 5],  # enough: the day's own mean
    date(2026, 11, 3): [1],  # thin: the week up to it has 5 ratings
    date(2026, 11, 4): [],  # no ratings: no point
    date(2026, 11, 20): [2, 3],  # thin, and alone in its week: the period's mean
    date(2026, 11, 21): [5, 5, 4, 2],
}
BY_DAY = [(day, satisfaction(ratings)) for day, ratings in RATINGS.items()]
PERIOD = satisfaction(rating for ratings in RATINGS.values() for rating in ratings)


def test_every_point_says_how_many_ratings_are_behind_it_and_which_mean_it_is() -> None:
    assert (PERIOD.responses, PERIOD.mean) == (11, 40 / 11)
    assert satisfaction_points(BY_DAY, PERIOD) == (
        SatisfactionPoint(date(2026, 11, 1), 40 / 11, 11, 1, Basis.PERIOD),
        SatisfactionPoint(date(2026, 11, 2), 13 / 3, 3, 3, Basis.DAY),
        SatisfactionPoint(date(2026, 11, 3), 19 / 5, 5, 1, Basis.ROLLING),
        SatisfactionPoint(date(2026, 11, 20), 40 / 11, 11, 2, Basis.PERIOD),
        SatisfactionPoint(date(2026, 11, 21), 4.0, 4, 4, Basis.DAY),
    )
    labels = [point.label for point in satisfaction_points(BY_DAY, PERIOD)]
    assert labels == ["n=11 (1 that day)", "n=3", "n=5 (1 that day)", "n=11 (2 that day)", "n=4"]


def test_the_thresholds_can_be_changed() -> None:
    every_day = satisfaction_points(BY_DAY, PERIOD, min_ratings=1)
    assert [(p.mean, p.ratings, p.basis) for p in every_day][:1] == [(5.0, 1, Basis.DAY)]
    assert {p.basis for p in every_day} == {Basis.DAY}
    long_window = satisfaction_points(BY_DAY, PERIOD, rolling_days=30)
    assert long_window[3] == SatisfactionPoint(date(2026, 11, 20), 24 / 7, 7, 2, Basis.ROLLING)


def test_days_arrive_in_any_order_and_an_unrated_period_has_no_points() -> None:
    assert satisfaction_points(list(reversed(BY_DAY)), PERIOD) == satisfaction_points(
        BY_DAY, PERIOD
    )
    assert satisfaction_points([(date(2026, 11, 1), Satisfaction())], Satisfaction()) == ()


def test_the_chart_draws_those_points_with_their_n() -> None:
    empty = report(DeskFacts((), (), datetime(2026, 11, 23, tzinfo=UTC)), DEFAULT_SERVICE_LEVELS)
    by_day = tuple((day, replace(empty.overall, satisfaction=s)) for day, s in BY_DAY)
    overall = replace(empty.overall, satisfaction=PERIOD)
    axes = Figure().add_subplot()
    satisfaction_trend(replace(empty, by_day=by_day, overall=overall), axes)
    assert [text.get_text() for text in axes.texts] == [
        point.label for point in satisfaction_points(BY_DAY, PERIOD)
    ]
    assert axes.get_legend_handles_labels()[1][-1] == "period 3.64 (n=11)"
