"""Migrations upgrade an empty database to head and back down, and match the table code."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from likeness.store import migrate
from likeness.store.database import create_database_engine
from likeness.store.tables import metadata

REGISTRY_TABLES = {"performers", "representatives", "productions", "accounts", "api_keys"}


def test_upgrade_to_head_then_down_to_empty(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'm.db'}")
    assert migrate.current_revision(engine) is None

    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert set(inspect(engine).get_table_names()) >= REGISTRY_TABLES

    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

    migrate.upgrade(engine)  # and up again: downgrade left nothing in the way
    assert set(inspect(engine).get_table_names()) >= REGISTRY_TABLES
    engine.dispose()


def test_migrated_schema_matches_the_table_definitions(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []
