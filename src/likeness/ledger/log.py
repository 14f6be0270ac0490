"""Appending to the log and reading proofs from it, over a ``LogStore`` port."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from likeness.ledger.checkpoint import Checkpoint
from likeness.ledger.merkle import (
    HashReader,
    hashes_for_append,
    leaf_hash,
    stored_hash_count,
    tree_hash,
)
from likeness.ledger.note import Signer
from likeness.ledger.tiles import MAX_ENTRY_SIZE


class LogStore(HashReader, Protocol):
    """The log's storage, bound to one open transaction."""

    def size(self) -> int: ...

    def entries(self, start: int, stop: int) -> list[bytes]: ...

    def checkpoint(self) -> str | None: ...

    def write(
        self,
        *,
        first_index: int,
        entries: Sequence[bytes],
        first_hash: int,
        hashes: Sequence[bytes],
        checkpoint: str,
    ) -> None:
        """Store new entries, their new hashes and the checkpoint that covers them."""
        ...


@dataclass(frozen=True)
class Appended:
    first_index: int
    size: int
    checkpoint: str


class _Overlay:
    """Stored hashes plus those computed for a batch not yet written."""

    def __init__(self, store: HashReader, base: int) -> None:
        self._store = store
        self.base = base
        self.new: list[bytes] = []

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        old = [i for i in indexes if i < self.base]
        found = dict(zip(old, self._store.read_hashes(old), strict=True)) if old else {}
        return [found[i] if i < self.base else self.new[i - self.base] for i in indexes]


def append(store: LogStore, entries: Sequence[bytes], *, signer: Signer, origin: str) -> Appended:
    """Append ``entries`` in order and sign a checkpoint covering them, in the store's
    transaction: they become visible (and durable) together when it commits."""
    if not entries:
        raise ValueError("nothing to append")
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise ValueError(f"log entry of {len(entry)} bytes exceeds {MAX_ENTRY_SIZE}")
    size = store.size()
    overlay = _Overlay(store, stored_hash_count(size))
    for offset, entry in enumerate(entries):
        overlay.new.extend(hashes_for_append(size + offset, leaf_hash(entry), overlay))
    new_size = size + len(entries)
    note = Checkpoint(origin, new_size, tree_hash(new_size, overlay)).sign(signer)
    store.write(
        first_index=size,
        entries=entries,
        first_hash=overlay.base,
        hashes=overlay.new,
        checkpoint=note,
    )
    return Appended(first_index=size, size=new_size, checkpoint=note)
