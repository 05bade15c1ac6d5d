"""Masking recall and precision on the tables in tests/fixtures/secrets (issue 12, point 2)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.benchmarks.bench_masking import Scores, benign_messages, score, secret_rows

# What the masking reaches today (tests/benchmarks/bench_masking.py prints the figures).
RECALL_FLOOR = 0.99
BENIGN_UNCHANGED_FLOOR = 0.98


@pytest.fixture(scope="module")
def scores() -> Scores:
    return score()


def test_the_tables_are_as_large_and_varied_as_the_issue_asks() -> None:
    rows = secret_rows()
    languages = Counter(row.language for row in rows)
    assert len(rows) >= 400
    assert len([language for language, count in languages.items() if count >= 40]) >= 5
    assert len(benign_messages()) >= 200
    assert all(secret and secret in row.message for row in rows for secret in row.secrets)


def test_at_least_99_percent_of_secrets_disappear(scores: Scores) -> None:
    misses = [masked for _, masked in scores.misses]
    assert scores.recall >= RECALL_FLOOR, misses


def test_benign_it_text_comes_out_unchanged(scores: Scores) -> None:
    assert scores.benign_unchanged >= BENIGN_UNCHANGED_FLOOR, scores.changed


@pytest.mark.parametrize(
    "kind",
    [
        "password",
        "code",
        "pin",
        "cvv",
        "card_number",
        "iban",
        "phone_number",
        "api_key",
        "private_key",
        "bitlocker_key",
        "wifi_key",
        "bank_account",
        "email",
        "id_number",
    ],
)
def test_every_kind_is_mostly_hidden(scores: Scores, kind: str) -> None:
    hidden, total = scores.by_kind[kind]
    assert hidden / total >= 0.95, (kind, hidden, total)
