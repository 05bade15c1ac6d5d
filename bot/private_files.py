"""Files and folders only the desk's own user can read: 0600 and 0700, whatever the umask.

What the desk writes (the SQLite database, the model registry, learned training rows,
drafts, report exports) may hold what users typed; none of it is for other local users.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def private_folder(path: Path) -> Path:
    """Create ``path`` and its missing parents as 0700 folders; folders already there are left
    as they are (a user's own choice, or a shared one such as /tmp)."""
    missing: list[Path] = []
    folder = path.expanduser()
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        try:
            created.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:  # made by another process meanwhile: it is theirs to shape
            continue
        os.chmod(created, PRIVATE_FOLDER)  # mkdir's mode is cut by the umask
    return path


def private_empty_file(path: Path) -> Path:
    """Create ``path`` as an empty 0600 file (parents as :func:`private_folder`) unless it
    exists; an existing file is left as it is."""
    private_folder(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return path
    os.close(descriptor)
    return path


def tighten(path: Path) -> bool:
    """Take group and others' access from a file of ours made before the desk kept files
    private (an older release, or a copy made with the umask's mode); say whether it did."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return False
    if status.st_uid != os.getuid() or not status.st_mode & 0o077:
        return False
    os.chmod(path, status.st_mode & 0o700)
    return True


def _open_private(path: Path, exclusive: bool) -> int:
    private_folder(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    descriptor = os.open(path, flags, PRIVATE_FILE)
    os.chmod(path, PRIVATE_FILE)  # an existing file keeps its old mode through os.open
    return descriptor


@contextmanager
def private_file(
    path: Path, *, exclusive: bool = False, newline: str | None = None
) -> Iterator[TextIO]:
    """Open ``path`` to write UTF-8 text as a 0600 file, created or emptied (``exclusive``:
    it must be new, else FileExistsError); its missing folders are created 0700."""
    with open(_open_private(path, exclusive), "w", encoding="utf-8", newline=newline) as opened:
        yield opened


def write_private(path: Path, data: str | bytes, *, exclusive: bool = False) -> Path:
    """Write ``data`` to ``path`` as a 0600 file, its missing folders 0700; ``exclusive``
    refuses to replace an existing file (FileExistsError). Text is written as UTF-8, as is."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with open(_open_private(path, exclusive), "wb") as opened:
        opened.write(raw)
    return path
