"""Static word vectors (WordLlama l2_supercat, 256 dimensions) as a scikit-learn transformer.

The vectors and their tokenizer ship inside the ``wordllama`` wheel (16 MB of weights), so
nothing is downloaded: they are read straight from the package's files with ``safetensors``
and ``tokenizers``, never through ``WordLlama.load``, which reaches for the network when its
cache is empty. A message's vector is the mean of its tokens' vectors, at unit length. The
weights are loaded once per process and never pickled: a saved model keeps only parameters.
"""

from __future__ import annotations

import functools
import importlib.resources
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from classifier.errors import ClassifierError
from classifier.tokenizable import tokenizable
from classifier.unit_length import unit_length

PACKAGE = "wordllama"
WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
TENSOR = "embedding.weight"
DIMENSIONS = 256


class WordVectorsUnavailable(ClassifierError):
    """The word vectors' package is missing or its files cannot be read."""


class WordVectors:
    """The table of token vectors and the tokenizer that indexes it."""

    def __init__(self, table: np.ndarray, tokenizer: Any) -> None:
        self._table = table
        self._tokenizer = tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (zeros for a text with no tokens)."""
        vectors = np.zeros((len(texts), self._table.shape[1]), np.float32)
        encodings = self._tokenizer.encode_batch(
            [tokenizable(text) for text in texts], add_special_tokens=False
        )
        for row, encoding in enumerate(encodings):
            if encoding.ids:
                vectors[row] = self._table[encoding.ids].mean(axis=0)
        return unit_length(vectors)

    def embed_one(self, text: str) -> np.ndarray:
        """One text's unit-length vector, without the batch's overhead."""
        ids = self._tokenizer.encode(tokenizable(text), add_special_tokens=False).ids
        if not ids:
            return np.zeros(self._table.shape[1], np.float32)
        vector: np.ndarray = unit_length(self._table[ids].mean(axis=0, keepdims=True))[0]
        return vector


@functools.cache
def shared_word_vectors() -> WordVectors:
    """The process's one table of word vectors, read from the installed package on first use."""
    try:
        from safetensors import safe_open
        from tokenizers import Tokenizer

        files = importlib.resources.files(PACKAGE)
        tokenizer = Tokenizer.from_str((files / TOKENIZER).read_text(encoding="utf-8"))
        with (
            importlib.resources.as_file(files / WEIGHTS) as path,
            safe_open(str(path), framework="np") as weights,
        ):
            table = np.ascontiguousarray(weights.get_tensor(TENSOR), dtype=np.float32)
    except (ImportError, OSError, ValueError, KeyError) as error:
        raise WordVectorsUnavailable(
            f"the word vectors of the {PACKAGE!r} package cannot be read "
            f"({type(error).__name__}); reinstall the desk: pip install -e ."
        ) from error
    return WordVectors(table, tokenizer)


class WordVectorEmbedder(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Texts to mean word vectors (unit length, times ``scale``); nothing is learned."""

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def fit(self, texts: Sequence[str], labels: Any = None) -> WordVectorEmbedder:
        """Load the vectors (so a broken install fails here) and record the output width."""
        shared_word_vectors()
        self.n_features_out_ = DIMENSIONS
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """One row of ``DIMENSIONS`` floats per text."""
        return shared_word_vectors().embed(list(texts)) * np.float32(self.scale)

    def transform_one(self, text: str) -> np.ndarray:
        """``transform([text])[0]``, faster."""
        return shared_word_vectors().embed_one(text) * np.float32(self.scale)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``word_vector0`` ... ``word_vector255``."""
        return np.asarray([f"word_vector{i}" for i in range(DIMENSIONS)], dtype=object)
