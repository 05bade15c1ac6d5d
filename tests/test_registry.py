"""The model registry: versions, the active pointer, rollback, and refusing unsafe models."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import joblib
import pytest

from classifier.errors import ModelRefused
from classifier.registry import (
    ACTIVE,
    ARTIFACT,
    HISTORY,
    MANIFEST,
    Manifest,
    ModelRegistry,
    file_sha256,
)


@pytest.fixture
def registry(trained_models_dir: Path, tmp_path: Path) -> ModelRegistry:
    """A private copy of the session's trained registry."""
    copy = tmp_path / "models"
    shutil.copytree(trained_models_dir, copy)
    return ModelRegistry(copy)


def test_a_manifest_says_everything_about_its_model(registry: ModelRegistry) -> None:
    manifest = registry.manifest(registry.active_version() or "")
    on_disk = json.loads((registry.root / manifest.version / MANIFEST).read_text())
    for key in (
        "version",
        "created",
        "libraries",
        "training_data",
        "labels",
        "thresholds",
        "metrics",
        "artifact_sha256",
    ):
        assert key in on_disk
    assert on_disk["training_data"]["rows"] >= 2500
    assert len(on_disk["training_data"]["sha256"]) == 64
    assert set(on_disk["libraries"]) >= {"python", "scikit-learn", "numpy", "joblib"}
    assert 0 < on_disk["thresholds"]["out_of_scope"] < 1
    assert on_disk["heads"] == ["category", "escalate", "priority"]


def test_a_tampered_artifact_is_refused(registry: ModelRegistry) -> None:
    version = registry.active_version() or ""
    with (registry.root / version / ARTIFACT).open("ab") as artifact:
        artifact.write(b"tampered")
    with pytest.raises(ModelRefused, match="does not match its manifest's sha256"):
        registry.load()


def test_a_model_from_another_scikit_learn_is_refused(registry: ModelRegistry) -> None:
    version = registry.active_version() or ""
    path = registry.root / version / MANIFEST
    manifest = json.loads(path.read_text())
    manifest["libraries"]["scikit-learn"] = "0.24.0"
    path.write_text(json.dumps(manifest))
    with pytest.raises(ModelRefused, match=r"trained with scikit-learn 0\.24\.0"):
        registry.load()


def test_no_active_model_and_unknown_versions_are_refused(tmp_path: Path) -> None:
    empty = ModelRegistry(tmp_path / "nothing")
    with pytest.raises(ModelRefused, match="no active model"):
        empty.load()
    with pytest.raises(ModelRefused, match="no model version 'v9'"):
        empty.load("v9")
    with pytest.raises(ModelRefused, match="is not a model version name"):
        empty.load("../../etc")


def test_activate_and_roll_back(registry: ModelRegistry) -> None:
    first = registry.active_version() or ""
    model, _ = registry.load(first)
    second = registry.save(model, {"sha256": "f" * 64, "rows": 1}, {"score": 0.5})
    assert registry.active_version() == first  # saving does not activate
    registry.activate(second.version)
    assert (registry.root / ACTIVE).read_text().strip() == second.version
    assert registry.rollback().version == first
    assert registry.active_version() == first
    assert [m.version for m in registry.versions()] == sorted([first, second.version])


