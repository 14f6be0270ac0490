import base64
import json
from dataclasses import replace

import pytest

from likeness.ledger.audit import audit_log
from likeness.ledger.checkpoint import Checkpoint
from likeness.ledger.merkle import MemoryHashes, inclusion_proof, stored_hash_count, tree_hash
from likeness.ledger.note import Signer
from likeness.ledger.receipt import Receipt, ReceiptError, parse_receipt, verify_receipt

ORIGIN = "example.test/log"
SIGNER = Signer(ORIGIN, bytes(range(32)))


def build(n: int) -> tuple[MemoryHashes, list[bytes]]:
    store, entries = MemoryHashes(), [f"entry {i}".encode() for i in range(n)]
    for entry in entries:
        store.append(entry)
    return store, entries


def receipt_for(index: int, n: int = 13) -> Receipt:
    store, entries = build(n)
    note = Checkpoint(ORIGIN, n, tree_hash(n, store)).sign(SIGNER)
    return Receipt(index, entries[index], tuple(inclusion_proof(index, n, store)), note)


def test_receipt_round_trips_and_verifies() -> None:
    receipt = receipt_for(6)
    parsed = parse_receipt(receipt.dumps())
    assert parsed == receipt
    assert verify_receipt(parsed, SIGNER.verifier).size == 13


def flip_bit(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


@pytest.mark.parametrize("bit", [0, 7, 13, 40])
def test_any_flipped_bit_in_the_entry_fails(bit: int) -> None:
    receipt = receipt_for(6)
    with pytest.raises(ReceiptError, match="entry 6 is not proven in tree of size 13"):
        verify_receipt(replace(receipt, entry=flip_bit(receipt.entry, bit)), SIGNER.verifier)


def test_flipped_bit_in_the_proof_or_index_fails() -> None:
    receipt = receipt_for(6)
    proof = list(receipt.proof)
    proof[1] = flip_bit(proof[1], 3)
    with pytest.raises(ReceiptError, match="does not lead to the root"):
        verify_receipt(replace(receipt, proof=tuple(proof)), SIGNER.verifier)
    with pytest.raises(ReceiptError, match="not proven"):
        verify_receipt(replace(receipt, index=7), SIGNER.verifier)


def test_flipped_bit_in_the_json_fails_cleanly() -> None:
    text = receipt_for(6).dumps()
    data = json.loads(text)
    data["entry"] = base64.b64encode(flip_bit(base64.b64decode(data["entry"]), 9)).decode()
    with pytest.raises(ReceiptError):
        verify_receipt(parse_receipt(json.dumps(data)), SIGNER.verifier)


def test_proof_for_the_wrong_size_fails() -> None:
    small = receipt_for(6, n=9)
    large = receipt_for(6, n=13)
    with pytest.raises(ReceiptError, match="not proven"):
        verify_receipt(replace(large, proof=small.proof), SIGNER.verifier)


def test_index_beyond_the_checkpoint_fails() -> None:
    receipt = receipt_for(6)
    with pytest.raises(ReceiptError, match="beyond the checkpoint's tree size 13"):
        verify_receipt(replace(receipt, index=20), SIGNER.verifier)


def test_truncated_or_resigned_checkpoint_fails() -> None:
    receipt = receipt_for(6)
    with pytest.raises(ReceiptError, match="checkpoint rejected"):
        verify_receipt(replace(receipt, checkpoint=receipt.checkpoint[:-20]), SIGNER.verifier)
    forged = Signer(ORIGIN, bytes(32)).sign(receipt.checkpoint.split("\n\n")[0] + "\n")
    with pytest.raises(ReceiptError, match="not signed by"):
        verify_receipt(replace(receipt, checkpoint=forged), SIGNER.verifier)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON"),
        ('{"format": "other"}', "not a receipt"),
        ('{"format": "likeness-receipt/1", "index": -1}', "index"),
        (
            '{"format": "likeness-receipt/1", "index": 1, "checkpoint": "c", '
            '"inclusion_proof": ["!!"], "entry": "AA=="}',
            "base64",
        ),
    ],
)
def test_malformed_receipts(text: str, message: str) -> None:
    with pytest.raises(ReceiptError, match=message):
        parse_receipt(text)


class Source:
    """An audit source over in-memory entries and hashes that a test can tamper with."""

    def __init__(self, n: int) -> None:
        self.store, self.data = build(n)
        self.note: str | None = Checkpoint(ORIGIN, n, tree_hash(n, self.store)).sign(SIGNER)

    def size(self) -> int:
        return len(self.data)

    def checkpoint(self) -> str | None:
        return self.note

    def entries(self, start: int, stop: int) -> list[bytes]:
        return self.data[start:stop]

    def hash_range(self, start: int, stop: int) -> list[bytes]:
        return self.store.hashes[start:stop]

    def stored_counts(self) -> tuple[int, int]:
        return len(self.data), len(self.store.hashes)


def test_audit_of_an_intact_log() -> None:
    source = Source(1000)
    report = audit_log(source, SIGNER.verifier, ORIGIN)
    assert report.ok and report.size == 1000
    assert report.root == tree_hash(1000, source.store)


def test_audit_names_a_changed_entry() -> None:
    source = Source(1000)
    source.data[617] = flip_bit(source.data[617], 2)
    assert audit_log(source, SIGNER.verifier, ORIGIN).problem == (
        "entry 617: its bytes do not match its stored leaf hash"
    )


def test_audit_names_a_changed_interior_hash() -> None:
    source = Source(1000)
    index = stored_hash_count(512) - 1  # the hash of the subtree of entries 0..511
    source.store.hashes[index] = bytes(32)
    problem = audit_log(source, SIGNER.verifier, ORIGIN).problem
    assert problem == f"stored hash {index} (entries 0 to 511) does not match the entries"


def test_audit_rejects_a_checkpoint_that_does_not_match() -> None:
    source = Source(100)
    source.note = Checkpoint(ORIGIN, 100, bytes(32)).sign(SIGNER)
    assert "not the signed checkpoint's" in (
        audit_log(source, SIGNER.verifier, ORIGIN).problem or ""
    )
    source.note = Checkpoint(ORIGIN, 100, bytes(32)).sign(Signer(ORIGIN, bytes(32)))
    assert "checkpoint rejected" in (audit_log(source, SIGNER.verifier, ORIGIN).problem or "")


def test_audit_notices_rows_beyond_the_recorded_size() -> None:
    source = Source(10)
    source.data.append(b"smuggled")
    assert "stores 11 entries" in (audit_log(source, SIGNER.verifier, ORIGIN).problem or "")
