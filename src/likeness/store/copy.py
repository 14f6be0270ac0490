"""Copying every table of the schema from one database to another, rows exact.

One routine serves backup (any store to an SQLite file), restore (that file to any
store) and ``db copy`` (SQLite to PostgreSQL). Rows go through the table definitions
(``tables.metadata``), parents before children (``sorted_tables``), in batches, so the
column types convert each value for the target dialect: ``UTCDateTime`` stays the same
instant, dates stay dates, ``LargeBinary`` (the log's entries and hashes) stays the
same bytes.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    MetaData,
    Table,
    create_engine,
    delete,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.pool import StaticPool

from likeness.errors import TargetNotEmptyError
from likeness.store import migrate
from likeness.store.tables import metadata

BATCH = 2000
_ALEMBIC = "alembic_version"


def copy_tables(
    source: Connection,
    target: Connection,
    *,
    beside: Mapping[str, Connection] | None = None,
    batch: int = BATCH,
) -> dict[str, int]:
    """Copy every row of every table from ``source`` into ``target`` (whose tables
    must hold no rows but those its migrations wrote, which are replaced); returns the
    rows copied per table. Both at the same schema revision; the caller owns the
    transactions. ``beside`` sends the named tables to another database instead (the
    store keeps them there: PostgreSQL's record keys, in the home's keys.db), where the
    table is created if missing and a row already there is kept."""
    beside = beside or {}
    for table in reversed(metadata.sorted_tables):  # children first
        target.execute(delete(table))
    copied: dict[str, int] = {}
    for table in metadata.sorted_tables:  # parents first: foreign keys hold at each insert
        order = list(table.primary_key.columns) or list(table.columns)
        result = source.execution_options(stream_results=True, yield_per=batch).execute(
            select(table).order_by(*order)
        )
        into = beside.get(table.name)
        if into is not None:
            copied[table.name] = _write_beside(into, table, [dict(r._mapping) for r in result])
            continue
        count = 0
        for rows in result.partitions(batch):
            target.execute(insert(table), [dict(row._mapping) for row in rows])
            count += len(rows)
        copied[table.name] = count
    reset_sequences(target)
    return copied


def _write_beside(into: Connection, table: Table, rows: list[dict[str, Any]]) -> int:
    """Rows of ``table`` into a database of their own, where the table may already hold
    some of them (a copy tried before) but nothing else."""
    table.create(into, checkfirst=True)
    key = [c.name for c in table.primary_key.columns]
    incoming = {tuple(row[c] for c in key): row for row in rows}
    stray = [
        row
        for row in (dict(r._mapping) for r in into.execute(select(table)))
        if incoming.get(tuple(row[c] for c in key)) != row
    ]
    if stray:
        raise TargetNotEmptyError(
            f"{into.engine.url.database} already holds {len(stray)} rows of {table.name} "
            "that the copy does not; nothing was written",
            hint="move that file away if it is left from an earlier database",
        )
    _add_missing(into, table, rows)
    return len(rows)


def reset_sequences(connection: Connection) -> None:
    """On PostgreSQL, move every column-owned sequence (serial or identity) past the
    highest copied value, so the next insert does not collide. Today no table has one
    (every key is a ULID or an explicit integer); this keeps a future one correct."""
    if connection.dialect.name != "postgresql":
        return
    owned = connection.execute(
        text(
            "SELECT table_name, column_name, pg_get_serial_sequence("
            "quote_ident(table_name), column_name) FROM information_schema.columns "
            "WHERE table_schema = current_schema() "
            "AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')"
        )
    ).all()
    for table, column, sequence in owned:
        if sequence is None:
            continue
        connection.execute(
            text(
                f'SELECT setval(:sequence, COALESCE((SELECT MAX("{column}") FROM "{table}"), 0)'  # noqa: S608 - names from the catalogue
                " + 1, false)"
            ),
            {"sequence": sequence},
        )


def serial_columns(connection: Connection) -> list[str]:
    """``table.column`` of every column a sequence fills (PostgreSQL; none on SQLite)."""
    if connection.dialect.name != "postgresql":
        return []
    rows = connection.execute(
        text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() "
            "AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')"
        )
    ).all()
    return sorted(f"{table}.{column}" for table, column in rows)


def row_counts(connection: Connection) -> dict[str, int]:
    """Rows per table of the database, every table found (Alembic's own excepted),
    whatever the schema revision."""
    names = sorted(n for n in inspect(connection).get_table_names() if n != _ALEMBIC)
    reflected = MetaData()
    reflected.reflect(connection, only=names)
    return {
        name: int(
            connection.execute(
                select(func.count()).select_from(reflected.tables[name])
            ).scalar_one()
        )
        for name in names
    }


def occupied_tables(connection: Connection) -> dict[str, int]:
    """Tables holding rows beyond what a freshly migrated database holds, with their
    row counts: a database where this is empty may be copied into."""
    seeded = seeded_rows()
    return {name: n for name, n in row_counts(connection).items() if n > seeded.get(name, 0)}


def seeded_rows() -> Mapping[str, int]:
    """Rows the migrations themselves write (a counter's first row), per table."""
    engine = create_engine("sqlite://", poolclass=StaticPool)
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            return {name: n for name, n in row_counts(connection).items() if n}
    finally:
        engine.dispose()


def merge_rows(path: Path, target: Connection) -> dict[str, int] | None:
    """Add the rows of the tables of the schema held in the SQLite file ``path`` (a part
    of the store kept beside it: PostgreSQL's record keys) to the same tables in
    ``target``, skipping a row whose key is already there; rows added per table. None
    when the file holds no table of the schema (it is not part of the store)."""
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with engine.connect() as source:
            present = set(inspect(source).get_table_names())
            tables = [t for t in metadata.sorted_tables if t.name in present]
            if not tables:
                return None
            return {table.name: _merge_table(source, target, table) for table in tables}
    finally:
        engine.dispose()


def _merge_table(source: Connection, target: Connection, table: Table) -> int:
    order = list(table.primary_key.columns)
    rows = [dict(row._mapping) for row in source.execute(select(table).order_by(*order))]
    return _add_missing(target, table, rows)


def _add_missing(target: Connection, table: Table, rows: list[dict[str, Any]]) -> int:
    """Insert the rows whose primary key ``target`` does not hold yet; how many were."""
    key = [c.name for c in table.primary_key.columns]
    have = {tuple(r) for r in target.execute(select(*table.primary_key.columns))}
    fresh = [row for row in rows if tuple(row[c] for c in key) not in have]
    if fresh:
        target.execute(insert(table), fresh)
    return len(fresh)


def copy_pages(source: Path, target: Path) -> None:
    """Copy the SQLite database ``source`` into a new file, page by page (SQLite's online
    backup, from a connection of its own): the state last committed, far quicker than
    rows. Under a writer's lock nothing commits meanwhile, so it is one moment."""
    if not source.exists():
        raise FileNotFoundError(source)
    with (
        contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as reader,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        reader.backup(copy)


def compact(path: Path) -> None:
    """Make an SQLite file one self-contained file (no write-ahead log) without free
    pages (a migrated file keeps many)."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.execute("VACUUM")


def sqlite_file_engine(path: Path) -> Engine:
    """An engine on a plain SQLite file (rollback journal, no WAL): the portable
    database of a backup, one self-contained file."""
    return create_engine(f"sqlite:///{path}")
