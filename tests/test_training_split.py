"""The training / held-back split is decided by each row's text, so a retrain's quality gate
never scores the active model on rows it was trained on."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from classifier import DEFAULT_TRAINING_DATA
from classifier.dataset import Dataset, read_dataset
from classifier.training import HELD_OUT_SHARE, split, subset


def _rows(rows: list[tuple[str, str]]) -> Dataset:
    return Dataset(
        texts=tuple(text for text, _ in rows),
        labels=tuple(label for _, label in rows),
        escalate=None,
        priority=None,
        sha256="",
        source="rows.csv",
    )


def _first(data: Dataset, count: int) -> Dataset:
    return subset(data, np.arange(count))


def test_rows_learnt_later_move_no_row_between_the_parts() -> None:
    data = read_dataset(DEFAULT_TRAINING_DATA)
    before, after = _first(data, len(data) - 60), data
    fit_before, held_before = split(before)
    fit_after, held_after = split(after)
    # The gate scores the active model (fitted on fit_before) on held_after: none of it seen.
    assert not set(fit_before.texts) & set(held_after.texts)
    assert set(fit_before.texts) <= set(fit_after.texts)
    assert set(held_before.texts) <= set(held_after.texts)
    assert 0.17 < len(held_after) / len(after) < 0.23  # about HELD_OUT_SHARE
    assert set(held_after.labels) == set(after.labels)


def test_a_relabelled_row_stays_on_its_side_and_moves_no_other() -> None:
    data = _first(read_dataset(DEFAULT_TRAINING_DATA), 400)
    fit_part, held = split(data)
    assert {"account", "email"} <= set(held.labels)
    row = data.texts.index(held.texts[held.labels.index("account")])
    relabelled = replace(data, labels=(*data.labels[:row], "email", *data.labels[row + 1 :]))
    fit_again, held_again = split(relabelled)
    assert fit_again.texts == fit_part.texts and held_again.texts == held.texts
    assert relabelled.labels[row] == "email" and data.texts[row] in held_again.texts


def test_case_and_spacing_do_not_move_a_row() -> None:
    rows = [(f"printer {n} is jammed", "printing") for n in range(40)]
    shouted = [(f"  PRINTER {n}   is JAMMED ", "printing") for n in range(40)]
    assert [text.lower().split() for text in split(_rows(rows))[1].texts] == [
        text.lower().split() for text in split(_rows(shouted))[1].texts
    ]


@given(
    st.lists(
        st.tuples(st.text(min_size=1, max_size=30), st.sampled_from(["a", "b", "c"])),
        min_size=2,
        max_size=60,
    )
)
def test_every_label_keeps_a_row_to_fit_on_and_some_row_is_held_back(
    rows: list[tuple[str, str]],
) -> None:
    data = _rows(rows)
    fit_part, held = split(data)
    assert sorted(fit_part.texts + held.texts) == sorted(data.texts)
    assert len(held) >= 1
    # Every label keeps a row to fit on, unless every label has one row and one must go.
    if len(set(data.labels)) < len(data):
        assert set(fit_part.labels) == set(data.labels)
    if len(data) >= 200:
        assert len(held) / len(data) < 2 * HELD_OUT_SHARE
