"""Backup, restore, and moving a data home's database to PostgreSQL (docs/backup.md).

A backup is consistent while the server serves: the store's write lock is held while
the database is copied and the home's files are read, so no writer commits in between
(writers wait). A restore checks every byte of the backup before it writes anything,
builds the new home beside its place and renames it in, and copies the rows into the
store the settings name in one transaction; the restored log must audit green at the
checkpoint the manifest records. ``db copy`` moves a home's SQLite database into an
empty PostgreSQL database the same way, under the source's write lock.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from likeness import __version__
from likeness.errors import (
    BackupDamagedError,
    BackupUnsupportedError,
    InvalidInputError,
    LogIntegrityError,
    StoreError,
    TargetNotEmptyError,
)
from likeness.ledger.audit import audit_log
from likeness.ledger.note import NoteError, Signer, Verifier, parse_verifier
from likeness.services.home import sqlite_url
from likeness.store import migrate
from likeness.store.backup import (
    DATABASE,
    BackupReader,
    BackupWriter,
    HomeFile,
    HomeSelection,
    Manifest,
    StagedHome,
    home_files,
    performer_ids,
    require_empty_home,
)
from likeness.store.copy import (
    compact,
    copy_pages,
    copy_tables,
    merge_rows,
    occupied_tables,
    row_counts,
    sqlite_file_engine,
)
from likeness.store.database import Database, create_database_engine
from likeness.store.home import HomeLayout, read_secret
from likeness.store.log_store import SqlLogStore
from likeness.store.record_keys import keys_file
from likeness.store.tables import record_keys


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    created_at: datetime
    source_dialect: str
    schema_revision: str
    tables: Mapping[str, int]
    files: int  # of the home
    size: int  # bytes archived
    log_size: int
    checkpoint: str | None
    left_out: tuple[str, ...]
    master_key_in_backup: bool


@dataclass(frozen=True)
class RestoreSummary:
    home: Path
    database: str  # the URL, its password hidden
    backup_created_at: datetime
    backup_revision: str
    schema_revision: str
    tables: Mapping[str, int]
    files: int
    log_size: int
    checkpoint: str | None
    log_origin: str | None  # LIKENESS_LOG_ORIGIN must name it for the log to audit
    master_key_in_backup: bool


@dataclass(frozen=True)
class CopySummary:
    target: str  # the URL, its password hidden
    schema_revision: str
    tables: Mapping[str, int]
    log_size: int
    checkpoint: str | None


# -- backup ---------------------------------------------------------------------------


def back_up(
    layout: HomeLayout,
    database: Database,
    out: Path,
    *,
    now: datetime,
    master_key_in_backup: bool = True,
) -> BackupSummary:
    """Write a backup of the home and its database to ``out`` (a new file).

    ``master_key_in_backup`` is False when the master key comes from the environment
    (``LIKENESS_MASTER_KEY``): the backup cannot hold it, and says so."""
    out = out.absolute()
    if out.resolve().is_relative_to(layout.root.resolve()):
        raise InvalidInputError(
            f"{out} is inside the data home; write the backup somewhere else",
            hint="a backup kept beside the data it protects is lost with it",
        )
    revision = migrate.current_revision(database.engine)
    if revision is None:
        raise StoreError("the database has no schema yet; nothing to back up")
    with BackupWriter(out) as writer:
        snapshot = writer.work / DATABASE
        with (
            _snapshot_target(database, snapshot, revision) as target,
            database.write() as source,  # writers wait until the files are read
        ):
            _same_revision(source, revision)
            if target is None:  # SQLite: a page copy, so writers wait less
                copy_pages(Path(str(database.engine.url.database)), snapshot)
            else:
                copy_tables(source, target)
            log = SqlLogStore(source)
            log_size, checkpoint = log.size(), log.checkpoint()
            selection = home_files(layout, kept_performers=performer_ids(source))
            files, left_out = _fold_side_stores(selection, target)
            copied = sum(writer.add_home_file(item) for item in files)
        compact(snapshot)
        tables = _counts(snapshot)
        writer.add_file(DATABASE, snapshot)
        manifest = Manifest(
            created_at=now,
            likeness_version=__version__,
            source_dialect=database.engine.dialect.name,
            schema_revision=revision,
            tables=tables,
            log_size=log_size,
            checkpoint=checkpoint,
            files=writer.hashes,
            left_out=left_out,
            master_key_in_backup=master_key_in_backup,
        )
        path = writer.finish(manifest)
    return _backup_summary(path, manifest, copied, writer.size)


@contextmanager
def _snapshot_target(
    database: Database, snapshot: Path, revision: str
) -> Iterator[Connection | None]:
    """Where the rows of a store other than SQLite go: a new SQLite file migrated to the
    source's revision (before the lock is taken), in one transaction. None for SQLite,
    whose file is copied page by page."""
    if database.engine.dialect.name == "sqlite":
        yield None
        return
    engine = sqlite_file_engine(snapshot)
    try:
        migrate.upgrade(engine, revision)
        with engine.begin() as target:
            yield target
    finally:
        engine.dispose()


def _counts(snapshot: Path) -> dict[str, int]:
    engine = sqlite_file_engine(snapshot)
    try:
        with engine.connect() as connection:
            return row_counts(connection)
    finally:
        engine.dispose()


def side_stores(home: Path) -> dict[str, Path]:
    """The tables a store other than SQLite keeps in an SQLite file of the data home
    rather than in itself, and that file (the rule of ``bootstrap.record_keys``): the
    record keys, whose destruction PostgreSQL's dead rows and WAL would outlive. On
    SQLite they are tables of the main database."""
    return {record_keys.name: keys_file(home)}


def _fold_side_stores(
    selection: HomeSelection, snapshot: Connection | None
) -> tuple[list[HomeFile], tuple[str, ...]]:
    """The home's files to archive, and what is left out. The rows of a side store of a
    store other than SQLite join the backup's database (``snapshot``), so that it holds
    the whole store whichever store it is restored into; the file itself stays out (on
    SQLite, where the store does not use it, too)."""
    root = selection.root
    paths = set(side_stores(root).values())
    left_out = list(selection.left_out)
    for path in sorted(p for p in paths if p.exists()):
        if snapshot is None:
            left_out.append(f"{path.relative_to(root)} (not used by a SQLite store)")
        else:
            merge_rows(path, snapshot)
    return [f for f in selection.files if f.path not in paths], tuple(left_out)


def _backup_summary(path: Path, manifest: Manifest, files: int, size: int) -> BackupSummary:
    return BackupSummary(
        path=path,
        created_at=manifest.created_at,
        source_dialect=manifest.source_dialect,
        schema_revision=manifest.schema_revision,
        tables=manifest.tables,
        files=files,
        size=size,
        log_size=manifest.log_size,
        checkpoint=manifest.checkpoint,
        left_out=manifest.left_out,
        master_key_in_backup=manifest.master_key_in_backup,
    )


def _same_revision(connection: Connection, expected: str) -> None:
    found = migrate.revision_in(connection)
    if found != expected:
        raise StoreError(
            f"the schema moved from revision {expected} to {found} while the backup began",
            hint="run the backup again",
        )


# -- restore --------------------------------------------------------------------------


def restore(backup: Path, *, home: Path, database_url: str | None) -> RestoreSummary:
    """Restore ``backup`` into a new data home at ``home``, its database in the store
    ``database_url`` names (an empty PostgreSQL database) or SQLite in the home.

    Nothing is written unless the whole backup matches its manifest; a failure after
    that removes the half-built home and rolls the database's transaction back."""
    require_empty_home(home)
    with BackupReader(backup) as reader:
        manifest = reader.manifest
        _require_known(manifest, backup)
        target = create_database_engine(database_url) if database_url else None
        try:
            if target is not None:
                _require_empty_database(target)
            reader.verify()
            return _restore_verified(reader, manifest, home, target)
        finally:
            if target is not None:
                target.dispose()


