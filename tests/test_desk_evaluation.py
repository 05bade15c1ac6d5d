"""Evaluation scores what users get: the rules, the model and its stored thresholds together."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from classifier import DEFAULT_TRAINING_DATA
from classifier.dataset import Dataset, read_dataset
from classifier.errors import DatasetError
from classifier.metrics import check_labels_overlap, desk_verdicts, evaluate_model
from classifier.model import TriageModel
from classifier.registry import ModelRegistry
from classifier.rules import matching_rule
from classifier.training import (
    FLOAT_NOISE,
    choose_cross_fitted_escalation_threshold,
    choose_threshold,
    cross_fitted_escalation,
    recall_threshold,
    split,
    train,
)
from classifier.triage import desk_verdict

ON_FIRE = "the printer next to my desk is on fire, there is smoke everywhere"
QUIET = "how do I set up an out of office reply in outlook"


@pytest.fixture
def model(trained_models_dir: Path) -> TriageModel:
    """A fresh copy of the session's default model, free to change."""
    return ModelRegistry(trained_models_dir).load()[0]


def _data(rows: list[tuple[str, str, bool]]) -> Dataset:
    return Dataset(
        texts=tuple(text for text, _, _ in rows),
        labels=tuple(label for _, label, _ in rows),
        escalate=tuple(escalate for _, _, escalate in rows),
        priority=None,
        sha256="",
        source="rows.csv",
    )


def test_a_rule_counts_as_an_escalation_even_when_the_model_would_not_escalate(
    model: TriageModel,
) -> None:
    assert matching_rule(ON_FIRE) is not None and matching_rule(QUIET) is None
    model.escalate_threshold = 1.01  # the model alone escalates nothing
    figures = evaluate_model(model, _data([(ON_FIRE, "printing", True), (QUIET, "email", True)]))
    assert figures["escalation_recall"] == 0.5
    assert figures["escalation_precision"] == 1.0


def test_the_desk_escalates_from_the_threshold_stored_with_the_model(model: TriageModel) -> None:
    probability = model.explain(QUIET).escalate_probability
    assert probability is not None
    model.escalate_threshold = probability
    assert desk_verdict(QUIET, model.explain(QUIET), None).escalate
    model.escalate_threshold = probability + 1e-6
    assert not desk_verdict(QUIET, model.explain(QUIET), None).escalate
    assert evaluate_model(model, _data([(QUIET, "email", True)]))["escalation_recall"] == 0.0


def test_out_of_scope_rows_are_scored_on_the_desks_rejections(model: TriageModel) -> None:
    data = _data([(QUIET, "email", False), ("book me a flight to lisbon", "oos", False)])
    model.out_of_scope_threshold = 0.0
    accepting = evaluate_model(model, data, oos_label="oos")
    assert (accepting["in_scope_accuracy"], accepting["out_of_scope_recall"]) == (1.0, 0.0)
    model.out_of_scope_threshold = 1.01
    rejecting = evaluate_model(model, data, oos_label="oos")
    assert (rejecting["in_scope_accuracy"], rejecting["out_of_scope_recall"]) == (0.0, 1.0)
    assert rejecting["most_confused"] == [
        {"true": "email", "predicted": "(out of scope)", "count": 1}
    ]
    assert all(verdict.out_of_scope for verdict in desk_verdicts(model, data.texts))


def test_labels_that_share_nothing_with_the_model_are_refused_in_one_line(
    model: TriageModel,
) -> None:
    strangers = _data([("play some jazz", "music", False), ("is it raining", "weather", False)])
    with pytest.raises(DatasetError) as refused:
        check_labels_overlap(model, strangers, None)
    assert "\n" not in str(refused.value)
    assert "rows.csv (music, weather) share nothing with the model's (account," in str(
        refused.value
    )
    check_labels_overlap(model, replace(strangers, labels=("music", "email")), None)


