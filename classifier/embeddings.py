"""Sentence embeddings (all-MiniLM-L6-v2) as a scikit-learn transformer, run lean.

The encoder is an int8 ONNX graph shipped in the repository (``models/minilm``, with its
tokenizer and licence; how it was built is written there), run by onnxruntime on one
thread: about 1.5 ms a short message, no torch, nothing downloaded. The session is opened once
per process, on first use, and never pickled: a saved model holds only the embedder's
parameters. Each text is encoded on its own (see ``Encoder._encode``).
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from classifier.errors import ClassifierError
from classifier.tokenizable import tokenizable

DIMENSIONS = 384
MAX_TOKENS = 256  # the model's max_seq_length
ENCODER_FOLDER = Path(__file__).resolve().parents[1] / "models" / "minilm"
GRAPH = "all-MiniLM-L6-v2.int8.onnx"
TOKENIZER = "tokenizer.json"
RECENT = 8_192  # vectors kept (12 MB)
THREADED_FROM = 64  # texts encoded at once from which two threads share the work
REINSTALL_HINT = "reinstall the desk: pip install -e ."


class EmbeddingsUnavailable(ClassifierError):
    """The sentence encoder's runtime is missing or its files cannot be read."""


class Encoder:
    """The ONNX session and the tokenizer that feeds it.

    The ``RECENT`` last texts' vectors are kept, keyed by a hash of the text (never the text):
    training and evaluating read the same held-back rows several times.
    """

    def __init__(self, session: Any, tokenizer: Any) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._recent: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()

    def encode_one(self, text: str) -> np.ndarray:
        """One text's embedding (read-only), from the recent ones when it is among them."""
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        with self._recent_lock:
            recent = self._recent.get(key)
            if recent is not None:
                self._recent.move_to_end(key)
                return recent
        ids = np.asarray([self._tokenizer.encode(tokenizable(text)).ids], np.int64)
        vector: np.ndarray = self._run(ids, np.ones_like(ids))[0]
        vector.flags.writeable = False
        with self._recent_lock:
            self._recent[key] = vector
            if len(self._recent) > RECENT:
                self._recent.popitem(last=False)
        return vector

    def forget_recent(self) -> None:
        """Drop the recent vectors, so that the next texts are encoded afresh (benchmarks)."""
        with self._recent_lock:
            self._recent.clear()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 embeddings, one row per text, each text on its own: the graph
        quantises its activations per call, so a text encoded beside others (or beside
        padding) would come out slightly different from the same text alone, as the desk
        sees it. Many texts go on two threads."""
        vectors = np.zeros((len(texts), DIMENSIONS), np.float32)
        if len(texts) < THREADED_FROM:
            for row, text in enumerate(texts):
                vectors[row] = self.encode_one(text)
            return vectors
        with ThreadPoolExecutor(min(2, os.cpu_count() or 1)) as pool:
            for row, vector in enumerate(pool.map(self.encode_one, texts)):
                vectors[row] = vector
        return vectors

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        (vectors,) = self._session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})
        return np.asarray(vectors, np.float32)


@functools.cache
def shared_encoder() -> Encoder:
    """The process's one encoder, read from ``ENCODER_FOLDER`` on first use."""
    try:
        import onnxruntime
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(ENCODER_FOLDER / TOKENIZER))
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: the graph's notes are not for operators
        session = onnxruntime.InferenceSession(
            str(ENCODER_FOLDER / GRAPH), options, providers=["CPUExecutionProvider"]
        )
    except Exception as error:  # ImportError, OSError, or onnxruntime's own on a bad file
        raise EmbeddingsUnavailable(
            f"the sentence encoder cannot be loaded ({type(error).__name__}); {REINSTALL_HINT}"
        ) from error
    return Encoder(session, tokenizer)


class SentenceEmbedder(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Texts to all-MiniLM-L6-v2 sentence embeddings (unit length, times ``scale``).

    Nothing is learned: ``fit`` only loads the encoder and records the output width.
    ``scale`` weighs the embeddings against other features they are stacked with.
    """

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def fit(self, texts: Sequence[str], labels: Any = None) -> SentenceEmbedder:
        """Load the encoder (so a broken install fails here); nothing is learned."""
        shared_encoder()
        self.n_features_out_ = DIMENSIONS
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """One row of ``DIMENSIONS`` floats per text."""
        vectors = shared_encoder().encode(list(texts))
        return vectors * np.float32(self.scale)

    def transform_one(self, text: str) -> np.ndarray:
        """``transform([text])[0]``, faster."""
        return shared_encoder().encode_one(text) * np.float32(self.scale)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``embedding0`` ... ``embedding383``."""
        return np.asarray([f"embedding{i}" for i in range(DIMENSIONS)], dtype=object)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A model saved by the former torch extra kept a handle and two settings here.
        for gone in ("_encoder", "batch_size", "remember"):
            state.pop(gone, None)
        self.__dict__.update(state)