def _require_known(manifest: Manifest, backup: Path) -> None:
    if not migrate.is_known(manifest.schema_revision):
        raise BackupUnsupportedError(
            f"{backup}: its database is at schema revision {manifest.schema_revision}, "
            f"newer than this version of likeness knows (newest: {migrate.head_revision()})",
            hint="restore it with the version of likeness that wrote it, or a newer one",
        )


def _restore_verified(
    reader: BackupReader, manifest: Manifest, home: Path, target: Engine | None
) -> RestoreSummary:
    staged = StagedHome(home)
    try:
        files = reader.extract_home(staged.staging)
        scratch = staged.staging / ".restore"
        scratch.mkdir()
        reader.extract_database(scratch / DATABASE)
        engine = target or create_database_engine(sqlite_url(HomeLayout(staged.staging).database))
        try:
            tables = _restore_rows(scratch / DATABASE, engine, manifest, staged.staging)
        finally:
            if target is None:
                engine.dispose()  # the last connection folds SQLite's WAL into the file
        shutil.rmtree(scratch)
        staged.commit()
    except BaseException:
        staged.discard()
        raise
    return RestoreSummary(
        home=home,
        database=_shown(target) if target is not None else sqlite_url(HomeLayout(home).database),
        backup_created_at=manifest.created_at,
        backup_revision=manifest.schema_revision,
        schema_revision=migrate.head_revision(),
        tables=tables,
        files=files,
        log_size=manifest.log_size,
        checkpoint=manifest.checkpoint,
        log_origin=manifest.log_origin,
        master_key_in_backup=manifest.master_key_in_backup,
    )


