"""Receipts: an entry, its index, its inclusion proof and a signed checkpoint, as JSON.

A receipt verifies offline with nothing but the log's verifier key.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from likeness.ledger.checkpoint import Checkpoint, open_checkpoint
from likeness.ledger.merkle import ProofError, leaf_hash, verify_inclusion
from likeness.ledger.note import NoteError, Verifier

FORMAT = "likeness-receipt/1"


class ReceiptError(ValueError):
    """A receipt is malformed or does not verify."""


@dataclass(frozen=True)
class Receipt:
    index: int
    entry: bytes
    proof: tuple[bytes, ...]
    checkpoint: str

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "index": self.index,
            "entry": base64.b64encode(self.entry).decode(),
            "inclusion_proof": [base64.b64encode(h).decode() for h in self.proof],
            "checkpoint": self.checkpoint,
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"


def parse_receipt(text: str | bytes) -> Receipt:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReceiptError(f"receipt is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ReceiptError(f"not a receipt: 'format' must be {FORMAT!r}")
    index, checkpoint = data.get("index"), data.get("checkpoint")
    proof = data.get("inclusion_proof")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise ReceiptError("receipt 'index' must be a non-negative integer")
    if not isinstance(checkpoint, str):
        raise ReceiptError("receipt 'checkpoint' must be a signed note")
    if not isinstance(proof, list) or not all(isinstance(h, str) for h in proof):
        raise ReceiptError("receipt 'inclusion_proof' must be a list of base64 hashes")
    try:
        entry = base64.b64decode(str(data.get("entry")), validate=True)
        hashes = tuple(base64.b64decode(h, validate=True) for h in proof)
    except binascii.Error:
        raise ReceiptError("receipt 'entry' or 'inclusion_proof' is not valid base64") from None
    return Receipt(index=index, entry=entry, proof=hashes, checkpoint=checkpoint)


def verify_receipt(receipt: Receipt, verifier: Verifier) -> Checkpoint:
    """Check the checkpoint's signature and the entry's inclusion in it."""
    try:
        checkpoint = open_checkpoint(receipt.checkpoint, verifier)
    except NoteError as exc:
        raise ReceiptError(f"receipt checkpoint rejected: {exc}") from None
    if receipt.index >= checkpoint.size:
        raise ReceiptError(
            f"receipt index {receipt.index} is beyond the checkpoint's tree size {checkpoint.size}"
        )
    try:
        verify_inclusion(
            leaf_hash(receipt.entry), receipt.index, checkpoint.size, receipt.proof, checkpoint.root
        )
    except ProofError as exc:
        raise ReceiptError(
            f"entry {receipt.index} is not proven in tree of size {checkpoint.size}: {exc}"
        ) from None
    return checkpoint
