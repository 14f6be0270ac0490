"""The transparency log as a use case: record events, serve checkpoints, tiles and
receipts, and audit the stored tree."""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Connection

from likeness.errors import InvalidInputError, LogIntegrityError, NotFoundError
from likeness.ledger import log as tlog
from likeness.ledger.audit import AuditReport, audit_log
from likeness.ledger.checkpoint import Checkpoint, open_checkpoint
from likeness.ledger.cosignature import split_note, with_cosignatures
from likeness.ledger.entry import SALT_SIZE, encode_entry
from likeness.ledger.merkle import (
    EMPTY_ROOT,
    ProofError,
    consistency_proof,
    inclusion_proof,
    stored_hash_index,
    verify_consistency,
)
from likeness.ledger.note import NoteError, Signer
from likeness.ledger.receipt import Receipt
from likeness.ledger.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    TilePathError,
    encode_bundle,
    parse_tile_path,
)
from likeness.services.events import PendingEvent
from likeness.store.database import Database
from likeness.store.log_store import HashMirror, SaltRepository, SqlLogStore
from likeness.store.witnesses import WitnessRepository

FULL_TILE_CACHE = 4096  # tiles of 8 KiB: 32 MiB at most
COSIGNATURES_TTL = 1.0  # seconds a checkpoint's cosignature lines are served from memory
# Every entry opens with its time (RFC 8785 sorts "at" first): {"at":"2026-01-05T09:...
_AT = b'{"at":"'
_HEAD = len(_AT) + 10
_GROWTH_CHUNK = 5000


@dataclass(frozen=True)
class Tile:
    data: bytes
    immutable: bool


