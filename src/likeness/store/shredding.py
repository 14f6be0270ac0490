"""Overwriting files before deleting them, for data that must not survive erasure."""

from __future__ import annotations

import os
from pathlib import Path


def shred_file(path: Path) -> None:
    """Overwrite ``path`` with zeros, flush it to disk, then delete it."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.write(b"\0" * size)
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()


def shred_folder(folder: Path) -> None:
    """Shred every file directly in ``folder`` (the folder itself stays)."""
    if folder.exists():
        for path in folder.iterdir():
            if path.is_file():
                shred_file(path)
