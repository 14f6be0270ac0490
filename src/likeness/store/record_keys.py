"""Per-record data keys, kept where deleting one destroys it: erasure by key destruction.

Everything about a performer that erasure must destroy is sealed under a key of their
own: their personal fields (``personal:<performer>``: names, membership, dates,
representatives, and the salts of their log commitments, which are derived from it),
their biometric data (``biometric:<performer>``: the vault's blobs) and each stored scan
report (``report:<job>``: face thumbnails). Each key is stored wrapped (AES-256-GCM) by
the master key, in a SQLite table whose deleted rows are zeroed (``secure_delete``) and
whose write-ahead log is truncated after a destruction.

On SQLite that table is in the main database, so a key is made and destroyed in the same
transaction as the rows it seals. PostgreSQL keeps old row versions and its WAL, so there
the keys live in ``keys.db`` in the data home instead (every process of a deployment
shares the data home already: the vault is there); a key is written there, and committed,
before the rows it seals, and destroyed before the transaction that deletes them commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from likeness.errors import StoreError, VaultError
from likeness.store.database import CREATED_KEYS, KEYS
from likeness.store.secret_box import derive_key
from likeness.store.tables import record_keys

NONCE = 12
KEY = 32
_CHUNK = 500
_TRUNCATE_TRIES = 60  # 3 s
KEYS_FILE = "keys.db"  # in the data home, when the main database is not SQLite


def personal(performer_id: str) -> str:
    return f"personal:{performer_id}"


def biometric(performer_id: str) -> str:
    return f"biometric:{performer_id}"


def report(job_id: str) -> str:
    return f"report:{job_id}"


def _aad(owner: str) -> bytes:
    # Biometric keys keep the binding they had in the vault's own table (performer id).
    kind, _, subject = owner.partition(":")
    bound = subject if kind == "biometric" else owner
    return f"likeness-vault\x1fkey\x1f{bound}".encode()


class RecordKeys:
    """The key table: in the caller's transaction (``separate`` None: the main database is
    SQLite) or in ``keys.db`` (``separate``: its engine), committed at once."""

    def __init__(self, master_key: bytes, *, separate: Engine | None = None) -> None:
        if len(master_key) != KEY:
            raise ValueError("the master key is 32 bytes")
        self._master = AESGCM(master_key)
        self._blind = derive_key(master_key, "blind-index")
        self._separate = separate
        if separate is not None:
            record_keys.create(separate, checkfirst=True)

    @property
    def separate(self) -> bool:
        return self._separate is not None

    def get(self, connection: Connection, owner: str, *, create: bool) -> bytes | None:
        return self.get_many(connection, [owner], create=create).get(owner)

    def get_many(
        self, connection: Connection, owners: Iterable[str], *, create: bool
    ) -> dict[str, bytes]:
        """The keys of ``owners`` that exist (all of them with ``create``)."""
        wanted = list(dict.fromkeys(owners))
        with self._table(connection, write=create) as table:
            found = self._read(table, wanted)
            missing = [owner for owner in wanted if owner not in found]
            if create and missing:
                found |= self._make(table, missing)
                if self._separate is not None:  # undone if the caller's transaction is
                    connection.info.setdefault(CREATED_KEYS, []).extend(missing)
        return found

    def destroy(self, connection: Connection, owners: Iterable[str]) -> int:
        """Delete the keys: what they sealed is noise from now on, wherever it lies."""
        gone = 0
        wanted = list(dict.fromkeys(owners))
        with self._table(connection, write=True) as table:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                gone += table.execute(
                    delete(record_keys).where(record_keys.c.owner.in_(chunk))
                ).rowcount
        if self._separate is not None and gone:
            self._truncate_wal()
        return gone

    def discard(self, owners: Iterable[str]) -> None:
        """Destroy keys made for a transaction of the main database that rolled back
        (keys.db had committed them first): a dead row of what they sealed stays noise."""
        if self._separate is None:
            return  # on SQLite they rolled back with it
        wanted = list(dict.fromkeys(owners))
        with self._separate.begin() as table:
            for start in range(0, len(wanted), _CHUNK):
                table.execute(
                    delete(record_keys).where(
                        record_keys.c.owner.in_(wanted[start : start + _CHUNK])
                    )
                )
        self._truncate_wal()

    def sweep(self, connection: Connection, live: Iterable[str]) -> int:
        """Destroy the keys in keys.db whose owner ``live`` does not name (made for a
        transaction a crash cut short). Call it under the writers' lock, so that no
        transaction that made a key is still open."""
        if self._separate is None:
            return 0
        orphans = set(self.owners(connection)) - set(live)
        if orphans:
            self.discard(orphans)
        return len(orphans)

    def dispose(self) -> None:
        if self._separate is not None:
            self._separate.dispose()

    def adopt(self, rows: list[dict[str, object]]) -> None:
        """Take keys (``owner``, ``wrapped``, ``created_at`` rows, as they are wrapped)
        that a migration left in the main database, into ``keys.db``."""
        if self._separate is None or not rows:
            return
        with self._separate.begin() as table:
            have = set(table.execute(select(record_keys.c.owner)).scalars())
            fresh = [row for row in rows if row["owner"] not in have]
            if fresh:
                table.execute(insert(record_keys), fresh)

    def wrapped_form(self, connection: Connection, owner: str) -> bytes | None:
        """The key as stored (wrapped), for an audit of what a store holds."""
        with self._table(connection) as table:
            stored = table.execute(
                select(record_keys.c.wrapped).where(record_keys.c.owner == owner)
            ).scalar_one_or_none()
        return None if stored is None else bytes(stored)

    def blind_index(self, value: str) -> str:
        """A keyed hash to find a row by a sealed value (a union membership), without
        the value in clear."""
        return hmac.new(self._blind, value.encode(), hashlib.sha256).hexdigest()

    def owners(self, connection: Connection) -> list[str]:
        with self._table(connection) as table:
            return list(table.execute(select(record_keys.c.owner)).scalars())

    @contextmanager
    def _table(self, connection: Connection, *, write: bool = False) -> Iterator[Connection]:
        if self._separate is None:
            yield connection
            return
        with self._separate.connect() as own:
            if write:  # a reader must not queue on keys.db's write lock
                own = own.execution_options(likeness_immediate=True)
            with own.begin():
                yield own

    def _read(self, table: Connection, owners: list[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for start in range(0, len(owners), _CHUNK):
            rows = table.execute(
                select(record_keys.c.owner, record_keys.c.wrapped).where(
                    record_keys.c.owner.in_(owners[start : start + _CHUNK])
                )
            )
            found.update((owner, self._unwrap(owner, bytes(wrapped))) for owner, wrapped in rows)
        return found

    def _make(self, table: Connection, owners: list[str]) -> dict[str, bytes]:
        now = datetime.now(UTC)
        made = {owner: secrets.token_bytes(KEY) for owner in owners}
        rows = [
            {"owner": o, "wrapped": self._wrap(o, k), "created_at": now} for o, k in made.items()
        ]
        try:
            table.execute(insert(record_keys), rows)
        except IntegrityError as exc:  # pragma: no cover - writers are serialised
            raise StoreError(f"a record key was made twice: {exc.orig}") from None
        return made

    def _wrap(self, owner: str, key: bytes) -> bytes:
        nonce = secrets.token_bytes(NONCE)
        return nonce + self._master.encrypt(nonce, key, _aad(owner))

    def _unwrap(self, owner: str, sealed: bytes) -> bytes:
        try:
            return self._master.decrypt(sealed[:NONCE], sealed[NONCE:], _aad(owner))
        except InvalidTag:
            raise VaultError(
                f"the key of {owner} does not open with this master key",
                hint="the master key (secrets/master.key or LIKENESS_MASTER_KEY) is not the one "
                "this data home was created with",
            ) from None

    def _truncate_wal(self) -> None:
        """Copy keys.db's WAL into the file (whose deleted rows are zeroed) and truncate
        it, so a destroyed key does not linger there; a reader holding an old snapshot
        makes SQLite wait, so try again for a while, then say so."""
        assert self._separate is not None
        for _ in range(_TRUNCATE_TRIES):
            with self._separate.connect() as connection:
                busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
                connection.commit()
            if not busy:
                return
            time.sleep(0.05)
        raise StoreError(
            "a destroyed record key may still be in keys.db's write-ahead log: another "
            "process kept reading it",
            hint="the next destruction or start-up truncates it again; the key's rows are gone",
        )


def keys_file(home: Path) -> Path:
    return home / KEYS_FILE


def keys_of(connection: Connection) -> RecordKeys:
    """The record keys of the database this connection belongs to."""
    keys = connection.info.get(KEYS)
    if not isinstance(keys, RecordKeys):
        raise StoreError(
            "this database was opened without the data home's record keys, which personal "
            "and biometric fields need",
            hint="open it through likeness.bootstrap.build_services",
        )
    return keys
