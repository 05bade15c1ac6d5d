"""Vectors scaled to unit length, the one way the classifier does it."""

from __future__ import annotations

import numpy as np


def unit_length(vectors: np.ndarray) -> np.ndarray:
    """Each vector (the last axis) at length 1; an all-zero vector stays zero."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)
