"""Stored hashes read back from tiles: the proofs built from them are the proofs built
from the stored hashes themselves, and a doctored tile makes them fail to verify."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from likeness.ledger.merkle import (
    MemoryHashes,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    stored_hash_index,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)
from likeness.ledger.tile_reader import TileHashReader
from likeness.ledger.tiles import TILE_HEIGHT, TILE_WIDTH, parse_tile_path


def _served(hashes: MemoryHashes, fetched: list[str]) -> object:
    def fetch(path: str) -> bytes:
        fetched.append(path)
        ref = parse_tile_path(path)
        assert ref.level is not None
        level = ref.level * TILE_HEIGHT
        first = ref.index * TILE_WIDTH
        indexes = [stored_hash_index(level, first + k) for k in range(ref.width)]
        return b"".join(hashes.read_hashes(indexes))

    return fetch


def _log(size: int) -> MemoryHashes:
    hashes = MemoryHashes()
    for i in range(size):
        hashes.append(f"entry {i}".encode())
    return hashes


@settings(max_examples=40, deadline=None)
@given(size=st.integers(1, 70_000), data=st.data())
def test_proofs_from_tiles_are_the_log_s_own(size: int, data: st.DataObject) -> None:
    hashes = _log(size)
    reader = TileHashReader(size, _served(hashes, []))  # type: ignore[arg-type]
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(1, size))
    root = tree_hash(size, hashes)
    assert tree_hash(size, reader) == root
    proof = inclusion_proof(index, size, reader)
    verify_inclusion(leaf_hash(f"entry {index}".encode()), index, size, proof, root)
    verify_consistency(
        old, size, tree_hash(old, hashes), root, consistency_proof(old, size, reader)
    )


def test_a_partial_tile_is_asked_for_by_its_width() -> None:
    fetched: list[str] = []
    reader = TileHashReader(300, _served(_log(300), fetched))  # type: ignore[arg-type]
    inclusion_proof(299, 300, reader)
    # its siblings: hashes among entries 256-299 (a partial tile of 44) and the hash of
    # entries 0-255, the one hash of a partial tile at level 1
    assert fetched == ["tile/0/001.p/44", "tile/1/000.p/1"]


def test_a_doctored_tile_fails_verification() -> None:
    hashes = _log(600)
    honest = _served(hashes, [])

    def doctored(path: str) -> bytes:
        data = bytearray(honest(path))  # type: ignore[operator]
        if path == "tile/0/001":
            data[5] ^= 1  # a leaf hash of entries 256-511 changed
        return bytes(data)

    reader = TileHashReader(600, doctored)
    proof = inclusion_proof(300, 600, reader)  # a sibling covers entries 256-287
    with pytest.raises(ProofError):
        verify_inclusion(leaf_hash(b"entry 300"), 300, 600, proof, tree_hash(600, hashes))


def test_a_tile_of_the_wrong_length_is_refused() -> None:
    reader = TileHashReader(300, lambda path: b"\x00" * 31)
    with pytest.raises(LookupError, match="holds 31 bytes, not 8192"):
        inclusion_proof(0, 300, reader)
