"""Run Alembic migrations programmatically against an engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from likeness.errors import StoreError

_SCRIPTS = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # only if the package was shipped without its migrations
        raise RuntimeError(f"no migrations found in {_SCRIPTS}")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return revision_in(connection)


def revision_in(connection: Connection) -> str | None:
    """The revision of the database, read in the caller's transaction."""
    return MigrationContext.configure(connection).get_current_revision()


def is_known(revision: str) -> bool:
    """Whether this code's migrations include ``revision`` (a newer one is unknown)."""
    try:
        return ScriptDirectory.from_config(_config()).get_revision(revision) is not None
    except CommandError:
        return False


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)


def upgrade_in(connection: Connection, revision: str = "head") -> None:
    """Upgrade inside the caller's transaction (PostgreSQL's DDL rolls back with it)."""
    config = _config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _run(engine: Engine, operation: Callable[[Config, str], None], revision: str) -> None:
    config = _config()
    with engine.connect() as connection, _foreign_keys_deferred(connection), connection.begin():
        config.attributes["connection"] = connection
        operation(config, revision)
        _check_foreign_keys(connection)


@contextmanager
def _foreign_keys_deferred(connection: Connection) -> Iterator[None]:
    """On SQLite, foreign keys off while migrating: Alembic's batch mode rebuilds a table
    by copying it and dropping the original, and with them on, that drop would delete the
    rows that refer to it (ON DELETE CASCADE) or fail. The pragma only takes effect outside
    a transaction, so it is set on the driver's connection before one begins."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise StoreError(
            f"a migration would leave {len(broken)} rows referring to rows that do not exist "
            f"(first: {tuple(broken[0])}); nothing was changed",
            hint="report this with the output of 'likeness status'",
        )
