"""The classifier's admin commands, as an admin types them."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from classifier import DEFAULT_TRAINING_DATA
from classifier.dataset import read_dataset


def _write_csv(path: Path, rows: list[dict[str, str]], columns: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows({key: row[key] for key in columns} for row in rows)
    return path


def _sample(per_category: int) -> list[dict[str, str]]:
    with DEFAULT_TRAINING_DATA.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    taken: dict[str, int] = {}
    sample = []
    for row in rows:
        if taken.get(row["category"], 0) < per_category:
            taken[row["category"]] = taken.get(row["category"], 0) + 1
            sample.append(row)
    return sample


@pytest.fixture
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "empty-models"
    monkeypatch.setenv("TRIAGE_MODELS_DIR", str(folder))
    return folder


def _versions(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.exists() else []


def test_an_admin_export_trains_evaluates_and_classifies(
    run_triage, models_dir: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    export = [{"Summary": row["text"], "Queue": row["category"]} for row in _sample(40)]
    data = _write_csv(tmp_path / "tickets.csv", export, ["Summary", "Queue"])
    trained = run_triage(
        "train", "--data", str(data), "--text-col", "Summary", "--label-col", "Queue"
    )
    assert trained.returncode == 0, trained.stderr
    held_back = re.search(r"Validation on (\d+) held-back rows", trained.stdout)
    assert held_back is not None and 48 <= int(held_back.group(1)) <= 80  # about a fifth of 320
    assert "Per class" in trained.stdout
    assert "activated: no model was active yet" in trained.stdout
    [version] = _versions(models_dir)

    evaluated = run_triage(
        "evaluate", "--data", str(data), "--text-col", "Summary", "--label-col", "Queue", "--json"
    )
    figures = json.loads(evaluated.stdout)
    assert figures["model"] == version
    assert figures["rows"] == 320
    assert 0.5 < figures["accuracy"] <= 1.0
    assert set(figures["per_class"]) == {row["Queue"] for row in export}

    strangers = _write_csv(
        tmp_path / "strangers.csv",
        [{"Summary": "book a table for two", "Queue": "restaurant"}] * 2
        + [{"Summary": "what is the weather", "Queue": "weather"}],
        ["Summary", "Queue"],
    )
    unrelated = run_triage(
        "evaluate", "--data", str(strangers), "--text-col", "Summary", "--label-col", "Queue"
    )
    assert unrelated.returncode != 0
    [line] = unrelated.stderr.strip().splitlines()
    assert "(restaurant, weather) share nothing with the model's (account, " in line

    verdict = json.loads(run_triage("classify", "my printer is jammed again", "--json").stdout)
    assert verdict["category"] == "printing"
    assert verdict["model_version"] == version


def test_a_worse_model_or_other_labels_are_saved_but_not_activated(
    run_triage, models_dir: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    columns = ["text", "category"]
    good = _write_csv(tmp_path / "good.csv", _sample(40), columns)
    assert run_triage("train", "--data", str(good)).returncode == 0
    [active] = _versions(models_dir)

    worse = _write_csv(tmp_path / "worse.csv", _sample(6), columns)
    result = run_triage("train", "--data", str(worse))
    assert result.returncode == 0, result.stderr
    assert "saved, not activated" in result.stdout
    assert (models_dir / "ACTIVE").read_text().strip() == active

    other = [row | {"category": "it"} if row["category"] == "email" else row for row in _sample(40)]
    relabelled = _write_csv(tmp_path / "other.csv", other, columns)
    result = run_triage("train", "--data", str(relabelled))
    assert f"against the active model {active}, it lacks email and adds it" in result.stdout
    assert (models_dir / "ACTIVE").read_text().strip() == active

    forced = run_triage("train", "--data", str(relabelled), "--force")
    assert "activated with --force" in forced.stdout
    assert (models_dir / "ACTIVE").read_text().strip() != active
    assert len(_versions(models_dir)) == 4

    def _labels(version: str) -> list[str]:
        return json.loads((models_dir / version / "manifest.json").read_text())["labels"]  # type: ignore[no-any-return]

    listed = run_triage("models", "list")
    assert listed.stdout.count("2026") >= 4 or listed.stdout.count("20") >= 4
    assert "rolled back" in run_triage("models", "rollback").stdout
    assert (models_dir / "ACTIVE").read_text().strip() == active
    shown = json.loads(run_triage("models", "show").stdout)
    assert shown["version"] == active
    assert 0 < shown["thresholds"]["escalate"] < 1
    assert shown["features"] == "tfidf+minilm"
    listed_json = json.loads(run_triage("models", "list", "--json").stdout)
    assert {row["features"] for row in listed_json["versions"]} == {"tfidf+minilm"}
    assert run_triage("models", "activate", "no-such-version").returncode == 2

    other_labels = next(v for v in _versions(models_dir) if _labels(v) != _labels(active))
    refused = run_triage("models", "activate", other_labels)
    assert refused.returncode != 0
    assert f"model {other_labels} lacks email and adds it; use --force" in refused.stderr
    assert (models_dir / "ACTIVE").read_text().strip() == active
    assert run_triage("models", "activate", other_labels, "--force").returncode == 0
    assert (models_dir / "ACTIVE").read_text().strip() == other_labels


BAD_FILES = [
    (b"", "is empty"),
    (b"text,category\n", "has no rows with both a 'text' and a 'category'"),
    (b"words,category\nhello,account\nbye,email\n", "has no column 'text'"),
    ("text,category\nmot de passe oubli\xe9,account\n".encode("latin-1"), "is not UTF-8"),
    (b"text,category\na,account\nb,account\nc,account\n", "has a single class ('account')"),
    (b"text,category,escalate\na,account,maybe\nb,email,0\n", "escalate must be 0 or 1"),
    (b'text,category\n"' + b"a" * 200_000 + b'",account\nb,email\n', "not a readable CSV"),
]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
def test_bad_files_get_one_line_and_change_nothing(
    run_triage, models_dir: Path, tmp_path: Path, content: bytes, message: str
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "bad.csv"
    data.write_bytes(content)
    for command in (["train", "--data", str(data)], ["evaluate", "--data", str(data)]):
        result = run_triage(*command)
        assert result.returncode == 2
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("triage: ") and message in line
    assert _versions(models_dir) == []


def test_a_missing_file_is_one_line(run_triage, models_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_triage("train", "--data", "/no/such.csv")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("triage: cannot read /no/such.csv")


def test_out_of_scope_rows_train_the_threshold(
    run_triage, models_dir: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    rows = [{"text": r["text"], "label": r["category"]} for r in _sample(40)]
    rows += [
        {"text": t, "label": "oos"}
        for t in (
            "what's the weather tomorrow",
            "book me a table for two",
            "tell me a joke",
            "how tall is mount everest",
            "what's 15% of 80",
            "play some jazz",
            "who won the match last night",
            "translate hello into french",
            "set a timer for 5 minutes",
            "how many calories in an apple",
            "what time is it in tokyo",
            "recommend a good film",
        )
    ]
    data = _write_csv(tmp_path / "with-oos.csv", rows, ["text", "label"])
    assert run_triage("train", "--data", str(data), "--oos-label", "oos").returncode == 0
    figures = json.loads(run_triage("evaluate", "--data", str(data), "--json").stdout)
    assert "oos" not in figures["per_class"] or figures["per_class"]["oos"]["precision"] == 0
    assert 0 <= figures["out_of_scope_recall"] <= 1
    assert 0.5 <= figures["in_scope_accuracy"] <= 1


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
def test_bad_files_leave_an_active_model_untouched(
    run_triage, trained_models_dir: Path, tmp_path: Path, content: bytes, message: str
) -> None:  # type: ignore[no-untyped-def]
    registry = shutil.copytree(trained_models_dir, tmp_path / "models")
    before = _snapshot(registry)
    data = tmp_path / "bad.csv"
    data.write_bytes(content)
    result = run_triage(
        "train", "--data", str(data), "--force", env={"TRIAGE_MODELS_DIR": str(registry)}
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert message in line
    assert _snapshot(registry) == before


def test_classify_on_a_fresh_install_trains_the_default_model_first(
    run_triage, models_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    result = run_triage(
        "classify", "the whole 2nd floor has no network since the power cut", "--json"
    )
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    [version] = _versions(models_dir)
    assert (models_dir / "ACTIVE").read_text().strip() == version
    assert verdict["signal"] == "model"
    assert verdict["model_version"] == version
    assert verdict["category"] == "network"
    assert verdict["escalate"] is True
    assert verdict["priority"] in ("P1", "P2")


def test_line_breaks_inside_a_text_stay_in_that_text(tmp_path: Path) -> None:
    rows = [{"text": r["text"], "category": r["category"]} for r in _sample(3)]
    rows[0]["text"] += "\u2028second paragraph, pasted from Word"
    rows[1]["text"] += "\nwith a line break"
    data = read_dataset(_write_csv(tmp_path / "export.csv", rows, ["text", "category"]))
    assert data.texts == tuple(row["text"] for row in rows)
    assert data.labels == tuple(row["category"] for row in rows)


def _break_artifact(registry: Path, version: str, content: bytes, *, rehash: bool) -> None:
    """Overwrite a version's artifact; with ``rehash``, its manifest's sha256 follows."""
    (registry / version / "model.joblib").write_bytes(content)
    if rehash:
        manifest = json.loads((registry / version / "manifest.json").read_text())
        manifest["artifact_sha256"] = hashlib.sha256(content).hexdigest()
        (registry / version / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("content", [b"", os.urandom(4096)], ids=["empty", "random bytes"])
def test_a_chat_on_an_unreadable_model_still_hands_the_user_to_a_person(
    run_triage, trained_models_dir: Path, tmp_path: Path, content: bytes
) -> None:  # type: ignore[no-untyped-def]
    registry = shutil.copytree(trained_models_dir, tmp_path / "models")
    _break_artifact(registry, (registry / "ACTIVE").read_text().strip(), content, rehash=True)
    result = run_triage(
        "chat",
        "--user",
        "alice",
        stdin="my outlook will not open\n",
        env={"TRIAGE_MODELS_DIR": str(registry)},
    )
    assert result.returncode == 0, result.stderr
    assert "T-1001" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert "Aborted" not in result.stdout + result.stderr


def _two_versions(run_triage, trained_models_dir: Path, tmp_path: Path) -> tuple[Path, str, str]:  # type: ignore[no-untyped-def]
    """A registry with the trained version and a copy of it, the copy active."""
    registry = shutil.copytree(trained_models_dir, tmp_path / "models")
    first = (registry / "ACTIVE").read_text().strip()
    second = "20991231-000000-copy"
    shutil.copytree(registry / first, registry / second)
    manifest = json.loads((registry / second / "manifest.json").read_text())
    (registry / second / "manifest.json").write_text(json.dumps({**manifest, "version": second}))
    env = {"TRIAGE_MODELS_DIR": str(registry)}
    assert run_triage("models", "activate", second, env=env).returncode == 0
    return registry, first, second


def test_activate_and_rollback_refuse_a_corrupted_version_in_one_line(
    run_triage, trained_models_dir: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    registry, first, second = _two_versions(run_triage, trained_models_dir, tmp_path)
    env = {"TRIAGE_MODELS_DIR": str(registry)}
    _break_artifact(registry, first, b"corrupted", rehash=False)
    for command in (["models", "activate", first], ["models", "rollback"]):
        result = run_triage(*command, env=env)
        assert result.returncode != 0
        [line] = result.stderr.strip().splitlines()
        assert "does not match its manifest's sha256" in line
        assert (registry / "ACTIVE").read_text().strip() == second


def test_activate_refuses_a_version_folder_linked_from_outside(
    run_triage, trained_models_dir: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    registry = shutil.copytree(trained_models_dir, tmp_path / "models")
    active = (registry / "ACTIVE").read_text().strip()
    shutil.copytree(registry / active, tmp_path / "outside")
    (registry / "20991231-000000-link").symlink_to(tmp_path / "outside")
    result = run_triage(
        "models", "activate", "20991231-000000-link", env={"TRIAGE_MODELS_DIR": str(registry)}
    )
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert "lies outside" in line
    assert (registry / "ACTIVE").read_text().strip() == active
