"""At start-up, seal what an older version kept in clear (sealing needs the master key,
which migrations do not have): performers' personal fields, and record keys that a
migration left in a PostgreSQL database (they belong in the data home's keys.db)."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from likeness.store.database import Database
from likeness.store.record_keys import biometric, keys_of, personal, report
from likeness.store.repositories import PerformerRepository
from likeness.store.sealed_fields import PREFIX
from likeness.store.tables import performers, record_keys, scan_jobs, vault_keys


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


def sweep_orphan_keys(database: Database) -> int:
    """Destroy the record keys in keys.db that no row needs: made by a transaction that a
    crash cut short after keys.db had committed them (on SQLite they roll back with it).
    Under the writers' lock, so that no transaction that made a key is still open."""
    if database.keys is None or not database.keys.separate:
        return 0
    with database.write() as connection:
        keys = keys_of(connection)
        held = list(connection.execute(select(vault_keys.c.performer_id)).scalars())
        reports = select(scan_jobs.c.id).where(scan_jobs.c.report.is_not(None))
        live = [
            *(personal(i) for i in connection.execute(select(performers.c.id)).scalars()),
            *(biometric(i) for i in held),
            *(report(i) for i in connection.execute(reports).scalars()),
        ]
        return keys.sweep(connection, live)


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
