"""cosignature/v1 (c2sp.org/tlog-cosignature): key ids, key text, signature lines, and
checking a note's cosignatures. Expected values are built here from the spec with
hashlib and ``cryptography`` directly, not by the code under test; the Go interop
test checks the same lines with transparency-dev's verifier."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from likeness.ledger.checkpoint import Checkpoint, open_checkpoint
from likeness.ledger.cosignature import (
    CosignatureSigner,
    check_cosignatures,
    parse_cosignature_verifier,
    split_note,
    with_cosignatures,
)
from likeness.ledger.note import NoteError, Signer, parse_verifier

SEED = bytes(range(32))
NAME = "witness.example/w1"
BODY = "example.com/log\n123\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n"


def spec_line(seed: bytes, name: str, body: str, timestamp: int) -> tuple[str, str]:
    """The vkey and signature line the spec gives for ``seed``, built by hand."""
    key = Ed25519PrivateKey.from_private_bytes(seed)
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_id = hashlib.sha256(name.encode() + b"\x0a\x04" + public).digest()[:4]
    blob = base64.b64encode(b"\x04" + public).decode()
    vkey = f"{name}+{key_id.hex()}+{blob}"
    message = b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + body.encode()
    raw = key_id + struct.pack(">Q", timestamp) + key.sign(message)
    return vkey, f"\u2014 {name} {base64.b64encode(raw).decode()}\n"


def test_known_answer_key_and_line() -> None:
    vkey, line = spec_line(SEED, NAME, BODY, 1_700_000_000)
    signer = CosignatureSigner(NAME, SEED)
    assert signer.verifier.encode() == vkey
    assert signer.cosign(BODY, 1_700_000_000) == line
    parsed = parse_cosignature_verifier(vkey)
    found = parsed.verify_line(BODY, line.rstrip("\n"))
    assert found is not None and (found.name, found.timestamp) == (NAME, 1_700_000_000)


def test_a_log_key_is_not_a_witness_key_and_hashes_are_checked() -> None:
    log_key = Signer("example.com/log", SEED).verifier.encode()
    with pytest.raises(NoteError, match="0x04"):
        parse_cosignature_verifier(log_key)
    vkey = CosignatureSigner(NAME, SEED).verifier.encode()
    name, digest, blob = vkey.split("+", 2)
    wrong = f"{name}+{int(digest, 16) ^ 1:08x}+{blob}"
    with pytest.raises(NoteError, match="hash does not match"):
        parse_cosignature_verifier(wrong)
    with pytest.raises(NoteError, match="name"):
        CosignatureSigner("has space", SEED)


@given(
    timestamp=st.integers(min_value=0, max_value=2**63 - 1),
    flip=st.integers(min_value=0, max_value=75 * 8 - 1),
)
def test_any_altered_bit_of_a_cosignature_fails(timestamp: int, flip: int) -> None:
    signer = CosignatureSigner(NAME, SEED)
    line = signer.cosign(BODY, timestamp).rstrip("\n")
    assert signer.verifier.verify_line(BODY, line) is not None
    prefix, blob = line.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(blob))
    raw[flip // 8] ^= 1 << (flip % 8)
    altered = f"{prefix} {base64.b64encode(bytes(raw)).decode()}"
    assert signer.verifier.verify_line(BODY, altered) is None


def test_a_cosignature_covers_the_whole_body() -> None:
    signer = CosignatureSigner(NAME, SEED)
    line = signer.cosign(BODY, 5).rstrip("\n")
    assert signer.verifier.verify_line(BODY.replace("123", "124"), line) is None
    assert signer.verifier.verify_line(BODY + "extension\n", line) is None


def test_checking_a_note_with_the_logs_and_witnesses_signatures() -> None:
    log = Signer("example.com/log", b"\x07" * 32)
    note = Checkpoint("example.com/log", 3, b"\x01" * 32).sign(log)
    body, _ = split_note(note)
    w1, w2, w3 = (CosignatureSigner(f"w{i}.example", bytes([i]) * 32) for i in (1, 2, 3))
    cosigned = with_cosignatures(note, [w1.cosign(body, 10).rstrip("\n")])
    forged = w2.cosign(body.replace("\n3\n", "\n4\n"), 11).rstrip("\n")  # another checkpoint
    cosigned = with_cosignatures(cosigned, [forged])
    # the log's signature still opens with the cosignatures beside it
    assert open_checkpoint(cosigned, parse_verifier(log.verifier.encode())).size == 3
    check = check_cosignatures(cosigned, [w1.verifier, w2.verifier, w3.verifier, w1.verifier])
    assert [c.name for c in check.valid] == ["w1.example"]  # w1 given twice counts once
    assert check.invalid == (f"w2.example+{w2.verifier.id.hex()}",)
    assert check.missing == (f"w3.example+{w3.verifier.id.hex()}",)
    assert check.problem(1) is None
    assert check.problem(2) == (
        f"1 of the 2 required witness cosignatures verify; invalid: w2.example+"
        f"{w2.verifier.id.hex()}; missing: w3.example+{w3.verifier.id.hex()}"
    )
    assert with_cosignatures(cosigned, [forged]) == cosigned  # not repeated