def _restore_rows(
    database_file: Path, target: Engine, manifest: Manifest, staging: Path
) -> dict[str, int]:
    source = sqlite_file_engine(database_file)
    try:
        with source.connect() as connection:
            counts, revision = row_counts(connection), migrate.revision_in(connection)
        if revision != manifest.schema_revision or counts != dict(manifest.tables):
            raise BackupDamagedError(
                f"the backup's database does not match its manifest (revision {revision}, "
                f"rows {_differences(counts, manifest.tables)})"
            )
        migrate.upgrade(source)  # an older backup's rows, brought to this schema first
        verifier = _backup_verifier(staging, manifest)
        with (
            _store_errors(target),
            _beside(target, staging) as beside,
            source.connect() as rows,
            target.begin() as into,
        ):
            _require_empty(into)
            migrate.upgrade_in(into)
            tables = copy_tables(rows, into, beside=beside)
            _check_log(into, manifest.log_size, manifest.checkpoint, verifier)
        return tables
    finally:
        source.dispose()


def _backup_verifier(staging: Path, manifest: Manifest) -> Verifier | None:
    origin = manifest.log_origin
    if origin is None:
        return None
    try:
        return Signer(origin, read_secret(HomeLayout(staging).signing_key)).verifier
    except (OSError, ValueError, NoteError) as exc:
        raise BackupDamagedError(f"the backup's log signing key is unusable: {exc}") from None


def _differences(found: Mapping[str, int], expected: Mapping[str, int]) -> str:
    names = sorted(set(found) | set(expected))
    differing = [
        f"{n}: {found.get(n)} not {expected.get(n)}"
        for n in names
        if found.get(n) != expected.get(n)
    ]
    return "; ".join(differing) or "as listed"


# -- db copy ------------------------------------------------------------------------


