"""RFC 6962 / RFC 9162 Merkle trees over a store of complete-subtree hashes.

Hashing (RFC 9162 §2.1.1): a leaf hash is SHA-256(0x00 ‖ entry), an interior
node SHA-256(0x01 ‖ left ‖ right).

Storage follows the stored-hash layout of Go's ``golang.org/x/mod/sumdb/tlog``:
every *complete* subtree hash gets a dense integer index, assigned in append
order, so appending leaf ``n`` writes the hashes at indexes
``[stored_hash_count(n), stored_hash_count(n + 1))`` and never rewrites any.
A tree of ``n`` leaves holds ``2n - popcount(n)`` hashes. Proofs and tree hashes
are computed from O(log n) stored hashes, read in one batch: every function
here first works out which indexes it needs, asks a ``HashReader`` for all of
them, then computes. Verification follows the iterative algorithms of RFC 9162
§2.1.3.2 (inclusion) and §2.1.4.2 (consistency), written independently of the
generation code so that each checks the other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof, size or hash does not verify."""


class HashReader(Protocol):
    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        """The stored hashes at ``indexes``, in the same order."""
        ...


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


# -- the stored-hash index ----------------------------------------------------


def stored_hash_index(level: int, n: int) -> int:
    """Index of the hash of the ``n``-th complete subtree of height ``level``.

    Go's tlog computes it with two loops; in closed form: with
    m = (n + 1)·2^level - 1 (the last leaf under that subtree, re-indexed as if
    every level were a leaf), the index is Σₖ ⌊m / 2ᵏ⌋ + level = 2m - popcount(m) + level.
    """
    m = ((n + 1) << level) - 1
    return 2 * m - m.bit_count() + level


def split_stored_hash_index(index: int) -> tuple[int, int]:
    """Inverse of ``stored_hash_index``: ``(level, n)``."""
    # Guess n from the hashes stored before leaf n (about 2n), then walk.
    n = index // 2
    index_n = stored_hash_index(0, n)
    while index_n > index:
        n -= 1
        index_n = stored_hash_index(0, n)
    while True:
        following = index_n + 1 + _trailing_ones(n)
        if following > index:
            break
        n += 1
        index_n = following
    level = index - index_n
    return level, n >> level


def _trailing_ones(n: int) -> int:
    count = 0
    while n & 1:
        count += 1
        n >>= 1
    return count


def stored_hash_count(size: int) -> int:
    """How many hashes a tree of ``size`` leaves stores."""
    if size == 0:
        return 0
    return stored_hash_index(0, size - 1) + 1 + _trailing_ones(size - 1)


def hashes_for_append(size: int, leaf: bytes, reader: HashReader) -> list[bytes]:
    """The hashes to store when leaf number ``size`` (0-based) with hash ``leaf`` is appended.

    The first is the leaf hash; each trailing 1 bit of ``size`` completes one
    more subtree, whose left sibling is read from ``reader``.
    """
    completed = _trailing_ones(size)
    indexes = [stored_hash_index(i, (size >> i) - 1) for i in reversed(range(completed))]
    siblings = reader.read_hashes(indexes) if indexes else []
    hashes = [leaf]
    current = leaf
    for i in range(completed):
        current = node_hash(siblings[completed - 1 - i], current)
        hashes.append(current)
    return hashes


# -- subtree decomposition (shared by tree hashes and proofs) -----------------


def _maxpow2(n: int) -> tuple[int, int]:
    """The largest power of two strictly less than ``n`` (n ≥ 2), and its log."""
    level = (n - 1).bit_length() - 1
    return 1 << level, level


def _subtree_indexes(lo: int, hi: int, need: list[int]) -> None:
    while lo < hi:
        k, level = _maxpow2(hi - lo + 1)
        need.append(stored_hash_index(level, lo >> level))
        lo += k


def tree_hash(size: int, reader: HashReader) -> bytes:
    """The root hash of the first ``size`` leaves (MTH, RFC 9162 §2.1.1)."""
    if size == 0:
        return EMPTY_ROOT
    need: list[int] = []
    _subtree_indexes(0, size, need)
    return _subtree_hash_of(reader.read_hashes(need), 0, len(need))


# -- proofs: which stored hashes, then one read --------------------------------------
#
# A proof is a path. For node ``index`` at ``level`` in a tree of ``size`` leaves,
# let ``width`` be the number of nodes at that level and ``inner`` the bit length
# of ``index ^ (width - 1)``, the height where the path meets the tree's right
# edge. Below ``inner - 1`` every sibling is a complete subtree; at ``inner - 1``
# the sibling is the right edge itself, [start, size), possibly incomplete, whose
# hash is folded from the complete subtrees that tile it; above ``inner`` the
# path runs along the right edge and takes each left sibling (a 1 bit of
# ``index``). The same decomposition is used by transparency-dev/merkle.


