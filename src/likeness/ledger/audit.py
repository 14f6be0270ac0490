"""Re-deriving the whole tree from the stored entries (``likeness log audit``).

The audit trusts nothing stored but the entries themselves: it recomputes every
leaf and complete-subtree hash in append order with a compact range (the right
edge of the tree, O(log n) memory), compares each with the stored copy, and
checks the resulting root against the signed checkpoint. The first disagreement
is reported by index.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from typing import Protocol

from likeness.ledger.checkpoint import open_checkpoint
from likeness.ledger.merkle import EMPTY_ROOT, leaf_hash, node_hash, stored_hash_count
from likeness.ledger.note import NoteError, Verifier

CHUNK = 8192


class AuditSource(Protocol):
    def size(self) -> int: ...

    def checkpoint(self) -> str | None: ...

    def entries(self, start: int, stop: int) -> list[bytes]: ...

    def hash_range(self, start: int, stop: int) -> list[bytes]: ...

    def stored_counts(self) -> tuple[int, int]:
        """How many entries and hashes are stored, whatever the recorded size says."""
        ...


@dataclass(frozen=True)
class AuditReport:
    size: int
    root: bytes
    problem: str | None = None
    since_size: int | None = None
    consistency_proof_length: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def with_since(self, size: int, proof_length: int) -> AuditReport:
        return replace(self, since_size=size, consistency_proof_length=proof_length)

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "problem": self.problem,
            "since_size": self.since_size,
            "consistency_proof_length": self.consistency_proof_length,
        }


def audit_log(source: AuditSource, verifier: Verifier, origin: str) -> AuditReport:
    size = source.size()
    entries, hashes = source.stored_counts()
    if (entries, hashes) != (size, stored_hash_count(size)):
        return AuditReport(
            size=size,
            root=EMPTY_ROOT,
            problem=(
                f"the log records a size of {size} but stores {entries} entries and {hashes} "
                f"hashes (expected {size} and {stored_hash_count(size)})"
            ),
        )
    root, problem = _rederive(source, size)
    if problem is not None:
        return AuditReport(size=size, root=root, problem=problem)
    note = source.checkpoint()
    if note is None:
        problem = None if size == 0 else f"the log holds {size} entries but no checkpoint"
        return AuditReport(size=size, root=root, problem=problem)
    try:
        checkpoint = open_checkpoint(note, verifier, origin=origin)
    except NoteError as exc:
        return AuditReport(size=size, root=root, problem=f"stored checkpoint rejected: {exc}")
    if checkpoint.size != size:
        problem = f"signed checkpoint covers {checkpoint.size} entries but the log holds {size}"
    elif checkpoint.root != root:
        problem = (
            f"the tree re-derived from {size} entries has root "
            f"{base64.b64encode(root).decode()}, not the signed checkpoint's "
            f"{base64.b64encode(checkpoint.root).decode()}"
        )
    return AuditReport(size=size, root=root, problem=problem)


def _rederive(source: AuditSource, size: int) -> tuple[bytes, str | None]:
    edge: list[tuple[int, bytes]] = []  # (level, hash) of the tree's right edge
    for lo in range(0, size, CHUNK):
        hi = min(lo + CHUNK, size)
        try:
            entries = source.entries(lo, hi)
            stored = source.hash_range(stored_hash_count(lo), stored_hash_count(hi))
        except LookupError as exc:
            return EMPTY_ROOT, str(exc)
        position = 0
        for offset, entry in enumerate(entries):
            index = lo + offset
            current, level = leaf_hash(entry), 0
            if stored[position] != current:
                return EMPTY_ROOT, f"entry {index}: its bytes do not match its stored leaf hash"
            position += 1
            while edge and edge[-1][0] == level:
                current = node_hash(edge.pop()[1], current)
                level += 1
                if stored[position] != current:
                    first = index + 1 - (1 << level)
                    return EMPTY_ROOT, (
                        f"stored hash {stored_hash_count(lo) + position} (entries {first} to "
                        f"{index}) does not match the entries"
                    )
                position += 1
            edge.append((level, current))
    if not edge:
        return EMPTY_ROOT, None
    root = edge[-1][1]
    for _, left in reversed(edge[:-1]):
        root = node_hash(left, root)
    return root, None