class LedgerService:
    def __init__(self, *, database: Database, signer: Signer, origin: str) -> None:
        self._database = database
        self._signer = signer
        self._origin = origin
        self._mirror = HashMirror()
        self._full_tiles: OrderedDict[str, bytes] = OrderedDict()
        self._tiles_lock = threading.Lock()
        # (stored note, note with cosignatures, monotonic time it is good until)
        self._cosignatures: tuple[str, str, float] | None = None
        # Entries counted by day so far: entries never change, so only new ones are read.
        self._growth: tuple[int, Counter[date]] = (0, Counter())
        self._growth_lock = threading.Lock()

    @property
    def verifier_key(self) -> str:
        return self._signer.verifier.encode()

    # -- appending ----------------------------------------------------------

    def record(self, connection: Connection, events: Sequence[PendingEvent]) -> list[int]:
        """Append events inside the caller's write transaction; returns their indexes.

        Each event comes with the key of the record whose salt commits to its
        fields (``None`` for an event with no personal fields: a fresh salt is
        used and discarded). Entries become durable when the caller commits.
        """
        _, appended = self._record(connection, events)
        return list(range(appended.first_index, appended.size))

    def _record(
        self, connection: Connection, events: Sequence[PendingEvent]
    ) -> tuple[list[bytes], tlog.Appended]:
        salts = SaltRepository(connection).salts_for(
            (e.salt_key, e.salt_owner) for e in events if e.salt_key is not None
        )
        entries = [encode_entry(e.event, _salt(e, salts)) for e in events]
        appended = tlog.append(
            SqlLogStore(connection, self._mirror), entries, signer=self._signer, origin=self._origin
        )
        return entries, appended

    def append_with_receipts(self, events: Sequence[PendingEvent]) -> list[Receipt]:
        """Append events in a transaction of their own and return each one's receipt
        against the checkpoint signed in that transaction (proofs from the hash mirror,
        after the commit, so an uncommitted hash never enters it)."""
        with self._database.write() as connection:
            entries, appended = self._record(connection, events)
        with _integrity(), self._database.read() as connection:
            store = SqlLogStore(connection, self._mirror)
            return [
                Receipt(
                    index=index,
                    entry=entry,
                    proof=tuple(inclusion_proof(index, appended.size, store)),
                    checkpoint=appended.checkpoint,
                )
                for index, entry in zip(
                    range(appended.first_index, appended.size), entries, strict=True
                )
            ]

    def append(self, events: Sequence[PendingEvent]) -> list[int]:
        """Append events in a transaction of their own."""
        with self._database.write() as connection:
            return self.record(connection, events)

    def append_entries(self, entries: Sequence[bytes]) -> list[int]:
        """Append already-encoded entries in one transaction; returns their indexes."""
        with self._database.write() as connection:
            store = SqlLogStore(connection, self._mirror)
            appended = tlog.append(store, entries, signer=self._signer, origin=self._origin)
        return list(range(appended.first_index, appended.size))

    # -- reading --------------------------------------------------------------

    def checkpoint(self) -> str:
        """The latest checkpoint, signed by the log's key only."""
        with self._database.read() as connection:
            note = SqlLogStore(connection).checkpoint()
        return note if note is not None else self._empty_checkpoint()

    def cosigned_checkpoint(self) -> str:
        """The latest checkpoint with the cosignature lines of the witnesses that cosigned
        exactly it (served at /log/checkpoint and put in receipts)."""
        with self._database.read() as connection:
            note = SqlLogStore(connection).checkpoint()
            if note is None:
                return self._empty_checkpoint()
            return self._cosigned(note, connection)

    def forget_cosignatures(self) -> None:
        """A cosignature was stored: serve it from now on (in this process; other
        processes see it within ``COSIGNATURES_TTL``)."""
        self._cosignatures = None

    def _cosigned(self, note: str, connection: Connection) -> str:
        # /log/checkpoint is the hottest public read: the witnesses' lines for the
        # checkpoint just read are kept a moment instead of queried on every request.
        cached = self._cosignatures
        if cached is not None and cached[0] == note and time.monotonic() < cached[2]:
            return cached[1]
        lines = WitnessRepository(connection).cosignatures_of(split_note(note)[0])
        cosigned = with_cosignatures(note, lines) if lines else note
        self._cosignatures = (note, cosigned, time.monotonic() + COSIGNATURES_TTL)
        return cosigned

    def _empty_checkpoint(self) -> str:
        return Checkpoint(self._origin, 0, EMPTY_ROOT).sign(self._signer)

    def size(self) -> int:
        with self._database.read() as connection:
            return SqlLogStore(connection).size()

    def growth(self) -> list[tuple[date, int]]:
        """Entries appended each day (UTC, the entries' own times), oldest first."""
        with self._growth_lock, self._database.read() as connection:
            counted, days = self._growth
            store = SqlLogStore(connection)
            size = store.size()
            if size < counted:  # a smaller log (a restored backup): count again
                counted, days = 0, Counter()
            days = Counter(days)
            for start in range(counted, size, _GROWTH_CHUNK):
                for head in store.entry_heads(start, min(size, start + _GROWTH_CHUNK), _HEAD):
                    if head.startswith(_AT):
                        days[date.fromisoformat(head[len(_AT) :].decode("ascii"))] += 1
            self._growth = (size, days)
            return sorted(days.items())

    def receipt(self, index: int) -> Receipt:
        """Entry ``index`` with its inclusion proof against the latest checkpoint."""
        with _integrity(), self._database.read() as connection:
            store = SqlLogStore(connection, self._mirror)
            size = store.size()
            if not 0 <= index < size:
                raise NotFoundError(
                    "log entry", str(index), hint=f"the log holds entries 0 to {size - 1}"
                )
            note = store.checkpoint()
            assert note is not None  # a non-empty log always has one
            return Receipt(
                index=index,
                entry=store.entries(index, index + 1)[0],
                proof=tuple(inclusion_proof(index, size, store)),
                checkpoint=self._cosigned(note, connection),
            )

    def prove_consistency(self, old_size: int, new_size: int) -> list[bytes]:
        with _integrity(), self._database.read() as connection:
            store = SqlLogStore(connection, self._mirror)
            if new_size > store.size():
                raise InvalidInputError(f"the log has fewer than {new_size} entries")
            try:
                return consistency_proof(old_size, new_size, store)
            except ProofError as exc:
                raise InvalidInputError(str(exc)) from None

    def cached_tile(self, path: str) -> Tile | None:
        """A full tile already served once: full tiles never change, so no query is needed."""
        with self._tiles_lock:
            data = self._full_tiles.get(path)
            if data is not None:
                self._full_tiles.move_to_end(path)
        return None if data is None else Tile(data=data, immutable=True)

    def tile(self, path: str) -> Tile:
        """A tile or entry bundle by its tlog-tiles path (``tile/...``)."""
        cached = self.cached_tile(path)
        if cached is not None:
            return cached
        tile = self._read_tile(path)
        if tile.immutable:
            with self._tiles_lock:
                self._full_tiles[path] = tile.data
                while len(self._full_tiles) > FULL_TILE_CACHE:
                    self._full_tiles.popitem(last=False)
        return tile

    def _read_tile(self, path: str) -> Tile:
        try:
            ref = parse_tile_path(path)
        except TilePathError as exc:
            raise InvalidInputError(str(exc)) from None
        with _integrity(), self._database.read() as connection:
            store = SqlLogStore(connection, self._mirror)
            size = store.size()
            if ref.level is None:
                first = ref.index * TILE_WIDTH
                if first + ref.width > size:
                    raise NotFoundError("entry bundle", ref.path(), hint=f"tree size is {size}")
                data = encode_bundle(store.entries(first, first + ref.width))
            else:
                level = ref.level * TILE_HEIGHT
                available = size >> level  # complete subtrees at that level
                first = ref.index * TILE_WIDTH
                if first + ref.width > available:
                    raise NotFoundError("tile", ref.path(), hint=f"tree size is {size}")
                indexes = [stored_hash_index(level, first + i) for i in range(ref.width)]
                data = store.read_joined(indexes)
        return Tile(data=data, immutable=ref.full)

    # -- auditing ---------------------------------------------------------------

    def audit(self, since: Path | str | None = None) -> AuditReport:
        """Re-derive the tree from the stored entries and check it against the checkpoint;
        ``since``: a checkpoint an auditor kept (a file, or the note's text), which the
        log must still be consistent with."""
        with self._database.read() as connection:
            report = audit_log(SqlLogStore(connection), self._signer.verifier, self._origin)
            if report.problem is not None:
                raise LogIntegrityError(report.problem)
            if since is not None:
                report = self._check_since(SqlLogStore(connection), report, since)
        return report

    def _check_since(
        self, store: SqlLogStore, report: AuditReport, since: Path | str
    ) -> AuditReport:
        label = str(since) if isinstance(since, Path) else "the kept checkpoint"
        try:
            note = since.read_bytes() if isinstance(since, Path) else since
            old = open_checkpoint(note, self._signer.verifier, origin=self._origin)
        except OSError as exc:
            raise InvalidInputError(f"{since}: cannot read ({exc.strerror})") from None
        except NoteError as exc:
            raise InvalidInputError(f"{label}: checkpoint rejected: {exc}") from None
        if old.size > report.size:
            raise LogIntegrityError(
                f"saved checkpoint has size {old.size} but the log now has only {report.size} "
                "entries: history was truncated"
            )
        try:
            proof = consistency_proof(old.size, report.size, store)
            verify_consistency(old.size, report.size, old.root, report.root, proof)
        except ProofError as exc:
            raise LogIntegrityError(
                f"the log is not consistent with the saved checkpoint of size {old.size}: {exc}"
            ) from None
        return report.with_since(old.size, len(proof))


@contextmanager
def _integrity() -> Iterator[None]:
    """Stored rows the log needs are missing: that is damage, not a bad request."""
    try:
        yield
    except LookupError as exc:
        raise LogIntegrityError(
            f"the stored log is damaged: {exc}", hint="run 'likeness log audit' to locate it"
        ) from exc


def _salt(event: PendingEvent, salts: Mapping[str, bytes]) -> bytes:
    if event.salt is not None:
        return event.salt
    return _throwaway_salt() if event.salt_key is None else salts[event.salt_key]


def _throwaway_salt() -> bytes:
    return secrets.token_bytes(SALT_SIZE)