def copy_database(
    database: Database, target_url: str, *, home: Path, verifier_key: str
) -> CopySummary:
    """Copy this home's SQLite database, log included, into the empty PostgreSQL
    database at ``target_url``, under the source's write lock; the copy's log must
    audit green at the source's checkpoint (``verifier_key``: the log's key). The tables
    PostgreSQL keeps beside it go to their file in ``home`` (``side_stores``)."""
    shown = _masked(target_url)
    if database.engine.dialect.name != "sqlite":
        raise InvalidInputError(
            "this data home's database is not SQLite; db copy moves a SQLite database",
            hint="to move between servers, use 'likeness backup' and 'likeness restore'",
        )
    if make_url(target_url).get_backend_name() != "postgresql":
        raise InvalidInputError(
            f"{shown} is not a PostgreSQL URL",
            hint="give postgresql+psycopg://user:password@host:port/database",
        )
    verifier = parse_verifier(verifier_key)
    target = create_database_engine(target_url)
    try:
        with (
            _store_errors(target),
            _beside(target, home) as beside,
            database.write() as source,
            target.begin() as into,
        ):
            _require_empty(into)
            revision = migrate.revision_in(source)
            if revision is None:
                raise StoreError("the database has no schema yet; nothing to copy")
            migrate.upgrade_in(into, revision)
            tables = copy_tables(source, into, beside=beside)
            log = SqlLogStore(source)
            size, checkpoint = log.size(), log.checkpoint()
            _check_log(into, size, checkpoint, verifier)
    finally:
        target.dispose()
    return CopySummary(
        target=shown, schema_revision=revision, tables=tables, log_size=size, checkpoint=checkpoint
    )


def _masked(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise InvalidInputError(
            "the target is not a database URL",
            hint="give postgresql+psycopg://user:password@host:port/database",
        ) from None


# -- shared -----------------------------------------------------------------------------


@contextmanager
def _beside(target: Engine, home: Path) -> Iterator[dict[str, Connection]]:
    """Open transactions on the side stores a target that is not SQLite keeps in
    ``home``, by table; they commit after the target's (entered first, left last)."""
    if target.dialect.name == "sqlite":
        yield {}
        return
    stores = side_stores(home)
    engines = {path: create_database_engine(sqlite_url(path)) for path in set(stores.values())}
    try:
        with ExitStack() as stack:
            opened = {path: stack.enter_context(e.begin()) for path, e in engines.items()}
            yield {name: opened[path] for name, path in stores.items()}
    finally:
        for engine in engines.values():
            engine.dispose()  # the last connection folds the WAL into the file


def _require_empty_database(engine: Engine) -> None:
    with _store_errors(engine), engine.connect() as connection:
        _require_empty(connection)


def _require_empty(connection: Connection) -> None:
    """Refuse a database holding rows beyond what its migrations write, naming them."""
    occupied = occupied_tables(connection)
    if occupied:
        held = ", ".join(f"{name} ({n} rows)" for name, n in sorted(occupied.items()))
        raise TargetNotEmptyError(
            f"the database at {_shown_url(connection)} is not empty: {held}; nothing was written",
            hint="name a new, empty database (CREATE DATABASE ...)",
        )


def _check_log(
    connection: Connection, size: int, checkpoint: str | None, verifier: Verifier | None
) -> None:
    """The copied log holds what the source's did, and audits green against its key."""
    log = SqlLogStore(connection)
    if (log.size(), log.checkpoint()) != (size, checkpoint):
        raise LogIntegrityError(
            f"the copied log has {log.size()} entries and another checkpoint; expected {size}"
        )
    if verifier is None:
        return
    report = audit_log(log, verifier, verifier.name)
    if report.problem is not None:
        raise LogIntegrityError(f"the copied log does not audit: {report.problem}")


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _shown_url(connection: Connection) -> str:
    return _shown(connection.engine)


@contextmanager
def _store_errors(engine: Engine) -> Iterator[None]:
    """Driver errors while copying become a ``StoreError`` naming the database, never its
    password."""
    try:
        yield
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or type(exc).__name__
        raise StoreError(
            f"the database at {_shown(engine)} refused the copy: {cause}",
            hint="check that it is reachable and that the user may create tables",
        ) from exc
