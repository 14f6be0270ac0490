"""C2SP tlog-checkpoint bodies (https://c2sp.org/tlog-checkpoint).

::

    <origin>\\n
    <tree size, decimal>\\n
    <root hash, base64>\\n
    [extension lines]\\n
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from likeness.ledger.merkle import HASH_SIZE
from likeness.ledger.note import NoteError, Signer, Verifier, open_note

_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    def sign(self, signer: Signer) -> str:
        return signer.sign(self.body())


def parse_body(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("checkpoint body is malformed: it needs origin, size and hash lines")
    origin, size, root = lines[0], lines[1], lines[2]
    if not origin:
        raise NoteError("checkpoint origin line is empty")
    if _SIZE.fullmatch(size) is None:
        raise NoteError(f"checkpoint tree size {size!r} is not a decimal number")
    try:
        raw = base64.b64decode(root, validate=True)
    except binascii.Error:
        raise NoteError("checkpoint root hash is not base64") from None
    if len(raw) != HASH_SIZE:
        raise NoteError(f"checkpoint root hash is {len(raw)} bytes, not {HASH_SIZE}")
    return Checkpoint(origin=origin, size=int(size), root=raw)


def open_checkpoint(
    note: str | bytes, verifier: Verifier, *, origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint and parse it; ``origin`` defaults to the key name."""
    checkpoint = parse_body(open_note(note, verifier).text)
    expected = verifier.name if origin is None else origin
    if checkpoint.origin != expected:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not {expected!r}")
    return checkpoint
