"""Folders a live process works in, told apart from those a dead one left behind.

A scan job's sealed uploads wait in a folder of their own (``jobs/<id>/``) under a key
only the process that received them holds. With several server processes, one starting
(or restarted after a crash) must shred what dead processes left, and nothing of a
job another live process is still receiving or running. So the process working in a
folder holds an ``flock`` on it for as long as it does; the kernel drops the lock when
the process dies, whatever the way. A folder nobody holds was left behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from likeness.errors import StoreError

_OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


class HeldFolder:
    """A new folder, locked by this process until ``release``."""

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, mode=0o700)  # a fresh name: never one left behind
        fd = os.open(path, _OPEN_FOLDER)
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits while a sweep looks at it
        try:
            ours = path.stat().st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            ours = False
        if not ours:  # a sweep took it between mkdir and the lock, and removed it
            os.close(fd)
            raise StoreError(
                f"the folder {path} was removed while it was being made",
                hint="another server process was starting; try again",
            )
        self.path = path
        self._fd: int | None = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


@contextmanager
def left_behind(path: Path) -> Iterator[bool]:
    """Whether no live process holds the folder ``path``; while the block runs, a
    folder left behind is locked for the caller (to remove it)."""
    try:
        fd = os.open(path, _OPEN_FOLDER)
    except NotADirectoryError:
        yield True  # not a folder a process works in
        return
    except FileNotFoundError:
        yield False  # gone already
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
