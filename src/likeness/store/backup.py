"""The backup file: one tar archive holding a data home's files and its database.

Layout (POSIX tar, uncompressed: the vault is sealed and does not compress)::

    home/...            the data home's files (secrets, vault, keys, home.json, ...)
    database.sqlite     every table's rows, as a plain SQLite file at the source's
                        schema revision (whatever store the home used)
    manifest.json       written last: format version, when, the source's dialect and
                        schema revision, rows per table, the log's size and signed
                        checkpoint, and the SHA-256 of every other member

Which files of a home go in (``home_files``): every regular file, except the home's
own SQLite database (it is ``database.sqlite``), hidden names (staging folders and
files being replaced), derived stores rebuilt on demand (``index/``, ``scan-cache/``),
transient ones (``jobs/``: uploads sealed with a key that lived only in the server's
memory; ``held/``: links to memory), and per-performer folders (``vault/<id>/``,
``keys/<id>/``) of performers not in the snapshot: erasure shreds those just after its
commit. Any other SQLite database in the home (a key store) is copied through SQLite's
online backup, a consistent snapshot, without its ``-wal``/``-shm`` companions.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, Any, Self

from sqlalchemy import select
from sqlalchemy.engine import Connection

from likeness.errors import (
    BackupDamagedError,
    BackupUnsupportedError,
    HomeAlreadyInitialisedError,
    HomeNotWritableError,
    InvalidInputError,
    TargetNotEmptyError,
)
from likeness.store.copy import copy_pages
from likeness.store.home import HomeLayout
from likeness.store.tables import performers

FORMAT = "likeness-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "database.sqlite"
HOME = "home"
FILE_MODE = 0o600
DIR_MODE = 0o700

# Top-level folders left out, and why (docs/backup.md).
LEFT_OUT = {
    "index": "derived from the vault, rebuilt on demand",
    "scan-cache": "derived, rebuilt on demand",
    "jobs": "queued uploads sealed with a key held only in the server's memory",
    "held": "links to uploads held in memory",
}
PER_PERFORMER = ("vault", "keys")  # folders holding one folder per performer
_PERFORMER_ID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")
_SQLITE_HEADER = b"SQLite format 3\x00"
_COMPANIONS = ("-wal", "-shm", "-journal")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Manifest:
    created_at: datetime
    likeness_version: str
    source_dialect: str
    schema_revision: str
    tables: Mapping[str, int]
    log_size: int
    checkpoint: str | None
    files: Mapping[str, str]  # member name -> SHA-256 (hex)
    left_out: tuple[str, ...] = ()
    master_key_in_backup: bool = True
    version: int = VERSION

    @property
    def log_origin(self) -> str | None:
        """The origin line of the signed checkpoint (the log's name)."""
        return None if self.checkpoint is None else self.checkpoint.split("\n", 1)[0]

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "likeness_version": self.likeness_version,
            "source_dialect": self.source_dialect,
            "schema_revision": self.schema_revision,
            "tables": dict(self.tables),
            "log": {"size": self.log_size, "checkpoint": self.checkpoint},
            "master_key_in_backup": self.master_key_in_backup,
            "left_out": list(self.left_out),
            "files": dict(sorted(self.files.items())),
        }
        return (json.dumps(data, indent=2) + "\n").encode()

    @classmethod
    def from_json(cls, raw: bytes, where: str) -> Manifest:
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise BackupDamagedError(f"{where}: the manifest is not JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupDamagedError(f"{where}: not a likeness backup (no {FORMAT} manifest)")
        if data.get("version") != VERSION:
            raise BackupUnsupportedError(
                f"{where}: backup format version {data.get('version')!r}; this version of "
                f"likeness reads version {VERSION}",
                hint="restore it with the version of likeness that wrote it",
            )
        try:
            return cls(
                created_at=datetime.fromisoformat(data["created_at"]),
                likeness_version=str(data["likeness_version"]),
                source_dialect=str(data["source_dialect"]),
                schema_revision=str(data["schema_revision"]),
                tables={str(k): int(v) for k, v in data["tables"].items()},
                log_size=int(data["log"]["size"]),
                checkpoint=_optional_str(data["log"]["checkpoint"]),
                files={str(k): str(v) for k, v in data["files"].items()},
                left_out=tuple(str(p) for p in data["left_out"]),
                master_key_in_backup=bool(data["master_key_in_backup"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BackupDamagedError(f"{where}: the manifest is malformed ({exc!r})") from None


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


# -- what a backup holds of the home -------------------------------------------------


@dataclass(frozen=True)
class HomeFile:
    name: str  # relative to the home, POSIX
    path: Path
    sqlite: bool  # copied through SQLite's online backup


@dataclass(frozen=True)
class HomeSelection:
    root: Path
    files: tuple[HomeFile, ...]
    left_out: tuple[str, ...]  # relative paths, with a trailing "/" for folders


def performer_ids(connection: Connection) -> frozenset[str]:
    return frozenset(connection.execute(select(performers.c.id)).scalars())


def home_files(layout: HomeLayout, *, kept_performers: frozenset[str]) -> HomeSelection:
    """The files of the home a backup holds (see the module's docstring)."""
    root = layout.root
    database = {layout.database.name, *(layout.database.name + c for c in _COMPANIONS)}
    files: list[HomeFile] = []
    left_out: list[str] = []
    for top in sorted(root.iterdir()):
        name = top.name
        if name.startswith(".") or (top.is_file() and name in database):
            continue
        if name in LEFT_OUT and top.is_dir():
            left_out.append(f"{name}/")
            continue
        if top.is_dir() and not top.is_symlink() and name in PER_PERFORMER:
            for child in sorted(top.iterdir()):
                relative = f"{name}/{child.name}"
                if _erased(child, kept_performers):
                    left_out.append(f"{relative}/")
                else:
                    files.extend(_walk(child, relative))
            continue
        files.extend(_walk(top, name))
    return HomeSelection(
        root=root, files=tuple(_without_companions(files)), left_out=tuple(left_out)
    )


def _erased(child: Path, kept: frozenset[str]) -> bool:
    return (
        child.is_dir()
        and _PERFORMER_ID.fullmatch(child.name) is not None
        and (child.name not in kept)
    )


def _walk(path: Path, relative: str) -> Iterator[HomeFile]:
    if path.name.startswith(".") or path.is_symlink():
        return
    if path.is_dir():
        for child in sorted(path.iterdir()):
            yield from _walk(child, f"{relative}/{child.name}")
    elif path.is_file():
        yield HomeFile(name=relative, path=path, sqlite=_is_sqlite(path))


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER
    except OSError:
        return False


def _without_companions(files: list[HomeFile]) -> Iterator[HomeFile]:
    databases = {f.name for f in files if f.sqlite}
    for item in files:
        if not any(item.name == db + c for db in databases for c in _COMPANIONS):
            yield item


# -- writing ----------------------------------------------------------------------


class BackupWriter:
    """Writes the archive beside ``out`` under a hidden name, renamed to ``out`` only
    when complete (``finish``); anything else removes it."""

    def __init__(self, out: Path) -> None:
        if out.exists() or out.is_symlink():
            raise TargetNotEmptyError(
                f"{out} already exists; a backup never overwrites a file",
                hint="name a new file",
            )
        if not out.parent.is_dir():
            raise InvalidInputError(f"{out.parent} is not a folder", hint="create it first")
        self._out = out
        self._partial = out.with_name(f".{out.name}.partial-{secrets.token_hex(4)}")
        descriptor = os.open(self._partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        self._handle = os.fdopen(descriptor, "wb")
        # Closed by finish or abort: the writer outlives this call.
        self._tar = tarfile.open(  # noqa: SIM115
            fileobj=self._handle, mode="w", format=tarfile.PAX_FORMAT
        )
        self.hashes: dict[str, str] = {}
        self.size = 0
        self._work = Path(tempfile.mkdtemp(prefix=f".{out.name}.work-", dir=out.parent))

    @property
    def work(self) -> Path:
        """A private scratch folder beside the archive, removed with it."""
        return self._work

    def add_home_file(self, item: HomeFile) -> bool:
        """Add a file of the home; False when it vanished meanwhile (a shred after an
        erasure's commit)."""
        member = f"{HOME}/{item.name}"
        if not item.sqlite:
            return self.add_file(member, item.path)
        copy = self._work / f"sqlite-{len(self.hashes)}"
        try:
            copy_pages(item.path, copy)
        except FileNotFoundError:
            return False
        try:
            return self.add_file(member, copy)
        finally:
            copy.unlink(missing_ok=True)

    def add_file(self, member: str, path: Path) -> bool:
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            return False
        with handle:
            size = os.fstat(handle.fileno()).st_size
            info = tarfile.TarInfo(member)
            info.size, info.mode, info.mtime = size, FILE_MODE, 0
            digest = hashlib.sha256()
            self._tar.addfile(info, _Hashing(handle, digest))
        self.hashes[member] = digest.hexdigest()
        self.size += size
        return True

    def finish(self, manifest: Manifest) -> Path:
        data = manifest.to_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(data), FILE_MODE, 0
        self._tar.addfile(info, io.BytesIO(data))
        self._tar.close()
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        if self._out.exists():  # made meanwhile by someone else: never overwrite it
            raise TargetNotEmptyError(f"{self._out} appeared while the backup was written")
        self._partial.replace(self._out)
        _fsync_folder(self._out.parent)
        self._cleanup()
        return self._out

    def abort(self) -> None:
        with contextlib.suppress(OSError, tarfile.TarError):
            self._tar.close()
        with contextlib.suppress(OSError):
            self._handle.close()
        self._partial.unlink(missing_ok=True)
        self._cleanup()

    def _cleanup(self) -> None:
        shutil.rmtree(self._work, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is not None or self._partial.exists():
            self.abort()


class _Hashing(io.RawIOBase):
    """A reader that hashes what passes through it (tarfile reads the file once)."""

    def __init__(self, inner: IO[bytes], digest: Any) -> None:
        self._inner = inner
        self._digest = digest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._inner.read(size)
        self._digest.update(data)
        return data


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# -- reading ----------------------------------------------------------------------


class BackupReader:
    """An archive opened for restore: ``verify`` checks every member against the
    manifest before anything is extracted."""

    def __init__(self, path: Path) -> None:
        self._path = path
        where = str(path)
        try:
            self._tar = tarfile.open(path, mode="r:")  # noqa: SIM115 - closed by close()
        except FileNotFoundError:
            raise BackupDamagedError(f"{where}: no such file") from None
        except (tarfile.TarError, OSError) as exc:
            raise BackupDamagedError(f"{where}: not a likeness backup ({exc})") from None
        try:
            self._members = {m.name: m for m in self._tar.getmembers()}
            manifest = self._members.get(MANIFEST)
            if manifest is None or not manifest.isfile():
                raise BackupDamagedError(f"{where}: not a likeness backup (no {MANIFEST})")
            self.manifest = Manifest.from_json(self._read(manifest), where)
        except (tarfile.TarError, OSError) as exc:
            self._tar.close()
            raise BackupDamagedError(f"{where}: the archive is damaged ({exc})") from None
        except BaseException:
            self._tar.close()
            raise

    def verify(self) -> None:
        """Every member the manifest lists is there with its hash, and nothing else."""
        where = str(self._path)
        listed = dict(self.manifest.files)
        for name, member in self._members.items():
            if name == MANIFEST:
                continue
            if name not in listed:
                raise BackupDamagedError(f"{where}: {name} is not in the manifest")
            if not member.isfile() or not _safe(name):
                raise BackupDamagedError(f"{where}: {name} is not a plain file of the backup")
        for name, expected in sorted(listed.items()):
            found = self._members.get(name)
            if found is None:
                raise BackupDamagedError(f"{where}: {name} is missing")
            if self._sha256(found) != expected:
                raise BackupDamagedError(
                    f"{where}: {name} does not match its SHA-256 in the manifest"
                )
        if DATABASE not in listed:
            raise BackupDamagedError(f"{where}: the database ({DATABASE}) is missing")

    def home_members(self) -> list[str]:
        return sorted(n for n in self.manifest.files if n.startswith(f"{HOME}/"))

    def extract_home(self, root: Path) -> int:
        """Write the home's files under ``root`` (files 0600, folders 0700)."""
        names = self.home_members()
        for name in names:
            target = root.joinpath(*PurePosixPath(name).parts[1:])
            target.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            self._extract(name, target)
        return len(names)

    def extract_database(self, target: Path) -> None:
        self._extract(DATABASE, target)

    def _extract(self, name: str, target: Path) -> None:
        source = self._tar.extractfile(self._members[name])
        assert source is not None  # verify() saw a regular file
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with source, os.fdopen(descriptor, "wb") as handle:
            shutil.copyfileobj(source, handle, _CHUNK)
            handle.flush()
            os.fsync(handle.fileno())

    def _sha256(self, member: tarfile.TarInfo) -> str:
        digest = hashlib.sha256()
        source = self._tar.extractfile(member)
        assert source is not None
        with source:
            for chunk in iter(lambda: source.read(_CHUNK), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def _read(self, member: tarfile.TarInfo) -> bytes:
        source = self._tar.extractfile(member)
        if source is None:
            raise BackupDamagedError(f"{self._path}: {member.name} is not a file")
        with source:
            return source.read()

    def close(self) -> None:
        self._tar.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _safe(name: str) -> bool:
    """A member name that stays inside the folder it is extracted to."""
    parts = PurePosixPath(name).parts
    if name == DATABASE:
        return True
    return (
        len(parts) > 1
        and parts[0] == HOME
        and not name.startswith("/")
        and all(p not in ("", ".", "..") for p in parts)
    )


# -- the restored home -----------------------------------------------------------


def require_empty_home(root: Path) -> None:
    """Refuse a home that is initialised or holds anything (naming what it holds)."""
    if HomeLayout(root).is_initialised():
        raise HomeAlreadyInitialisedError(str(root))
    if root.exists() and not root.is_dir():
        raise HomeNotWritableError(str(root), "it exists and is not a folder")
    if root.is_dir():
        held = sorted(p.name for p in root.iterdir())
        if held:
            shown = ", ".join(held[:10]) + (f" and {len(held) - 10} more" if len(held) > 10 else "")
            raise TargetNotEmptyError(
                f"the data home {root} is not empty: it holds {shown}; nothing was restored",
                hint="restore into a new data home (--home / LIKENESS_HOME naming a new folder)",
            )


@dataclass
class StagedHome:
    """A home being restored: built in a hidden folder beside ``root`` and renamed into
    place by ``commit``; removed, with any parent folders it made, otherwise."""

    root: Path
    staging: Path = field(init=False)
    _made: list[Path] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        parent = self.root.parent
        self._made = [p for p in (parent, *parent.parents) if not p.exists()]
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self.staging = Path(tempfile.mkdtemp(prefix=f".{self.root.name}.restore-", dir=parent))
        except OSError as exc:
            self._remove_parents()
            raise HomeNotWritableError(str(self.root), exc.strerror or str(exc)) from exc
        self.staging.chmod(DIR_MODE)

    def commit(self) -> None:
        self.staging.replace(self.root)  # atomic; replaces an empty folder

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        self._remove_parents()

    def _remove_parents(self) -> None:
        for folder in self._made:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()
