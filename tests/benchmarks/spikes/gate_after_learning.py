"""Does the quality gate compare like with like after the desk learns rows? The desk's model
before 40 rows were added, against the retrain with them, on the rows the retrain holds
back: with the shuffled, stratified split used before 2026-12-04 and with today's split keyed
by each row's text.

    .venv/bin/python tests/benchmarks/spikes/gate_after_learning.py
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.model_selection import train_test_split

from classifier import DEFAULT_TRAINING_DATA, training
from classifier.dataset import Dataset, read_dataset
from classifier.metrics import evaluate_model

Split = Callable[[Dataset], tuple[Dataset, Dataset]]
LEARNT = 40


def shuffled_split(data: Dataset) -> tuple[Dataset, Dataset]:
    """The former split: a fifth held back, shuffled with a fixed seed, stratified."""
    rows = np.arange(len(data))
    fit_rows, held_rows = train_test_split(
        rows, test_size=training.HELD_OUT_SHARE, random_state=42, stratify=data.labels
    )
    return training.subset(data, np.sort(fit_rows)), training.subset(data, np.sort(held_rows))


def main() -> None:
    everything = read_dataset(DEFAULT_TRAINING_DATA)
    rng = np.random.default_rng(0)
    before = training.subset(everything, np.sort(rng.permutation(len(everything))[:-LEARNT]))
    text_keyed = training.split
    splits: list[tuple[str, Split]] = [("shuffled", shuffled_split), ("text-keyed", text_keyed)]
    for name, split in splits:
        training.split = split  # train() splits through the module's name
        try:
            active = training.train(before).model
            retrain = training.train(everything)
        finally:
            training.split = text_keyed
        seen = set(split(before)[0].texts)
        held = retrain.held_out
        overlap = sum(text in seen for text in held.texts)
        active_score = evaluate_model(active, held)["macro_f1"]
        print(
            f"{name:10s}: {overlap} of {len(held)} rows the gate holds back were in the active "
            f"model's training; macro-F1 there: active {active_score:.3f}, retrain "
            f"{retrain.metrics['macro_f1']:.3f}"
        )


if __name__ == "__main__":
    main()
