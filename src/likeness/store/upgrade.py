"""At start-up, seal what an older version kept in clear (sealing needs the master key,
which migrations do not have): performers' personal fields, and record keys that a
migration left in a PostgreSQL database (they belong in the data home's keys.db)."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from likeness.store.database import Database
from likeness.store.record_keys import keys_of
from likeness.store.repositories import PerformerRepository
from likeness.store.sealed_fields import PREFIX
from likeness.store.tables import performers, record_keys


def seal_what_is_in_clear(database: Database) -> int:
    """Returns how many rows were sealed or moved (0 on every start but the first after
    an upgrade: one read finds nothing to do)."""
    if not _anything_in_clear(database):
        return 0
    with database.write() as connection:
        moved = 0
        keys = keys_of(connection)
        if keys.separate:  # PostgreSQL: keys must not stay where dead rows outlive them
            rows = [dict(row._mapping) for row in connection.execute(select(record_keys))]
            keys.adopt(rows)
            connection.execute(delete(record_keys))
            moved = len(rows)
        sealed = PerformerRepository(connection).seal_clear_rows()
    database.truncate_wal()  # the clear copies' pages, zeroed in the database, linger there
    return moved + sealed


def _anything_in_clear(database: Database) -> bool:
    with database.read() as connection:
        clear = connection.execute(
            select(func.count())
            .select_from(performers)
            .where(~performers.c.legal_name.startswith(PREFIX))
        ).scalar_one()
        keys = keys_of(connection)
        held = (
            connection.execute(select(func.count()).select_from(record_keys)).scalar_one()
            if keys.separate
            else 0
        )
    return bool(clear or held)
