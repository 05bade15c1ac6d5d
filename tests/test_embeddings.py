"""Sentence embeddings, the optional extra: the transformer, its pickles, models built on it."""

from __future__ import annotations

import functools
import os
import pickle
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from bot.errors import TriageError
from classifier import DEFAULT_TRAINING_DATA, embeddings
from classifier.dataset import read_dataset
from classifier.embeddings import DIMENSIONS, EmbeddingsUnavailable, SentenceEmbedder
from classifier.model import TriageModel
from classifier.training import split

EXTRA_MISSING = "the optional 'embeddings' extra is not installed: pip install -e '.[embeddings]'"
TEXTS = [
    "my laptop will not connect to the office wifi",
    "how do I reset my password",
    "the printer on floor 3 is jammed again",
    "",
]


@pytest.fixture(scope="module")
def extra() -> None:
    """Skip unless the extra is installed; its model must load with the hub offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    pytest.importorskip("sentence_transformers", reason=EXTRA_MISSING)
    pytest.importorskip(embeddings.MODEL_PACKAGE, reason=EXTRA_MISSING)


@pytest.fixture(scope="module")
def small_split() -> tuple[Any, Any]:
    """Every fourth training and held-back row of the project's own data (all categories)."""
    fit_part, held = split(read_dataset(DEFAULT_TRAINING_DATA))
    return (fit_part.texts[::4], fit_part.labels[::4]), (held.texts[::4], held.labels[::4])


@pytest.mark.usefixtures("extra")
def test_each_text_becomes_one_unit_vector_the_same_every_time() -> None:
    embedder = SentenceEmbedder(scale=2.0).fit(TEXTS)
    first = embedder.transform(TEXTS)
    assert first.shape == (len(TEXTS), DIMENSIONS)
    assert first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 2.0, rtol=1e-4)
    np.testing.assert_array_equal(embedder.transform(TEXTS), first)
    np.testing.assert_allclose(embedder.transform(TEXTS[1:2])[0], first[1], atol=1e-5)
    assert embedder.get_feature_names_out().shape == (DIMENSIONS,)


@pytest.mark.usefixtures("extra")
def test_remembered_embeddings_equal_fresh_ones() -> None:
    fresh = SentenceEmbedder().fit(TEXTS).transform(TEXTS)
    remembering = SentenceEmbedder(remember=True).fit(TEXTS)
    np.testing.assert_allclose(remembering.transform(TEXTS), fresh, atol=1e-5)
    np.testing.assert_allclose(remembering.transform(TEXTS[::-1]), fresh[::-1], atol=1e-5)


@pytest.mark.usefixtures("extra")
def test_a_pickled_embedder_holds_no_torch_model_and_reloads_it() -> None:
    embedder = SentenceEmbedder(scale=1.5).fit(TEXTS)
    assert "_encoder" in vars(embedder)
    data = pickle.dumps(embedder)
    assert len(data) < 2_000
    assert b"torch" not in data and b"sentence_transformers" not in data
    restored = pickle.loads(data)
    assert "_encoder" not in vars(restored)
    assert restored.get_params() == embedder.get_params()
    np.testing.assert_array_equal(restored.transform(TEXTS), embedder.transform(TEXTS))


@pytest.mark.usefixtures("extra")
@pytest.mark.parametrize("features", ["embeddings", "both"])
def test_a_small_model_on_embeddings_predicts_sensibly(
    features: str, small_split: tuple[Any, Any]
) -> None:
    (texts, labels), (held_texts, held_labels) = small_split
    model = TriageModel(features=features).fit(texts, labels)
    accuracy = float(np.mean(model.predict(held_texts) == np.asarray(held_labels)))
    assert accuracy >= 0.6
    verdict = model.explain("the printer keeps jamming and printing blank pages")
    assert verdict.category == "printing"
    assert (len(verdict.terms) > 0) == (features == "both")
    one_by_one = [model.category_.proba_of_row(model._vectorize(t)) for t in held_texts[:20]]
    np.testing.assert_allclose(one_by_one, model.category_probabilities(held_texts[:20]), atol=1e-5)
    restored = pickle.loads(pickle.dumps(model))
    assert restored.explain(held_texts[0]) == model.explain(held_texts[0])


@pytest.fixture()
def extra_not_installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The extra's imports fail, with a fresh encoder cache (the real one is kept aside)."""
    real_import = embeddings.importlib.import_module

    def fail(name: str, package: str | None = None) -> Any:
        if name.split(".")[0] in ("torch", "sentence_transformers", embeddings.MODEL_PACKAGE):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real_import(name, package)

    monkeypatch.setattr(embeddings.importlib, "import_module", fail)
    monkeypatch.setattr(
        embeddings, "shared_encoder", functools.cache(embeddings.shared_encoder.__wrapped__)
    )
    yield


@pytest.mark.usefixtures("extra_not_installed")
def test_without_the_extra_the_error_says_what_to_install() -> None:
    with pytest.raises(EmbeddingsUnavailable) as raised:
        SentenceEmbedder().fit(TEXTS)
    assert isinstance(raised.value, TriageError)
    message = str(raised.value)
    assert "'embeddings' extra" in message
    assert "pip install 'triage-desk[embeddings]'" in message
    assert "\n" not in message
    with pytest.raises(EmbeddingsUnavailable):
        TriageModel(features="both").fit(["printer jammed", "password reset"], ["x", "y"])


def test_the_default_model_needs_no_extra() -> None:
    model = TriageModel()
    assert model.features == "tfidf+static"
    with pytest.raises(ValueError, match="features must be one of"):
        TriageModel(features="bert").fit(["a", "b"], ["x", "y"])
