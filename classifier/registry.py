"""The model registry: one folder per version, a manifest each, and a pointer to the active one.

    TRIAGE_MODELS_DIR/            by default in the user data folder (bot/settings.py)
      ACTIVE                      the active version's name, replaced atomically
      HISTORY                     every activation, oldest first (for rollback)
      20261123-101500-1a2b3c/
        model.joblib
        manifest.json             version, created, libraries, training data, labels,
                                  thresholds, validation metrics, artifact sha256

joblib runs code when it loads, so a model is loaded only from this folder, and only when
its sha256 matches the manifest and it was trained with this install's scikit-learn.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy
import sklearn

from classifier.errors import ModelRefused
from classifier.model import TriageModel

ARTIFACT = "model.joblib"
MANIFEST = "manifest.json"
ACTIVE = "ACTIVE"
HISTORY = "HISTORY"


def library_versions() -> dict[str, str]:
    """The versions a model's behaviour depends on (and the embedding libraries, if installed)."""
    versions = {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "joblib": joblib.__version__,
    }
    for optional in ("torch", "sentence-transformers"):
        try:
            versions[optional] = importlib.metadata.version(optional)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step: a reader sees the old file or the new one."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Manifest:
    """What is known about one saved model."""

    version: str
    created: str
    libraries: dict[str, str]
    training_data: dict[str, Any]
    labels: list[str]
    thresholds: dict[str, float]
    metrics: dict[str, Any]
    artifact_sha256: str
    heads: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """A manifest from its JSON file."""
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})


class ModelRegistry:
    """Saved model versions in a folder, and which one is active."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def versions(self) -> list[Manifest]:
        """Every saved version with a readable manifest, oldest first."""
        if not self.root.is_dir():
            return []
        manifests = []
        for folder in sorted(self.root.iterdir()):
            if (folder / MANIFEST).is_file():
                try:
                    manifests.append(Manifest.read(folder / MANIFEST))
                except (ValueError, TypeError, KeyError):
                    continue
        return manifests

    def active_version(self) -> str | None:
        """The name of the active version, if one is set."""
        pointer = self.root / ACTIVE
        if not pointer.is_file():
            return None
        return pointer.read_text(encoding="utf-8").strip() or None

    def manifest(self, version: str) -> Manifest:
        """The manifest of a saved version."""
        path = self._folder(version) / MANIFEST
        if not path.is_file():
            raise ModelRefused(f"no model version {version!r} in {self.root}")
        try:
            return Manifest.read(path)
        except (ValueError, TypeError, KeyError):
            raise ModelRefused(f"the manifest of model {version!r} is unreadable") from None

    def save(
        self,
        model: TriageModel,
        training_data: dict[str, Any],
        metrics: dict[str, Any],
        now: datetime | None = None,
    ) -> Manifest:
        """Write a new version (not activated) and return its manifest."""
        created = now or datetime.now(UTC)
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = created.strftime("%Y%m%d-%H%M%S")
        version = f"{stamp}-{training_data.get('sha256', '')[:6] or 'data'}"
        suffix = 1
        while self._folder(version).exists():
            suffix += 1
            version = f"{stamp}-{training_data.get('sha256', '')[:6]}-{suffix}"
        folder = self._folder(version)
        folder.mkdir()
        joblib.dump(model, folder / ARTIFACT, compress=3)
        heads = ["category"] + [
            name
            for name in ("escalate", "priority")
            if getattr(model, f"{name}_", None) is not None
        ]
        manifest = Manifest(
            version=version,
            created=created.isoformat(),
            libraries=library_versions(),
            training_data=training_data,
            labels=[str(label) for label in model.classes_],
            thresholds={"out_of_scope": float(model.out_of_scope_threshold)},
            metrics=metrics,
            artifact_sha256=file_sha256(folder / ARTIFACT),
            heads=heads,
        )
        (folder / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
        return manifest

    def activate(self, version: str) -> Manifest:
        """Make a saved version the active one."""
        manifest = self.manifest(version)
        write_atomically(self.root / ACTIVE, version + "\n")
        with (self.root / HISTORY).open("a", encoding="utf-8") as history:
            history.write(version + "\n")
        return manifest

    def rollback(self) -> Manifest:
        """Re-activate the version that was active before the current one."""
        current = self.active_version()
        history_file = self.root / HISTORY
        history = history_file.read_text(encoding="utf-8").split() if history_file.is_file() else []
        earlier = [version for version in history if version != current]
        if not earlier:
            raise ModelRefused("there is no earlier active version to roll back to")
        return self.activate(earlier[-1])

    def load(self, version: str | None = None) -> tuple[TriageModel, Manifest]:
        """A verified model: the active one unless ``version`` is given."""
        version = version or self.active_version()
        if version is None:
            raise ModelRefused(f"no active model in {self.root}; train one with `triage train`")
        manifest = self.manifest(version)
        artifact = self._folder(version) / ARTIFACT
        if not artifact.is_file():
            raise ModelRefused(f"model {version!r} has no {ARTIFACT}")
        if file_sha256(artifact) != manifest.artifact_sha256:
            raise ModelRefused(
                f"model {version!r} does not match its manifest's sha256; refusing to load it"
            )
        trained_with = manifest.libraries.get("scikit-learn")
        if trained_with != sklearn.__version__:
            raise ModelRefused(
                f"model {version!r} was trained with scikit-learn {trained_with}, this install has "
                f"{sklearn.__version__}; retrain it with `triage train`"
            )
        model = joblib.load(artifact)
        if not isinstance(model, TriageModel):
            raise ModelRefused(f"model {version!r} is not a triage model")
        return model, manifest

    def _folder(self, version: str) -> Path:
        if not version or "/" in version or "\\" in version or version.startswith("."):
            raise ModelRefused(f"{version!r} is not a model version name")
        return self.root / version
