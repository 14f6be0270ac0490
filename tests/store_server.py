"""The store tests run on: SQLite in the data home (the default), or a fresh database
on a PostgreSQL server per test (``pytest --store postgresql``, with the server from
``scripts/postgres start`` or ``--store-url``).

Each test gets its own database, created from the server's ``likeness`` database URL
and dropped afterwards, so tests stay independent exactly as with a fresh SQLite file.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
URL_FILE = REPO / ".postgres" / "url"


def server_url(given: str | None) -> str:
    """The URL of the server to test on: ``--store-url``, else the checkout's own."""
    if given:
        return given
    if not URL_FILE.is_file():
        raise RuntimeError(
            "--store postgresql needs a server: run scripts/postgres start (or pass --store-url)"
        )
    return URL_FILE.read_text().strip()


@contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """A new, empty database on ``server``; its URL while the block runs."""
    name = f"t_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
