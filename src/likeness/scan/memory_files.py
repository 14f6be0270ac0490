"""Media held in memory while it is recognised or scanned, yet readable by path.

The recognition pipeline reads files by path (PyAV, Pillow, dlib), and a Ray task in
another process of this machine reads the same path. An uploaded photo or film is
therefore written to an anonymous in-memory file (Linux ``memfd_create``: never on a
disk, gone when the process ends, even by a crash), and named by a symbolic link
``<root>/<pid>-<token>/<name>`` to ``/proc/<pid>/fd/<n>``: the link keeps the
upload's name and suffix (which say how to decode it) and holds no data. A link left
by a process that died points nowhere; ``sweep`` removes those folders at start-up.

Where ``memfd_create`` is missing (not Linux), the file is written in the folder and
overwritten with zeros when released: on disk, but only while it is worked on.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class MemoryFile:
    """One upload in memory; ``path`` reads it."""

    def __init__(self, folder: Path, name: str) -> None:
        self.path = folder / name
        self.size = 0
        if hasattr(os, "memfd_create"):
            self._fd = os.memfd_create(name)  # close-on-exec: children do not inherit it
            self.path.symlink_to(f"/proc/{os.getpid()}/fd/{self._fd}")
            self._in_memory = True
        else:  # pragma: no cover - Linux has memfd_create
            self._fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
            self._in_memory = False

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.size += len(data)

    def release(self) -> None:
        """Forget the bytes: the link goes, the memory is freed (or the file zeroed)."""
        if not self._in_memory:  # pragma: no cover - Linux has memfd_create
            os.lseek(self._fd, 0, os.SEEK_SET)
            os.write(self._fd, b"\0" * self.size)
            os.fsync(self._fd)
        self.path.unlink(missing_ok=True)
        os.close(self._fd)


class MemoryFolder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._files: list[MemoryFile] = []

    def add(self, name: str) -> MemoryFile:
        """A new in-memory file named ``name`` (a plain file name, no folders)."""
        if Path(name).name != name or name in ("", ".", ".."):
            raise ValueError(f"not a plain file name: {name!r}")
        held = MemoryFile(self.path, name)
        self._files.append(held)
        return held

    def release(self) -> None:
        for held in self._files:
            held.release()
        self._files.clear()
        shutil.rmtree(self.path, ignore_errors=True)


class MemoryFiles:
    def __init__(self, root: Path) -> None:
        self._root = root

    @contextmanager
    def folder(self) -> Iterator[MemoryFolder]:
        """A folder of in-memory files, all released when the block ends, however it ends."""
        self._root.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._root / f"{os.getpid()}-{secrets.token_hex(8)}"
        path.mkdir(mode=0o700)
        held = MemoryFolder(path)
        try:
            yield held
        finally:
            held.release()

    def sweep(self) -> int:
        """Remove the folders of processes that are gone (a crash); returns how many.
        Their links point nowhere: the memory died with the process."""
        if not self._root.is_dir():
            return 0
        removed = 0
        for folder in self._root.iterdir():
            pid = folder.name.partition("-")[0]
            if folder.is_dir() and not (pid.isdigit() and _running(int(pid))):
                for entry in folder.iterdir():
                    if not entry.is_symlink() and entry.is_file():  # pragma: no cover
                        _zero(entry)  # the fallback's file
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _zero(path: Path) -> None:  # pragma: no cover - only without memfd_create
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.write(b"\0" * size)
        handle.flush()
        os.fsync(handle.fileno())
