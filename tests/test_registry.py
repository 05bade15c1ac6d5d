"""The model registry: versions, the active pointer, rollback, and refusing unsafe models."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from classifier.errors import ModelRefused
from classifier.registry import ACTIVE, ARTIFACT, MANIFEST, ModelRegistry


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
