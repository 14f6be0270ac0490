"""Every byte a store keeps, to search for what erasure must have destroyed: the data home
(the SQLite database and its WAL, keys.db, the vault, index files, caches) and, on
PostgreSQL, the cluster's files for the test's database, the shared catalogue and the
write-ahead log, read after a CHECKPOINT so that no page waits in memory."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from likeness.store.database import Database


def stored_files(home: Path, database: Database) -> dict[Path, bytes]:
    files = _files(home)
    if database.engine.dialect.name == "postgresql":
        files |= _cluster_files(database)
    return files


def _files(root: Path) -> dict[Path, bytes]:
    return {
        p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()
    }


def _cluster_files(database: Database) -> dict[Path, bytes]:
    with database.engine.connect() as connection:
        connection.execute(text("CHECKPOINT"))  # needs a superuser: scripts/postgres makes one
        oid = connection.execute(
            text("SELECT oid FROM pg_database WHERE datname = current_database()")
        ).scalar_one()
        data = Path(connection.execute(text("SHOW data_directory")).scalar_one())
        connection.commit()
    if not data.is_dir():
        raise AssertionError(
            f"the PostgreSQL cluster's data directory {data} is not readable here: the erasure "
            "tests search it, so run them against a local server (scripts/postgres start)"
        )
    files: dict[Path, bytes] = {}
    for part in (data / "base" / str(oid), data / "global", data / "pg_wal"):
        files |= _files(part)
    assert any(p.parent.name == "pg_wal" for p in files), "no WAL segment found to search"
    return files


def holding(files: dict[Path, bytes], needle: bytes) -> list[str]:
    return [str(path) for path, data in files.items() if needle in data]
