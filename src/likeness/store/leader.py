"""Leader locks: which one of several server processes runs a task that must run once.

With ``likeness serve --workers N`` every worker builds the same services, but webhook
delivery (one webhook's deliveries in order) and the daily retention run must happen in
one process only. Each such task has a named lock; the process holding it runs the task,
the others ask again now and then (``services/leadership.py``), so the task resumes in
another process when its holder dies. Nothing has to release the lock on a crash: it
goes with the holder.

- PostgreSQL: a session-level ``pg_try_advisory_lock`` on a connection of its own (not
  from the pool, autocommit: no transaction left open), kept for the process's life.
  The server ends the session, and the lock, when the process dies. The lock holds
  across every server on the database, not only this machine's.
- SQLite: ``flock`` on a file in the data home (``locks/<name>.lock``). The kernel drops
  it when the holder's file is closed, by exit or crash.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from likeness.errors import StoreError
from likeness.store.database import Database

LOCKS_FOLDER = "locks"


class LeaderLock(Protocol):
    def try_acquire(self) -> bool:
        """Take the lock if it is free; True while this process holds it (asked again
        by the holder, whether it still does)."""
        ...

    def release(self) -> None: ...


def leader_lock(database: Database, home: Path, name: str) -> LeaderLock:
    """The lock named ``name`` for this store: advisory on PostgreSQL, a file beside
    the SQLite database otherwise."""
    if database.engine.dialect.name == "postgresql":
        return AdvisoryLock(database.engine, name)
    return FileLock(home / LOCKS_FOLDER / f"{name}.lock")


class FileLock:
    """An exclusive ``flock`` on ``path``, held until ``release`` or the process ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Not inherited by programs this process starts: a child outliving it must
            # not keep the lock from the next leader.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise StoreError(
                f"cannot open the lock file {self.path}: {exc.strerror}",
                hint="check that the data home is writable by the server's user",
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the only descriptor drops the flock


class AdvisoryLock:
    """A session-level PostgreSQL advisory lock on a connection of its own."""

    def __init__(self, engine: Engine, name: str) -> None:
        # Its own engine: one connection kept for the process's life, outside the
        # pool the requests share, never inside a transaction.
        self._engine = create_engine(engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self.key = lock_key(name)
        self._connection: Connection | None = None
        self._held = False

    def try_acquire(self) -> bool:
        try:
            if self._connection is None:
                self._connection = self._engine.connect()
            if self._held:  # still ours only while its session lives
                self._connection.execute(text("SELECT 1"))
                return True
            self._held = bool(
                self._connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
                ).scalar_one()
            )
            return self._held
        except SQLAlchemyError:
            # The session is gone (a restart, a dropped connection) and the lock with
            # it: ask again on a new connection next time.
            self._drop()
            return False

    def release(self) -> None:
        if self._connection is not None and self._held:
            # A session gone already took the lock with it.
            with contextlib.suppress(SQLAlchemyError):
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        self._drop()
        self._engine.dispose()

    def _drop(self) -> None:
        connection, self._connection, self._held = self._connection, None, False
        if connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                connection.close()


def lock_key(name: str) -> int:
    """The 64-bit advisory lock key of ``name`` (apart from the writers' lock of
    ``store/database.py``, whose key spells LIKENESS)."""
    digest = hashlib.sha256(f"likeness leader {name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
