"""RFC 6962 hashing and proofs against the transparency-dev/merkle vectors, plus properties."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from likeness.ledger.merkle import (
    EMPTY_ROOT,
    MemoryHashes,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    split_stored_hash_index,
    stored_hash_count,
    stored_hash_index,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)

from . import vectors as v


def tree(leaves: list[bytes]) -> MemoryHashes:
    store = MemoryHashes()
    for leaf in leaves:
        store.append(leaf)
    return store


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 §2.1.1, recursively, for comparison."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def test_hasher_vectors() -> None:
    assert EMPTY_ROOT == v.EMPTY_ROOT
    assert leaf_hash(b"") == v.EMPTY_LEAF
    assert leaf_hash(b"L123456") == v.LEAF_L123456
    assert node_hash(b"N123", b"N456") == v.NODE_N123_N456


def test_roots_for_every_size() -> None:
    store = tree(v.LEAVES)
    assert tree_hash(0, store) == v.EMPTY_ROOT
    assert [tree_hash(n, store) for n in range(1, 9)] == v.ROOTS


@pytest.mark.parametrize(("index", "size", "proof"), v.INCLUSION)
def test_inclusion_vectors(index: int, size: int, proof: list[bytes]) -> None:
    store = tree(v.LEAVES[:size])
    assert inclusion_proof(index, size, store) == proof
    verify_inclusion(leaf_hash(v.LEAVES[index]), index, size, proof, v.ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "proof"), v.CONSISTENCY)
def test_consistency_vectors(old: int, new: int, proof: list[bytes]) -> None:
    store = tree(v.LEAVES[:new])
    assert consistency_proof(old, new, store) == proof
    verify_consistency(old, new, v.ROOTS[old - 1], v.ROOTS[new - 1], proof)


def inclusion_probes(index: int, size: int, proof: list[bytes]) -> list[tuple[str, tuple]]:
    """Mutations from transparency-dev/merkle's vector generator (corruptInclusionProof)."""
    root, leaf = v.ROOTS[size - 1], leaf_hash(v.LEAVES[index])
    probes = [
        ("index - 1", (leaf, index - 1, size, proof, root)),
        ("index + 1", (leaf, index + 1, size, proof, root)),
        ("index ^ 2", (leaf, index ^ 2, size, proof, root)),
        ("size * 2", (leaf, index, size * 2, proof, root)),
        ("size // 2", (leaf, index, size // 2, proof, root)),
        ("wrong leaf", (leaf_hash(b"WrongLeaf"), index, size, proof, root)),
        ("empty root", (leaf, index, size, proof, v.EMPTY_ROOT)),
        ("random root", (leaf, index, size, proof, v.SOME_HASH)),
        ("trailing garbage", (leaf, index, size, [*proof, b""], root)),
        ("trailing root", (leaf, index, size, [*proof, root], root)),
        ("preceding garbage", (leaf, index, size, [b"", *proof], root)),
        ("preceding root", (leaf, index, size, [root, *proof], root)),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((f"proof[{i}] bit flipped", (leaf, index, size, flipped, root)))
    if proof:
        probes.append(("removed component", (leaf, index, size, proof[:-1], root)))
    if len(proof) > 1:
        probes.append(
            ("inserted component", (leaf, index, size, [proof[0], v.SOME_HASH, *proof[1:]], root))
        )
    return probes


@pytest.mark.parametrize(
    ("desc", "args"),
    [
        p
        for vec in v.INCLUSION
        for p in inclusion_probes(*vec)
        if not (p[0] == "index ^ 2" and vec[0] ^ 2 == vec[0])
    ],
)
def test_corrupted_inclusion_proofs_fail(desc: str, args: tuple) -> None:
    with pytest.raises(ProofError):
        verify_inclusion(*args)


def consistency_probes(old: int, new: int, proof: list[bytes]) -> list[tuple]:
    r1, r2 = v.ROOTS[old - 1], v.ROOTS[new - 1]
    probes = [
        (old - 1, new, r1, r2, proof),
        (old + 1, new, r1, r2, proof),
        (old ^ 2, new, r1, r2, proof),
        (old, new * 2, r1, r2, proof),
        (old, new // 2, r1, r2, proof),
        (old, new, b"WrongRoot", r2, proof),
        (old, new, r1, b"WrongRoot", proof),
        (old, new, r2, r1, proof),
        (old, new, r1, r2, []),
        (old, new, r1, r2, [*proof, b""]),
        (old, new, r1, r2, [*proof, r1]),
        (old, new, r1, r2, [*proof, r2]),
        (old, new, r1, r2, [b"", *proof]),
        (old, new, r1, r2, [r1, *proof]),
        (old, new, r1, r2, [r2, *proof]),
        (old, new, r1, r2, [proof[0], *proof]),
        (old, new, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((old, new, r1, r2, flipped))
    return probes


@pytest.mark.parametrize(
    "args", [p for vec in v.CONSISTENCY if vec[2] for p in consistency_probes(*vec)]
)
def test_corrupted_consistency_proofs_fail(args: tuple) -> None:
    with pytest.raises(ProofError):
        verify_consistency(*args)


def test_edge_cases_of_consistency() -> None:
    verify_consistency(0, 0, b"r", b"r", [])
    verify_consistency(3, 3, v.ROOTS[2], v.ROOTS[2], [])
    with pytest.raises(ProofError, match="different root"):
        verify_consistency(1, 1, v.ROOTS[0], v.ROOTS[1], [])
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 1, v.EMPTY_ROOT, v.ROOTS[0], [])
    with pytest.raises(ProofError, match="larger"):
        verify_consistency(2, 1, v.ROOTS[1], v.ROOTS[0], [])


def test_stored_hash_layout() -> None:
    # A tree of n leaves stores 2n - popcount(n) hashes, in append order.
    for n in range(0, 600):
        assert stored_hash_count(n) == 2 * n - bin(n).count("1")
    for level in range(0, 12):
        for n in range(0, 300):
            assert split_stored_hash_index(stored_hash_index(level, n)) == (level, n)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70))
def test_every_proof_verifies_at_every_size(leaves: list[bytes]) -> None:
    store = tree(leaves)
    for size in range(1, len(leaves) + 1):
        root = tree_hash(size, store)
        assert root == reference_root(leaves[:size])
        for index in range(size):
            proof = inclusion_proof(index, size, store)
            verify_inclusion(leaf_hash(leaves[index]), index, size, proof, root)
        for old in range(1, size + 1):
            old_root = tree_hash(old, store)
            verify_consistency(old, size, old_root, root, consistency_proof(old, size, store))
