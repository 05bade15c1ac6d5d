"""The model registry: one folder per version, a manifest each, and a pointer to the active one.

    TRIAGE_MODELS_DIR/            by default in the user data folder (bot/settings.py)
      ACTIVE                      the active version's name, replaced atomically
      HISTORY                     every activation, oldest first (for rollback)
      20261123-101500-1a2b3c/
        model.joblib
        manifest.json             version, created, libraries, training data, labels,
                                  thresholds, validation metrics, artifact sha256

joblib runs code when it loads: whoever can write this folder can run code as the desk. So
the folder is created 0700 and its files 0600, and every path that uses a version (load,
activate, rollback) first checks, before anything is unpickled, that its folder is a real
folder inside the registry (no symlink out of it), that nothing in it is writable by other
users, that the artifact's sha256 matches the manifest, and that the manifest's scikit-learn
is this install's (and its numpy and joblib the same major versions).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import stat
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy
import sklearn

from classifier.active_pointer import ACTIVE, active_version
from classifier.errors import ModelRefused
from classifier.model import TriageModel, canonical_features

ARTIFACT = "model.joblib"
MANIFEST = "manifest.json"
HISTORY = "HISTORY"
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
# A pickle is read back only by the scikit-learn that wrote it; numpy and joblib keep their
# pickles readable within a major version, so a patch or minor upgrade does not retire a model.
PICKLE_LIBRARIES = {"scikit-learn": 3, "numpy": 1, "joblib": 1}  # version parts that must match
WRITABLE_BY_OTHERS = stat.S_IWGRP | stat.S_IWOTH


def _leading(version: str | None, parts: int) -> list[str]:
    """The first ``parts`` dot-separated parts of a version (``2.1.3``, 1 → ``['2']``)."""
    return (version or "").split(".")[:parts]


def library_versions() -> dict[str, str]:
    """The versions a model's behaviour depends on, with the sentence encoder's runtime."""
    versions = {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "joblib": joblib.__version__,
    }
    for optional in ("onnxruntime", "tokenizers"):
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


def private_folder(path: Path) -> None:
    """Create ``path`` (and its parents) if missing, and make it 0700 whatever the umask."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, PRIVATE_FOLDER)


def _new_private_file(path: Path) -> int:
    """A descriptor on ``path``, created 0600 (it must not exist yet)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    os.fchmod(descriptor, PRIVATE_FILE)
    return descriptor


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
    features: str = "?"  # what the model reads (``TriageModel.features``); "?" if saved before

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
        """Every saved version with a readable manifest, oldest first (symlinks left out)."""
        if not self.root.is_dir():
            return []
        manifests = []
        for folder in sorted(self.root.iterdir()):
            if not folder.is_symlink() and (folder / MANIFEST).is_file():
                try:
                    manifests.append(Manifest.read(folder / MANIFEST))
                except (ValueError, TypeError, KeyError):
                    continue
        return manifests

    def active_version(self) -> str | None:
        """The name of the active version, if one is set."""
        return active_version(self.root)

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
        private_folder(self.root)
        stamp = created.strftime("%Y%m%d-%H%M%S")
        version = f"{stamp}-{training_data.get('sha256', '')[:6] or 'data'}"
        suffix = 1
        while self._folder(version).exists():
            suffix += 1
            version = f"{stamp}-{training_data.get('sha256', '')[:6]}-{suffix}"
        folder = self._folder(version)
        folder.mkdir(mode=PRIVATE_FOLDER)
        os.chmod(folder, PRIVATE_FOLDER)
        with os.fdopen(_new_private_file(folder / ARTIFACT), "wb") as artifact:
            joblib.dump(model, artifact, compress=3)
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
            thresholds={
                "out_of_scope": float(model.out_of_scope_threshold),
                "escalate": float(model.escalate_threshold),
            },
            metrics=metrics,
            artifact_sha256=file_sha256(folder / ARTIFACT),
            heads=heads,
            features=canonical_features(model.features),
        )
        with os.fdopen(_new_private_file(folder / MANIFEST), "w", encoding="utf-8") as file:
            file.write(json.dumps(asdict(manifest), indent=2))
        return manifest

    def activate(self, version: str) -> Manifest:
        """Make a saved version the active one, once it passes every check ``load`` makes
        before unpickling; a refused version leaves the active one as it was."""
        manifest = self.verified(version)
        write_atomically(self.root / ACTIVE, version + "\n")
        descriptor = os.open(
            self.root / HISTORY, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE
        )
        with os.fdopen(descriptor, "a", encoding="utf-8") as history:
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
        manifest = self.verified(version)
        try:
            model = joblib.load(self._folder(version) / ARTIFACT)
        except Exception as error:  # a 0-byte, truncated or foreign file: any error at all
            raise ModelRefused(
                f"model {version!r} cannot be read ({type(error).__name__}); "
                "retrain it with `triage train`"
            ) from None
        if not isinstance(model, TriageModel):
            raise ModelRefused(f"model {version!r} is not a triage model")
        return model, manifest

    def verified(self, version: str) -> Manifest:
        """The manifest of a version that passes every check made before unpickling it."""
        manifest = self.manifest(version)
        folder = self._folder(version)
        artifact = folder / ARTIFACT
        if artifact.is_symlink() or (folder / MANIFEST).is_symlink():
            raise ModelRefused(f"model {version!r} lies outside {self.root}; refusing it")
        if not artifact.is_file():
            raise ModelRefused(f"model {version!r} has no {ARTIFACT}")
        for path in (self.root, folder, folder / MANIFEST, artifact):
            if path.stat().st_mode & WRITABLE_BY_OTHERS:
                raise ModelRefused(
                    f"model {version!r}: {path} is writable by other users; refusing to load it "
                    f"(chmod go-w it, or retrain with `triage train`)"
                )
        if file_sha256(artifact) != manifest.artifact_sha256:
            raise ModelRefused(
                f"model {version!r} does not match its manifest's sha256; refusing to load it"
            )
        installed = library_versions()
        for library, parts in PICKLE_LIBRARIES.items():
            trained_with = manifest.libraries.get(library)
            if _leading(trained_with, parts) != _leading(installed[library], parts):
                raise ModelRefused(
                    f"model {version!r} was trained with {library} {trained_with}, this install "
                    f"has {installed[library]}; retrain it with `triage train`"
                )
        return manifest

    def _folder(self, version: str) -> Path:
        """A version's folder; refused if its name is not a plain name, or if it is a
        symlink or otherwise resolves outside the registry."""
        if not version or "/" in version or "\\" in version or version.startswith("."):
            raise ModelRefused(f"{version!r} is not a model version name")
        folder = self.root / version
        if folder.is_symlink() or (
            folder.exists() and folder.resolve().parent != self.root.resolve()
        ):
            raise ModelRefused(f"model {version!r} lies outside {self.root}; refusing it")
        return folder