def test_the_escalation_threshold_is_the_highest_that_keeps_the_recall() -> None:
    probability = np.array([0.9, 0.8, 0.3, 0.2, 0.1, 0.05])
    wanted = np.array([True, True, True, False, True, False])
    assert recall_threshold(probability, wanted, 0.75) == 0.3  # 3 of the 4 wanted
    assert recall_threshold(probability, wanted, 0.97) == 0.1  # all 4
    assert recall_threshold(probability, wanted, 0.5) == 0.8


def _noise(rows: int) -> Dataset:
    """Rows of made-up words that share nothing, escalated at random: nothing to learn."""
    rng = np.random.default_rng(7)
    words = ["".join(rng.choice(list("bcdfghjkmnpqrstvwxz"), 9)) for _ in range(rows)]
    escalate = rng.random(rows) < 0.5
    return _data(
        [(word, "account", bool(flag)) for word, flag in zip(words, escalate, strict=True)]
    )


def test_each_row_is_scored_for_escalation_by_a_model_that_never_saw_it() -> None:
    data = _noise(60)
    scored = cross_fitted_escalation(data, c=0.5, features="tfidf")
    assert scored is not None
    probability, wanted = scored
    assert list(wanted) == list(data.escalate or ())
    # A model that had seen its rows would separate them perfectly; one that had not can only
    # guess, since no two rows share a word.
    seen = TriageModel(features="tfidf").fit(data.texts, ["a", "b"] * 30, data.escalate)
    in_sample = seen.escalate_probabilities(list(data.texts))
    assert roc_auc_score(wanted, in_sample) == 1.0
    assert roc_auc_score(wanted, probability) < 0.75


def test_the_cross_fitted_escalation_cut_keeps_the_recall_over_every_row() -> None:
    data = read_dataset(DEFAULT_TRAINING_DATA)
    scored = cross_fitted_escalation(data, c=0.5, features="tfidf")
    assert scored is not None
    probability, wanted = scored
    by_rule = np.asarray([matching_rule(text) is not None for text in data.texts])
    cut = choose_cross_fitted_escalation_threshold(data, 0.5, "tfidf", 0.9, fallback=0.5)
    escalated = by_rule | (probability >= cut)
    assert (escalated & wanted).sum() / wanted.sum() >= 0.9
    assert (escalated & wanted).sum() / wanted.sum() < 0.9 + 2 / wanted.sum()  # the highest cut
    assert cut == recall_threshold(np.where(by_rule, 1.0, probability), wanted, 0.9) - FLOAT_NOISE


def test_too_few_rows_to_fold_keep_the_models_own_escalation_cut() -> None:
    lone = _data([("my laptop is on fire", "hardware", True)] + [(QUIET, "email", False)] * 9)
    assert cross_fitted_escalation(lone, c=0.5, features="tfidf") is None
    assert choose_cross_fitted_escalation_threshold(lone, 0.5, "tfidf", 0.9, fallback=0.42) == 0.42


def test_thresholds_can_be_chosen_on_a_file_of_their_own() -> None:
    data = read_dataset(DEFAULT_TRAINING_DATA)
    small, rest = split(
        replace(
            data,
            texts=data.texts[:600],
            labels=data.labels[:600],
            escalate=data.escalate[:600] if data.escalate else None,
            priority=data.priority[:600] if data.priority else None,
        )
    )
    tuning = replace(
        rest,
        texts=(*rest.texts, "book me a flight to lisbon"),
        labels=(*rest.labels, "oos"),
        escalate=(*(rest.escalate or ()), False),
        priority=None,
    )
    run = train(replace(small, priority=None), oos_label="oos", thresholds_from=tuning)
    assert run.model.out_of_scope_threshold == choose_threshold(run.model, tuning, "oos")
    held_back = train(replace(small, priority=None), oos_label="oos")
    assert held_back.model.out_of_scope_threshold == choose_threshold(
        held_back.model, held_back.held_out, "oos"
    )
    assert run.held_out == held_back.held_out  # the figures still come from held-back rows