def _path_plan(index: int, level: int, size: int, need: list[int], counts: list[int]) -> None:
    width = ((size - 1) >> level) + 1
    inner = (index ^ (width - 1)).bit_length()
    for r in range(inner - 1):
        need.append(stored_hash_index(level + r, (index >> r) ^ 1))
        counts.append(1)
    if inner:
        r = inner - 1
        before = len(need)
        _subtree_indexes(((index >> r) + 1) << (level + r), size, need)
        counts.append(len(need) - before)
    r, rest = inner, index >> inner
    while rest:
        if rest & 1:
            need.append(stored_hash_index(level + r, (index >> r) ^ 1))
            counts.append(1)
        rest >>= 1
        r += 1


def _assemble(hashes: list[bytes], counts: list[int]) -> list[bytes]:
    proof, at = [], 0
    for count in counts:
        if count == 1:
            proof.append(hashes[at])
        else:
            proof.append(_subtree_hash_of(hashes, at, count))
        at += count
    return proof


def _subtree_hash_of(hashes: list[bytes], at: int, count: int) -> bytes:
    result = hashes[at + count - 1]
    for i in range(at + count - 2, at - 1, -1):
        result = node_hash(hashes[i], result)
    return result


def inclusion_proof(index: int, size: int, reader: HashReader) -> list[bytes]:
    """The audit path for leaf ``index`` in the tree of ``size`` leaves (RFC 9162 §2.1.3.1)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    need: list[int] = []
    counts: list[int] = []
    _path_plan(index, 0, size, need, counts)
    return _assemble(reader.read_hashes(need), counts) if need else []


def consistency_proof(old_size: int, new_size: int, reader: HashReader) -> list[bytes]:
    """Proof that the tree of ``old_size`` is a prefix of the tree of ``new_size`` (§2.1.4.1).

    It is the inclusion path, in the new tree, of the largest complete subtree that
    ends at ``old_size``, preceded by that subtree's hash unless it is the whole
    old tree (``old_size`` a power of two), which the verifier already has.
    """
    if not 0 <= old_size <= new_size:
        raise ProofError(f"cannot prove size {old_size} consistent with smaller size {new_size}")
    if old_size in (0, new_size):
        return []
    level = (old_size & -old_size).bit_length() - 1
    index = (old_size - 1) >> level
    need: list[int] = []
    counts: list[int] = []
    if index:
        need.append(stored_hash_index(level, index))
        counts.append(1)
    _path_plan(index, level, new_size, need, counts)
    return _assemble(reader.read_hashes(need), counts)


# -- verification (RFC 9162, independent of the generation above) -----------------


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an inclusion proof (RFC 9162 §2.1.3.2); raise ``ProofError`` if it fails."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    _check_hash_sizes(proof)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree is deep")
    if r != root:
        raise ProofError("inclusion proof does not lead to the root hash")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check a consistency proof (RFC 9162 §2.1.4.2); raise ``ProofError`` if it fails."""
    if old_size > new_size:
        raise ProofError(f"old size {old_size} is larger than new size {new_size}")
    _check_hash_sizes(proof)
    if old_size == new_size:
        if proof:
            raise ProofError("trees of equal size need an empty consistency proof")
        if old_root != new_root:
            raise ProofError("trees of equal size have different root hashes")
        return
    if old_size == 0:
        raise ProofError("consistency with the empty tree proves nothing; refused")
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the tree is deep")
    if fr != old_root:
        raise ProofError("consistency proof does not lead to the old root hash")
    if sr != new_root:
        raise ProofError("consistency proof does not lead to the new root hash")


def _check_hash_sizes(proof: Sequence[bytes]) -> None:
    for i, h in enumerate(proof):
        if len(h) != HASH_SIZE:
            raise ProofError(f"proof element {i} is {len(h)} bytes, not {HASH_SIZE}")


class MemoryHashes:
    """An in-memory hash store: the reference used by tests, benchmarks and audits."""

    def __init__(self) -> None:
        self.hashes: list[bytes] = []
        self.size = 0

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        return [self.hashes[i] for i in indexes]

    def append(self, entry: bytes) -> None:
        self.hashes.extend(hashes_for_append(self.size, leaf_hash(entry), self))
        self.size += 1
