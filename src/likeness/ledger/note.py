"""C2SP signed notes with Ed25519 keys (https://c2sp.org/signed-note).

A note is UTF-8 text ending in a newline, then a blank line, then one line per
signature: ``— <key name> <base64(key id ‖ signature)>``. The key id is the
first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), 0x01 being the
Ed25519 algorithm byte. Verifier keys are written
``<name>+<hex key id>+<base64(0x01 ‖ public key)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "  # em dash and a space
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A note, key or signature is malformed or does not verify."""


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"key name {name!r} must be non-empty, with no spaces or '+'")


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    name: str
    public_key: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.public_key)

    def encode(self) -> str:
        """The verifier key in the standard ``name+hash+base64`` form."""
        blob = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.id.hex()}+{blob}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def split_key(text: str, what: str) -> tuple[str, bytes, bytes]:
    """The name, key hash and raw key (algorithm byte first) of a ``name+hash+base64``
    key; ``what`` names the kind of key in the errors."""
    parts = text.strip().split("+", 2)  # base64 may itself contain "+"
    if len(parts) != 3:
        raise NoteError(f"{what} must look like name+hash+base64")
    name, hash_hex, blob = parts
    _check_name(name)
    try:
        return name, bytes.fromhex(hash_hex), base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} has a malformed hash or key") from None


def parse_verifier(text: str) -> Verifier:
    """Parse a ``name+hash+base64`` verifier key, checking that its hash matches."""
    name, expected, raw = split_key(text, "verifier key")
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise NoteError("verifier key is not an Ed25519 key")
    verifier = Verifier(name, raw[1:])
    if len(expected) != 4 or verifier.id != expected:
        raise NoteError("verifier key hash does not match its name and key")
    return verifier


class Signer:
    """An Ed25519 note signer built from a 32-byte seed."""

    def __init__(self, name: str, seed: bytes) -> None:
        _check_name(name)
        if len(seed) != 32:
            raise NoteError("an Ed25519 seed is 32 bytes")
        self.name = name
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.verifier = Verifier(name, public)

    def sign(self, text: str) -> str:
        """The signed note: ``text``, a blank line, and this key's signature line."""
        _check_text(text)
        signature = self._key.sign(text.encode())
        blob = base64.b64encode(self.verifier.id + signature).decode()
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {blob}\n"


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("note text must not contain control characters")


@dataclass(frozen=True)
class SignedNote:
    text: str
    signers: tuple[str, ...]


def open_note(note: str | bytes, verifier: Verifier) -> SignedNote:
    """Verify ``note`` against ``verifier``; return its text. Fails closed.

    Signatures by other keys are allowed and ignored; at least the given key
    must have signed, and a line claiming that key with a bad signature fails.
    """
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("note is not UTF-8") from None
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteError("note is malformed: no signature block (truncated?)")
    text, block = note[: split + 1], note[split + 2 :]
    _check_text(text)
    lines = block.split("\n")[:-1]
    if not lines:
        raise NoteError("note has no signatures")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has more than {MAX_SIGNATURES} signatures")
    signers: list[str] = []
    for line in lines:
        name, key_hash, signature = _parse_signature_line(line)
        if name == verifier.name and key_hash == verifier.id:
            if not verifier.verify(text.encode(), signature):
                raise NoteError(f"signature by {name} does not verify (note altered?)")
            signers.append(name)
    if not signers:
        raise NoteError(f"note is not signed by {verifier.name} with key {verifier.id.hex()}")
    return SignedNote(text=text, signers=tuple(signers))


def _parse_signature_line(line: str) -> tuple[str, bytes, bytes]:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError(f"malformed signature line {line[:40]!r}")
    name, _, blob = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
    _check_name(name)
    try:
        raw = base64.b64decode(blob, validate=True)
    except binascii.Error:
        raise NoteError(f"signature by {name} is not base64") from None
    if len(raw) < 5:
        raise NoteError(f"signature by {name} is too short")
    return name, raw[:4], raw[4:]
