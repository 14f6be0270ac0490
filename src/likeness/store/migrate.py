"""Run Alembic migrations programmatically against an engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

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
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        operation(config, revision)
