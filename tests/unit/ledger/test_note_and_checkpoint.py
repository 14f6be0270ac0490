import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from likeness.ledger.checkpoint import Checkpoint, open_checkpoint, parse_body
from likeness.ledger.note import NoteError, Signer, open_note, parse_verifier

SEED = bytes(range(32))
OTHER = bytes(range(1, 33))
ORIGIN = "example.test/log"


def test_key_id_follows_the_signed_note_spec() -> None:
    signer = Signer(ORIGIN, SEED)
    public = signer.verifier.public_key
    expected = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + public).digest()[:4]
    assert signer.verifier.id == expected
    name, key_hash, blob = signer.verifier.encode().split("+", 2)
    assert (name, key_hash) == (ORIGIN, expected.hex())
    assert base64.b64decode(blob) == b"\x01" + public
    assert parse_verifier(signer.verifier.encode()) == signer.verifier


def test_signed_note_layout_and_signature() -> None:
    signer = Signer(ORIGIN, SEED)
    note = signer.sign("hello\n")
    text, sig_line = note.split("\n\n")
    assert text == "hello"
    assert sig_line.startswith(f"\u2014 {ORIGIN} ")
    raw = base64.b64decode(sig_line.split(" ")[-1])
    assert raw[:4] == signer.verifier.id
    Ed25519PublicKey.from_public_bytes(signer.verifier.public_key).verify(raw[4:], b"hello\n")
    assert open_note(note, signer.verifier).text == "hello\n"


def checkpoint_note(size: int = 5) -> tuple[str, Signer]:
    signer = Signer(ORIGIN, SEED)
    return Checkpoint(ORIGIN, size, bytes(32)).sign(signer), signer


def test_checkpoint_body_is_the_c2sp_format() -> None:
    note, signer = checkpoint_note()
    assert note.startswith(f"{ORIGIN}\n5\n{base64.b64encode(bytes(32)).decode()}\n\n")
    assert open_checkpoint(note, signer.verifier) == Checkpoint(ORIGIN, 5, bytes(32))


@pytest.mark.parametrize("cut", [1, 10, 40, 60])
def test_truncated_checkpoint_is_rejected(cut: int) -> None:
    note, signer = checkpoint_note()
    with pytest.raises(NoteError):
        open_checkpoint(note[:-cut], signer.verifier)


def test_resigned_checkpoint_is_rejected() -> None:
    _note, signer = checkpoint_note()
    forged = Checkpoint(ORIGIN, 5, bytes(32)).sign(Signer(ORIGIN, OTHER))
    with pytest.raises(NoteError, match=f"not signed by {ORIGIN}"):
        open_checkpoint(forged, signer.verifier)


def test_altered_checkpoint_is_rejected() -> None:
    note, signer = checkpoint_note(5)
    with pytest.raises(NoteError, match="does not verify"):
        open_checkpoint(note.replace("\n5\n", "\n6\n", 1), signer.verifier)


def test_extra_signatures_from_other_keys_are_ignored() -> None:
    note, signer = checkpoint_note()
    cosigned = (
        note + Signer("witness.test", OTHER).sign(note.split("\n\n")[0] + "\n").split("\n\n")[1]
    )
    assert open_checkpoint(cosigned, signer.verifier).size == 5


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("o\n05\nAAAA\n", "not a decimal"),
        ("o\n5\nnot base64!\n", "not base64"),
        ("o\n5\nAAAA\n", "not 32"),
        ("o\n5\n", "needs origin"),
        ("\n5\n" + base64.b64encode(bytes(32)).decode() + "\n", "origin line is empty"),
    ],
)
def test_malformed_bodies(body: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        parse_body(body)


def test_origin_must_match() -> None:
    note, signer = checkpoint_note()
    with pytest.raises(NoteError, match="origin"):
        open_checkpoint(note, signer.verifier, origin="other.test/log")


@pytest.mark.parametrize(
    "key",
    [
        "nohash",
        "a+zzzzzzzz+AAAA",
        "name+00000000+" + base64.b64encode(b"\x01" + bytes(32)).decode(),
    ],
)
def test_malformed_verifier_keys(key: str) -> None:
    with pytest.raises(NoteError):
        parse_verifier(key)
