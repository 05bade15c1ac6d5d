"""The triage model on the project's own data."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from classifier import DEFAULT_TRAINING_DATA
from classifier.dataset import read_dataset
from classifier.model import TriageModel
from classifier.registry import ModelRegistry
from classifier.training import best_threshold, split


@pytest.fixture(scope="module")
def trained(trained_models_dir: Path) -> tuple[TriageModel, dict]:  # type: ignore[type-arg]
    model, manifest = ModelRegistry(trained_models_dir).load()
    return model, manifest.metrics


def test_held_back_figures_stay_above_their_floors(trained: tuple[TriageModel, dict]) -> None:  # type: ignore[type-arg]
    _, metrics = trained
    assert metrics["rows"] >= 500
    assert metrics["accuracy"] >= 0.75
    assert metrics["macro_f1"] >= 0.75
    # The escalation cut keeps the target recall, rules included, over every row scored by a
    # model that never saw it; on the held-back fifth alone the recall lands near it.
    assert metrics["escalation_target_recall"] == 0.85
    assert metrics["escalation_recall"] >= 0.8
    assert metrics["escalation_precision"] >= 0.65
    assert metrics["priority_accuracy"] >= 0.5
    assert set(metrics["per_class"]) == {
        "account",
        "email",
        "network",
        "hardware",
        "printing",
        "software",
        "security",
        "collaboration",
    }


def test_the_floor_outage_escalates_as_network_with_high_priority(
    trained: tuple[TriageModel, dict],  # type: ignore[type-arg]
) -> None:
    model, _ = trained
    prediction = model.explain("the whole 2nd floor has no network since the power cut")
    assert prediction.category == "network"
    assert prediction.escalate_probability is not None and prediction.escalate_probability > 0.5
    assert prediction.priority in ("P1", "P2")
    assert "network" in " ".join(prediction.terms)


def test_a_how_to_question_stays_with_first_line(trained: tuple[TriageModel, dict]) -> None:  # type: ignore[type-arg]
    model, _ = trained
    prediction = model.explain("how do I set up an out of office reply in outlook")
    assert prediction.category == "email"
    assert prediction.escalate_probability is not None and prediction.escalate_probability < 0.5
    assert prediction.priority in ("P3", "P4")


def test_single_message_path_equals_batch_probabilities(
    trained: tuple[TriageModel, dict],  # type: ignore[type-arg]
) -> None:
    model, _ = trained
    texts = [*read_dataset(DEFAULT_TRAINING_DATA).texts[:50], "", "🙂", "ünïcödé printer"]
    batch = model.category_probabilities(texts)
    one_by_one = np.array([model.category_.proba_of_row(model.features_of(t)[0]) for t in texts])
    np.testing.assert_allclose(one_by_one, batch, atol=1e-6)
    assert np.allclose(batch.sum(axis=1), 1.0)
    familiarity = [model.explain(text).familiarity for text in texts]
    np.testing.assert_allclose(familiarity, model.familiarity(texts), atol=1e-6)
    assert min(familiarity[:50]) > 0 and max(familiarity) <= 1


def test_training_is_deterministic() -> None:
    data = read_dataset(DEFAULT_TRAINING_DATA)
    fit_part, held = split(data)
    small = fit_part.texts[:400], fit_part.labels[:400]
    first = TriageModel().fit(*small).category_probabilities(held.texts[:100])
    second = TriageModel().fit(*small).category_probabilities(held.texts[:100])
    np.testing.assert_array_equal(first, second)


def test_the_training_data_is_large_and_varied() -> None:
    data = read_dataset(DEFAULT_TRAINING_DATA)
    assert len(data) >= 2500
    counts = data.label_counts()
    assert len(counts) == 8 and min(counts.values()) >= 250
    assert data.escalate is not None and 0.25 <= sum(data.escalate) / len(data) <= 0.5
    assert data.priority is not None and set(data.priority) == {"P1", "P2", "P3", "P4"}
    assert len({text.casefold() for text in data.texts}) == len(data)
    # Nor near duplicates: the same words, whatever the case, spacing and punctuation.
    words = [" ".join(re.findall(r"[a-z0-9]+", text.casefold())) for text in data.texts]
    assert [w for w, n in Counter(words).items() if n > 1] == []


def test_the_threshold_gets_the_most_rows_right() -> None:
    confidence = np.array([0.9, 0.8, 0.3, 0.2, 0.2, 0.6, 0.25])
    right = np.array([True, True, True, False, False, False, True])
    in_scope = np.array([True, True, True, False, False, True, True])
    # 0.25 accepts the three right in-scope rows above it and rejects both out-of-scope ones.
    assert best_threshold(confidence, right, in_scope) == 0.25
    assert best_threshold(confidence, right, np.ones(7, bool)) == 0.2


def test_no_blind_evaluation_message_is_in_the_training_data() -> None:
    def words(text: str) -> str:
        return " ".join(re.findall(r"[a-z0-9]+", text.casefold()))

    trained = {words(text) for text in read_dataset(DEFAULT_TRAINING_DATA).texts}
    blind = Path(__file__).parent / "benchmarks" / "data" / "it_messages.csv"
    evaluated = read_dataset(blind, label_column="category")
    assert len(evaluated) == 160
    assert [text for text in evaluated.texts if words(text) in trained] == []


def test_heads_fitted_side_by_side_in_worker_processes_equal_those_fitted_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from classifier import linear

    data = read_dataset(DEFAULT_TRAINING_DATA)
    rows = slice(0, 600)
    texts, labels = data.texts[rows], data.labels[rows]
    escalate = data.escalate[rows] if data.escalate else None
    one_by_one = TriageModel(features="tfidf").fit(texts, labels, escalate)
    monkeypatch.setattr(linear, "PARALLEL_FROM_ROWS", 100)
    monkeypatch.setattr(linear.os, "cpu_count", lambda: 2)
    side_by_side = TriageModel(features="tfidf").fit(texts, labels, escalate)
    for head in ("category_", "escalate_"):
        before, after = getattr(one_by_one, head), getattr(side_by_side, head)
        np.testing.assert_array_equal(after.weights_, before.weights_)
        assert after.temperature_ == before.temperature_


HOSTILE_ENQUIRIES = [
    "lone \ud800 surrogate, my laptop \udfff will not start",
    "",
    "\x00\x1b[2J\x1b[H the printer \x9b31m is jammed",
    "invoice_\u202egnp.exe came by email",
    "\ufeff\u200b\u200d",
    "пароль Qwerty123! почта не работает",
    "密码是 hunter2, 电脑开不了机",
    "the vpn drops " * 20_000,
]


@pytest.mark.parametrize("enquiry", HOSTILE_ENQUIRIES, ids=range(len(HOSTILE_ENQUIRIES)))
def test_a_hostile_enquiry_gets_a_reading_and_leaves_the_model_in_use(
    trained_models_dir: Path, enquiry: str
) -> None:
    from classifier.triage import ModelTriage

    triage = ModelTriage(ModelRegistry(trained_models_dir))
    verdict = triage.assess(enquiry)
    assert verdict.model_version is not None or verdict.signal != "model"
    assert triage.unavailable_because() is None
    after = triage.assess("my laptop will not connect to the office wifi")
    assert after.signal == "model" and after.category == "network"
