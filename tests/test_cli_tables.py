"""Tables printed into a pipe keep every id whole, and each has a --json twin to parse."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from classifier import DEFAULT_TRAINING_DATA
from tests.cli_in_process import triage
from tests.conftest import FIXTURE_ARTICLES

AGENT = "dana-with-a-rather-long-name-from-the-night-shift"


@pytest.fixture
def two_agents() -> None:
    for args in [
        ("agents", "add", AGENT, "--skills", "network,security,printing,hardware"),
        ("agents", "add", "sam", "--role", "supervisor", "--telegram-id", "123456789012"),
    ]:
        assert triage(*args).status == 0


def test_models_list_in_a_pipe_shows_whole_version_ids(
    trained_models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    version = (trained_models_dir / "ACTIVE").read_text().strip()
    outcome = triage("models", "list")
    assert outcome.status == 0, outcome.stderr
    [row] = [line for line in outcome.stdout.splitlines() if version in line]
    assert "*" in row and "…" not in outcome.stdout


def test_models_list_as_json(trained_models_dir: Path) -> None:
    version = (trained_models_dir / "ACTIVE").read_text().strip()
    listed = json.loads(triage("models", "list", "--json").stdout)
    assert listed["active"] == version
    assert [entry["version"] for entry in listed["versions"]] == [version]
    assert listed["versions"][0]["active"] is True
    assert "network" in listed["versions"][0]["labels"]


def test_agents_list_in_a_pipe_keeps_names_and_words_whole(
    two_agents: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    outcome = triage("agents", "list")
    assert outcome.status == 0, outcome.stderr
    [dana] = [line for line in outcome.stdout.splitlines() if AGENT in line]
    assert "homeworker" in dana and "hardware, network, printing, security" in dana
    [sam] = [line for line in outcome.stdout.splitlines() if "sam" in line]
    assert "supervisor" in sam and "123456789012" in sam


def test_agents_list_as_json(two_agents: None) -> None:
    listed = json.loads(triage("agents", "list", "--json").stdout)
    assert [(agent["name"], agent["role"]) for agent in listed] == [
        (AGENT, "homeworker"),
        ("sam", "supervisor"),
    ]
    assert listed[0]["skills"] == ["hardware", "network", "printing", "security"]
    assert (listed[0]["load"], listed[0]["capacity"], listed[0]["on_shift"]) == (0, 3, False)
    assert listed[1]["telegram_id"] == "123456789012"


def test_an_empty_register_as_json_is_an_empty_list() -> None:
    assert json.loads(triage("agents", "list", "--json").stdout) == []


def test_kb_search_in_a_pipe_and_as_json() -> None:
    asked = ("kb", "search", "my vpn will not connect from home", "--dir", str(FIXTURE_ARTICLES))
    table = triage(*asked)
    assert table.status == 0, table.stderr
    found = json.loads(triage(*asked, "--json").stdout)
    best = found["matches"][0]
    assert best["id"] in table.stdout and best["answers"] is True
    assert best["score"] >= found["min_score"] > 0
    assert [match["category"] for match in found["matches"]][:1] == ["network"]


def test_train_as_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    models = tmp_path / "models"
    monkeypatch.setenv("TRIAGE_MODELS_DIR", str(models))
    with DEFAULT_TRAINING_DATA.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    taken: dict[str, int] = {}
    with (tmp_path / "small.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        for row in rows:
            taken[row["category"]] = taken.get(row["category"], 0) + 1
            if taken[row["category"]] <= 30:
                writer.writerow([row["text"], row["category"]])
    outcome = triage("train", "--data", str(tmp_path / "small.csv"), "--json")
    assert outcome.status == 0, outcome.stderr
    trained = json.loads(outcome.stdout)
    assert trained["activated"] is True
    assert (models / "ACTIVE").read_text().strip() == trained["model"]
    assert trained["rows"] == trained["held_out"] > 0
    assert set(trained["per_class"]) == set(taken)