def test_a_crash_while_activating_leaves_the_old_pointer_whole(
    registry: ModelRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = registry.active_version() or ""
    model, _ = registry.load(first)
    second = registry.save(model, {"sha256": "e" * 64, "rows": 1}, {"score": 0.5})

    def crash(source: object, target: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr("classifier.registry.os.replace", crash)
    with pytest.raises(OSError, match="power cut"):
        registry.activate(second.version)
    monkeypatch.undo()
    assert (registry.root / ACTIVE).read_text() == first + "\n"
    assert registry.load()[1].version == first
    assert [p.name for p in registry.root.iterdir() if p.name.startswith(".")] == []


def test_activating_replaces_the_pointer_in_one_step(
    registry: ModelRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = registry.active_version() or ""
    model, _ = registry.load(first)
    second = registry.save(model, {"sha256": "d" * 64, "rows": 1}, {"score": 0.5})
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def watched(source: str, target: str) -> None:
        assert Path(source).parent == registry.root  # the same folder: a rename, not a copy
        assert Path(source).read_text() == second.version + "\n"  # written before the switch
        replaced.append((Path(source).name, Path(target).name))
        real_replace(source, target)

    monkeypatch.setattr("classifier.registry.os.replace", watched)
    registry.activate(second.version)
    assert [target for _, target in replaced] == [ACTIVE]
    assert registry.active_version() == second.version


class _RunsCode:
    """A pickle that, when loaded, creates the file it names: what a tampered artifact does."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (str(self.marker),))  # type: ignore[return-value]


def _plant_code_with_updated_manifest(folder: Path, marker: Path) -> None:
    """Replace a version's artifact with one that runs code, and update its sha256 to match."""
    (folder / ARTIFACT).unlink()
    joblib.dump(_RunsCode(marker), folder / ARTIFACT)
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["artifact_sha256"] = file_sha256(folder / ARTIFACT)
    (folder / MANIFEST).write_text(json.dumps(manifest))


def test_the_registry_is_private_whatever_the_umask(registry: ModelRegistry) -> None:
    model, _ = registry.load()
    previous = os.umask(0)
    try:
        saved = registry.save(model, {"sha256": "c" * 64, "rows": 1}, {"score": 0.5})
        registry.activate(saved.version)
    finally:
        os.umask(previous)
    folder = registry.root / saved.version
    modes = {
        path.name: stat.S_IMODE(path.stat().st_mode)
        for path in (registry.root, folder, folder / ARTIFACT, folder / MANIFEST)
    }
    modes |= {
        name: stat.S_IMODE((registry.root / name).stat().st_mode) for name in (ACTIVE, HISTORY)
    }
    assert modes == {
        registry.root.name: 0o700,
        saved.version: 0o700,
        ARTIFACT: 0o600,
        MANIFEST: 0o600,
        ACTIVE: 0o600,
        HISTORY: 0o600,
    }


def test_code_planted_by_another_user_is_refused_before_it_runs(
    registry: ModelRegistry, tmp_path: Path
) -> None:
    version = registry.active_version() or ""
    folder = registry.root / version
    marker = tmp_path / "code-ran"
    os.chmod(folder, 0o777)  # what another user needs to be able to plant a file there
    _plant_code_with_updated_manifest(folder, marker)
    with pytest.raises(ModelRefused, match="writable by other users"):
        registry.load()
    with pytest.raises(ModelRefused, match="writable by other users"):
        registry.activate(version)
    assert not marker.exists()


def test_a_version_folder_symlinked_from_outside_is_refused_on_every_path(
    registry: ModelRegistry, tmp_path: Path
) -> None:
    first = registry.active_version() or ""
    outside = tmp_path / "elsewhere"
    shutil.copytree(registry.root / first, outside)
    marker = tmp_path / "code-ran"
    _plant_code_with_updated_manifest(outside, marker)
    (registry.root / "20991231-000000-evil").symlink_to(outside, target_is_directory=True)
    for attempt in (
        lambda: registry.load("20991231-000000-evil"),
        lambda: registry.activate("20991231-000000-evil"),
    ):
        with pytest.raises(ModelRefused, match="lies outside"):
            attempt()
    assert not marker.exists()
    assert registry.active_version() == first
    assert [manifest.version for manifest in registry.versions()] == [first]


def test_a_symlinked_artifact_is_refused(registry: ModelRegistry, tmp_path: Path) -> None:
    folder = registry.root / (registry.active_version() or "")
    outside = tmp_path / "model.joblib"
    (folder / ARTIFACT).rename(outside)
    (folder / ARTIFACT).symlink_to(outside)
    with pytest.raises(ModelRefused, match="lies outside"):
        registry.load()


def test_activating_a_corrupted_version_leaves_the_active_one(registry: ModelRegistry) -> None:
    first = registry.active_version() or ""
    model, _ = registry.load(first)
    second = registry.save(model, {"sha256": "b" * 64, "rows": 1}, {"score": 0.5})
    with (registry.root / second.version / ARTIFACT).open("ab") as artifact:
        artifact.write(b"corrupted")
    history = (registry.root / HISTORY).read_text()
    with pytest.raises(ModelRefused, match="does not match its manifest's sha256"):
        registry.activate(second.version)
    assert registry.active_version() == first
    assert (registry.root / HISTORY).read_text() == history


def test_rolling_back_to_a_corrupted_version_leaves_the_active_one(
    registry: ModelRegistry,
) -> None:
    first = registry.active_version() or ""
    model, _ = registry.load(first)
    second = registry.save(model, {"sha256": "a" * 64, "rows": 1}, {"score": 0.5})
    registry.activate(second.version)
    (registry.root / first / ARTIFACT).write_bytes(b"")
    with pytest.raises(ModelRefused, match="does not match its manifest's sha256"):
        registry.rollback()
    assert registry.active_version() == second.version


@pytest.mark.parametrize("content", [b"", os.urandom(4096)], ids=["empty", "random bytes"])
def test_an_unreadable_artifact_with_a_matching_sha256_is_one_line(
    registry: ModelRegistry, content: bytes
) -> None:
    folder = registry.root / (registry.active_version() or "")
    (folder / ARTIFACT).write_bytes(content)
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["artifact_sha256"] = file_sha256(folder / ARTIFACT)
    (folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelRefused, match=r"cannot be read \(\w+\); retrain it"):
        registry.load()


def test_a_model_from_another_major_numpy_or_joblib_is_refused(registry: ModelRegistry) -> None:
    path = registry.root / (registry.active_version() or "") / MANIFEST
    for library in ("numpy", "joblib"):
        manifest = json.loads(path.read_text())
        original = manifest["libraries"][library]
        manifest["libraries"][library] = "0.1"
        path.write_text(json.dumps(manifest))
        with pytest.raises(ModelRefused, match=rf"trained with {library} 0\.1"):
            registry.load()
        manifest["libraries"][library] = original.split(".")[0] + ".0.0"  # same major: fine
        path.write_text(json.dumps(manifest))
        assert registry.load()
        manifest["libraries"][library] = original
        path.write_text(json.dumps(manifest))
    assert registry.load()


def test_a_manifest_saved_before_features_were_recorded_reads_as_unknown(tmp_path: Path) -> None:
    fields = {
        "version": "v1",
        "created": "2026-11-01T00:00:00+00:00",
        "libraries": {},
        "training_data": {},
        "labels": ["a", "b"],
        "thresholds": {},
        "metrics": {},
        "artifact_sha256": "0" * 64,
    }
    (tmp_path / "old.json").write_text(json.dumps(fields), encoding="utf-8")
    (tmp_path / "new.json").write_text(json.dumps(fields | {"features": "tfidf"}), encoding="utf-8")
    assert Manifest.read(tmp_path / "old.json").features == "?"
    assert Manifest.read(tmp_path / "new.json").features == "tfidf"
