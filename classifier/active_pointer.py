"""Which model version is active: a one-line file in the models folder, readable without
loading scikit-learn (a command may need to know before it decides what to load)."""

from __future__ import annotations

from pathlib import Path

ACTIVE = "ACTIVE"


def active_version(models_dir: Path) -> str | None:
    """The name of the active version in ``models_dir``, if one is set."""
    pointer = models_dir / ACTIVE
    if not pointer.is_file():
        return None
    return pointer.read_text(encoding="utf-8").strip() or None


def active_version_saved(models_dir: Path) -> bool:
    """Whether a version is active and its folder is there (whether it loads is for the
    registry to say: that needs scikit-learn)."""
    version = active_version(models_dir)
    return version is not None and (models_dir / version).is_dir()
