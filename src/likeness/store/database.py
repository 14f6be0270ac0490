"""Engine construction and transactions.

SQLite runs in WAL mode so readers never block the writer, with foreign keys
on. Writes start with ``BEGIN IMMEDIATE`` so two writers queue on the lock
instead of failing half-way when a read transaction tries to upgrade
(the approach datasette takes in ``datasette/database.py``). On PostgreSQL a
write transaction takes a transaction-level advisory lock first, so writers
queue the same way across every process.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, Engine, create_engine, event, text
from sqlalchemy.engine import Connection, Dialect, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.types import TypeDecorator

from likeness.errors import StoreError

if TYPE_CHECKING:
    from likeness.store.record_keys import RecordKeys

log = logging.getLogger(__name__)

_IMMEDIATE = "likeness_immediate"
BUSY_TIMEOUT_S = 30


class UTCDateTime(TypeDecorator[datetime]):
    """Zone-aware UTC timestamps on every dialect; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass a UTC-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


POOL_SIZE = 40
CHANGED = "likeness.changed"  # set in Connection.info by change_counter.bump
KEYS = "likeness.keys"  # the data home's RecordKeys, in Connection.info (record_keys.keys_of)
CREATED_KEYS = "likeness.created_keys"  # record keys made in keys.db by this transaction


def create_database_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and immediate writes."""
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    # A server runs up to 40 request threads: keep that many connections open rather
    # than opening (and configuring) an overflow connection per request under load.
    engine = create_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_S}, pool_size=POOL_SIZE, max_overflow=8
    )
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own
    # transaction handling would defer it and cannot take IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros, so erased personal data does not
    # linger in free pages of the database file.
    cursor.execute("PRAGMA secure_delete=ON")
    # FULL: a commit is on disk (WAL fsynced) before it returns, so a log index
    # handed back survives power loss, not only a crash. Batching amortises it.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


# One writer at a time, across every process, as SQLite's BEGIN IMMEDIATE gives: the
# log's appends read the size and write the next indexes in one transaction.
_WRITERS_LOCK = 0x4C494B454E455353  # "LIKENESS", a transaction-level advisory lock key


def _serialise_writers(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITERS_LOCK})


def _begin_sqlite(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Transactions over one engine: ``read()`` for queries, ``write()`` for changes."""

    def __init__(self, engine: Engine, keys: RecordKeys | None = None) -> None:
        self.engine = engine
        # The record keys that seal personal and biometric fields (store/record_keys.py);
        # a database opened without them serves everything but those fields.
        self.keys = keys
        # Counts this process's committed writes that marked themselves CHANGED
        # (store/change_counter.py): caches see those at once, without a query.
        self.generation = 0
        self._generation_lock = threading.Lock()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with _translated_errors(), self.engine.connect() as connection, connection.begin():
            connection.info[KEYS] = self.keys
            yield connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One atomic write: everything inside commits together or not at all."""
        with _translated_errors(), self.engine.connect() as connection:
            connection = connection.execution_options(**{_IMMEDIATE: True})
            connection.info[KEYS] = self.keys
            try:
                with connection.begin():
                    _serialise_writers(connection)
                    yield connection
                if connection.info.get(CHANGED):
                    with self._generation_lock:
                        self.generation += 1
            except BaseException:
                made = connection.info.get(CREATED_KEYS)
                if made and self.keys is not None:
                    try:
                        self.keys.discard(made)
                    except StoreError as exc:  # the sweep at the next start takes them
                        log.warning("keys of a rolled-back transaction stay: %s", exc.message)
                raise
            finally:
                connection.info.pop(CHANGED, None)
                connection.info.pop(CREATED_KEYS, None)

    def truncate_wal(self) -> None:
        """Copy the write-ahead log into the database and truncate it to zero bytes, so
        that page images holding erased data do not survive in the ``-wal`` file."""
        if self.engine.dialect.name != "sqlite":
            return
        with _translated_errors(), self.engine.connect() as connection:
            busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
            connection.commit()
        if busy:
            raise StoreError(
                "could not truncate the write-ahead log: another process is reading",
                hint="run 'likeness performer erase' again once other commands have finished",
            )

    def dispose(self) -> None:
        self.engine.dispose()
        if self.keys is not None:
            self.keys.dispose()


@contextmanager
def _translated_errors() -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        raise StoreError(
            f"the database refused the operation: {exc.orig}",
            hint="check that the data home is writable and the database is reachable",
        ) from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise StoreError(f"lost the database connection: {exc.orig}") from exc
        raise
