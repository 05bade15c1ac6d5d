"""Static word vectors: read from the installed package, never from the network."""

from __future__ import annotations

import pickle
import socket

import numpy as np
import pytest

from classifier.word_vectors import DIMENSIONS, WordVectorEmbedder, shared_word_vectors

TEXTS = ["my laptop will not switch on", "the notebook does not power up", "reset my password", ""]


def test_the_vectors_load_with_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    shared_word_vectors.cache_clear()
    vectors = WordVectorEmbedder().fit(TEXTS).transform(TEXTS)
    assert vectors.shape == (len(TEXTS), DIMENSIONS)


def test_a_message_is_closer_to_its_paraphrase_than_to_another_request() -> None:
    vectors = WordVectorEmbedder().fit(TEXTS).transform(TEXTS)
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.1
    assert not vectors[3].any()  # no tokens, no direction


def test_one_message_gives_what_a_batch_gives_and_pickles_hold_no_table() -> None:
    embedder = WordVectorEmbedder(scale=2.0).fit(TEXTS)
    batch = embedder.transform(TEXTS)
    one_by_one = np.stack([embedder.transform_one(text) for text in TEXTS])
    np.testing.assert_allclose(one_by_one, batch, atol=1e-6)
    assert len(pickle.dumps(embedder)) < 1_000
