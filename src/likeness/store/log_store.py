"""The transparency log's storage in SQL (``ledger.log.LogStore``), and record salts."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from likeness.ledger.entry import SALT_SIZE
from likeness.ledger.merkle import HASH_SIZE, stored_hash_count
from likeness.store.record_keys import keys_of
from likeness.store.tables import log_entries, log_hashes, log_state, record_salts

_CHUNK = 500
_STATE_ID = 1


class HashMirror:
    """An in-memory copy of the stored hashes, kept as immutable blocks of 4,096.

    Stored hashes are append-only and never change, so a process can mirror
    them and serve proofs and tiles without a query per hash (64 MB per million
    entries). ``sync`` pulls whatever other transactions have committed since;
    it only ever reads committed rows, so a rolled-back append never enters the
    mirror. The audit never uses it: it re-reads and re-derives everything.
    """

    _SHIFT = 12  # 4,096 hashes per block; slicing a bytes block copies only the slice
    _MASK = (1 << _SHIFT) - 1

    def __init__(self) -> None:
        self._blocks: list[bytes] = []  # full blocks, then at most one partial block
        self._count = 0
        self._lock = threading.Lock()

    @property
    def count(self) -> int:
        return self._count

    def sync(self, connection: Connection, upto: int) -> None:
        """Mirror every stored hash below index ``upto`` (a committed count)."""
        with self._lock:
            have = self._count
            if upto <= have:
                return
            rows = connection.exec_driver_sql(
                f"SELECT idx, hash FROM log_hashes WHERE idx >= {have} AND idx < {upto} "  # noqa: S608 - integers
                "ORDER BY idx"
            ).all()
            fresh = b"".join(_contiguous(rows, have, upto, "stored hash"))
            partial = bool(have & self._MASK)
            data = (self._blocks[-1] if partial else b"") + fresh
            size = HASH_SIZE << self._SHIFT
            blocks = [data[k : k + size] for k in range(0, len(data), size)]
            # Readers do not take the lock: the partial block is replaced by one it is
            # a prefix of (one atomic store), new blocks are appended, and only then
            # does the count that bounds their reads move.
            if partial:
                self._blocks[-1] = blocks.pop(0)
            self._blocks.extend(blocks)
            self._count = upto

    def read(self, indexes: Sequence[int]) -> list[bytes]:
        blocks, shift, mask = self._blocks, self._SHIFT, self._MASK
        return [
            blocks[i >> shift][(i & mask) * HASH_SIZE : ((i & mask) + 1) * HASH_SIZE]
            for i in indexes
        ]

    def join(self, indexes: Sequence[int]) -> bytes:
        return b"".join(self.read(indexes))


class SqlLogStore:
    def __init__(self, connection: Connection, mirror: HashMirror | None = None) -> None:
        self._db = connection
        self._mirror = mirror

    def size(self) -> int:
        size = self._db.execute(
            select(log_state.c.size).where(log_state.c.id == _STATE_ID)
        ).scalar_one_or_none()
        return 0 if size is None else int(size)

    def checkpoint(self) -> str | None:
        return self._db.execute(
            select(log_state.c.checkpoint).where(log_state.c.id == _STATE_ID)
        ).scalar_one_or_none()

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        if not indexes:
            return []
        if self._mirror is not None:
            highest = max(indexes)
            if highest >= self._mirror.count:
                self._mirror.sync(self._db, stored_hash_count(self.size()))
            if highest < self._mirror.count:
                return self._mirror.read(indexes)
        return self._query_hashes(indexes)

    def read_joined(self, indexes: Sequence[int]) -> bytes:
        """The hashes at ``indexes``, concatenated (a tile's body)."""
        if indexes and self._mirror is not None:
            self.read_hashes(indexes[-1:])  # brings the mirror up to date if needed
            if max(indexes) < self._mirror.count:
                return self._mirror.join(indexes)
        return b"".join(self.read_hashes(indexes))

    def _query_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        wanted = sorted(set(indexes))
        found: dict[int, bytes] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows = self._db.execute(
                select(log_hashes.c.idx, log_hashes.c.hash).where(log_hashes.c.idx.in_(chunk))
            )
            found.update((int(i), bytes(h)) for i, h in rows)
        if len(found) != len(wanted):
            absent = sorted(set(wanted) - set(found))
            raise LookupError(f"stored hashes missing from the log: {absent[:5]}")
        return [found[i] for i in indexes]

    def hash_range(self, start: int, stop: int) -> list[bytes]:
        """Stored hashes ``[start, stop)`` straight from the table (for the audit)."""
        rows = self._db.execute(
            select(log_hashes.c.idx, log_hashes.c.hash)
            .where(log_hashes.c.idx >= start, log_hashes.c.idx < stop)
            .order_by(log_hashes.c.idx)
        ).all()
        return _contiguous(rows, start, stop, "stored hash")

    def stored_counts(self) -> tuple[int, int]:
        entries = self._db.execute(select(func.count()).select_from(log_entries)).scalar_one()
        hashes = self._db.execute(select(func.count()).select_from(log_hashes)).scalar_one()
        return int(entries), int(hashes)

    def entry_heads(self, start: int, stop: int, length: int) -> list[bytes]:
        """The first ``length`` bytes of entries ``[start, stop)``, in order: what counting
        entries by time needs, without reading whole entries."""
        rows = self._db.execute(
            select(func.substr(log_entries.c.data, 1, length))
            .where(log_entries.c.idx >= start, log_entries.c.idx < stop)
            .order_by(log_entries.c.idx)
        )
        return [bytes(head) for (head,) in rows]

    def entries(self, start: int, stop: int) -> list[bytes]:
        rows = self._db.execute(
            select(log_entries.c.idx, log_entries.c.data)
            .where(log_entries.c.idx >= start, log_entries.c.idx < stop)
            .order_by(log_entries.c.idx)
        ).all()
        return _contiguous(rows, start, stop, "entry")

    def write(
        self,
        *,
        first_index: int,
        entries: Sequence[bytes],
        first_hash: int,
        hashes: Sequence[bytes],
        checkpoint: str,
    ) -> None:
        _bulk_insert(self._db, "log_entries", ("idx", "data"), enumerate(entries, first_index))
        _bulk_insert(self._db, "log_hashes", ("idx", "hash"), enumerate(hashes, first_hash))
        new_size = first_index + len(entries)
        changed = self._db.execute(
            update(log_state)
            .where(log_state.c.id == _STATE_ID, log_state.c.size == first_index)
            .values(size=new_size, checkpoint=checkpoint)
        ).rowcount
        if changed == 0:
            if first_index != 0:
                raise RuntimeError("log size changed under an append; the transaction is void")
            self._db.execute(
                insert(log_state), {"id": _STATE_ID, "size": new_size, "checkpoint": checkpoint}
            )


_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s", "numeric": ":{n}"}


def _bulk_insert(
    connection: Connection, table: str, columns: Sequence[str], rows: Iterable[tuple[int, bytes]]
) -> None:
    """executemany straight to the driver: the log's appends are its hot path, and
    SQLAlchemy's per-parameter processing cost more than SQLite's insert itself.
    Only integers and bytes pass through, which every driver binds natively."""
    style = connection.dialect.paramstyle
    if style not in _PLACEHOLDER:
        raise RuntimeError(f"unsupported DB-API paramstyle {style!r}")
    marks = ", ".join(_PLACEHOLDER[style].format(n=i + 1) for i in range(len(columns)))
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - fixed names
    connection.exec_driver_sql(statement, list(rows))


def _contiguous(rows: Sequence[tuple[int, bytes]], start: int, stop: int, what: str) -> list[bytes]:
    out = []
    for expected, (index, data) in zip(range(start, stop), rows, strict=False):
        if index != expected:
            raise LookupError(f"{what} {expected} is missing from the log")
        out.append(bytes(data))
    if len(out) != stop - start:
        raise LookupError(f"{what} {start + len(out)} is missing from the log")
    return out


class SaltRepository:
    """The salt behind each record's log commitments.

    A record a performer owns has its salt derived from the owner's record key (HMAC):
    nothing about it is stored, and destroying the key on erasure leaves every commitment
    to the record unopenable, on any store. Records no performer owns (productions) have
    a random salt of their own, stored; so do records an older version salted.
    """

    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def salts_for(self, records: Iterable[tuple[str, str | None]]) -> dict[str, bytes]:
        """The salt of each (record key, owner) pair; owners' keys and stored salts are
        created as needed."""
        owners = dict(records)
        keys = list(owners)
        found = self._stored(keys)
        owned = {k: o for k, o in owners.items() if k not in found and o is not None}
        if owned:
            record_keys = keys_of(self._db).get_many(self._db, owned.values(), create=True)
            found.update((k, derive_salt(record_keys[o], k)) for k, o in owned.items())
        new = {k: secrets.token_bytes(SALT_SIZE) for k in keys if k not in found}
        if new:
            self._db.execute(
                insert(record_salts), [{"record_key": k, "salt": s} for k, s in new.items()]
            )
        return found | new

    def get(self, record_key: str, owner: str | None = None) -> bytes | None:
        """The record's salt, if it has one now (None once its owner's key is gone)."""
        stored = self._stored([record_key])
        if record_key in stored or owner is None:
            return stored.get(record_key)
        key = keys_of(self._db).get(self._db, owner, create=False)
        return None if key is None else derive_salt(key, record_key)

    def erase(self, record_key: str) -> bool:
        """Delete a stored salt (derived ones go with their owner's key)."""
        return bool(
            self._db.execute(
                delete(record_salts).where(record_salts.c.record_key == record_key)
            ).rowcount
        )

    def _stored(self, keys: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            rows = self._db.execute(
                select(record_salts.c.record_key, record_salts.c.salt).where(
                    record_salts.c.record_key.in_(chunk)
                )
            )
            found.update((k, bytes(s)) for k, s in rows)
        return found


def derive_salt(owner_key: bytes, record_key: str) -> bytes:
    return hmac.new(owner_key, f"likeness-salt\x1f{record_key}".encode(), hashlib.sha256).digest()[
        :SALT_SIZE
    ]
