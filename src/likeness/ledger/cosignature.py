"""Witness cosignatures of checkpoints (https://c2sp.org/tlog-cosignature, ``cosignature/v1``).

A witness signs ``cosignature/v1\\ntime <T>\\n`` followed by the checkpoint body, T being
the Unix time in seconds. Its signature line is a signed-note line
``— <witness name> base64(key id ‖ T as 8 bytes big-endian ‖ Ed25519 signature)``,
and its key id is the first four bytes of SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key),
0x04 being the algorithm byte of Ed25519 cosignature/v1 keys. Verifier keys are
written ``<name>+<hex key id>+<base64(0x04 ‖ public key)>``.

A cosignature line sits in the note's signature block beside the log's own
signature: ``note.open_note`` ignores it (another key), and ``verify_cosignatures``
here ignores the log's line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from likeness.ledger.note import MAX_SIGNATURES, SIGNATURE_PREFIX, NoteError, split_key

ALG_COSIGNATURE_V1 = 0x04
LABEL = "cosignature/v1"
SIGNATURE_SIZE = 4 + 8 + 64
MAX_NAME = 255


def _check_name(name: str) -> None:
    if not name or len(name) > MAX_NAME or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"witness name {name!r} must be 1 to 255 characters, no spaces or '+'")


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(
        name.encode() + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public_key
    ).digest()[:4]


def signed_message(body: str, timestamp: int) -> bytes:
    """What a witness signs for a checkpoint body at ``timestamp``."""
    if body.count("\n") < 3 or not body.endswith("\n"):
        raise NoteError("a cosigned checkpoint body needs origin, size and hash lines")
    return f"{LABEL}\ntime {timestamp}\n{body}".encode()


@dataclass(frozen=True)
class Cosignature:
    """One verified cosignature: who, and when they say they saw the checkpoint."""

    name: str
    timestamp: int
    line: str  # the signature line, without its newline


@dataclass(frozen=True)
class CosignatureVerifier:
    name: str
    public_key: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.public_key)

    def encode(self) -> str:
        blob = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + self.public_key).decode()
        return f"{self.name}+{self.id.hex()}+{blob}"

    def verify_line(self, body: str, line: str) -> Cosignature | None:
        """The cosignature ``line`` makes on ``body`` if it is this key's and valid, else
        None (a line of another key, or a forged or altered one)."""
        parsed = _parse_line(line)
        if parsed is None:
            return None
        name, raw = parsed
        if name != self.name or raw[:4] != self.id or len(raw) != SIGNATURE_SIZE:
            return None
        (timestamp,) = struct.unpack(">Q", raw[4:12])
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(
                raw[12:], signed_message(body, timestamp)
            )
        except (InvalidSignature, NoteError):
            return None
        return Cosignature(name=name, timestamp=timestamp, line=line)

    def claims(self, line: str) -> bool:
        """Whether ``line`` says it is by this key (name and key id), valid or not."""
        parsed = _parse_line(line)
        return parsed is not None and parsed[0] == self.name and parsed[1][:4] == self.id


def parse_cosignature_verifier(text: str) -> CosignatureVerifier:
    """Parse a ``name+hash+base64`` cosignature/v1 verifier key, checking its hash."""
    name, expected, raw = split_key(text, "witness key")
    _check_name(name)  # a witness name has a length limit too
    if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
        raise NoteError(
            "witness key is not an Ed25519 cosignature/v1 key (algorithm byte 0x04);"
            " a log's verifier key (0x01) is not a witness key"
        )
    verifier = CosignatureVerifier(name, raw[1:])
    if len(expected) != 4 or verifier.id != expected:
        raise NoteError("witness key hash does not match its name and key")
    return verifier


class CosignatureSigner:
    """A witness's Ed25519 cosignature/v1 signer, from a 32-byte seed."""

    def __init__(self, name: str, seed: bytes) -> None:
        _check_name(name)
        if len(seed) != 32:
            raise NoteError("an Ed25519 seed is 32 bytes")
        self.name = name
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.verifier = CosignatureVerifier(name, public)

    def cosign(self, body: str, timestamp: int) -> str:
        """The signature line (with its newline) cosigning checkpoint ``body``."""
        if not 0 <= timestamp < 2**63:
            raise NoteError(f"timestamp {timestamp} is out of range")
        signature = self._key.sign(signed_message(body, timestamp))
        raw = self.verifier.id + struct.pack(">Q", timestamp) + signature
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(raw).decode()}\n"


def _parse_line(line: str) -> tuple[str, bytes] | None:
    if not line.startswith(SIGNATURE_PREFIX):
        return None
    name, _, blob = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
    try:
        raw = base64.b64decode(blob, validate=True)
    except binascii.Error:
        return None
    return (name, raw) if len(raw) >= 5 else None


def split_note(note: str) -> tuple[str, list[str]]:
    """A signed note's text (ending in a newline) and its signature lines."""
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteError("note is malformed: no signature block (truncated?)")
    lines = note[split + 2 :].split("\n")[:-1]
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note must have 1 to {MAX_SIGNATURES} signature lines")
    if not all(line.startswith(SIGNATURE_PREFIX) for line in lines):
        raise NoteError("note has a malformed signature line")
    return note[: split + 1], lines


def with_cosignatures(note: str, lines: list[str]) -> str:
    """``note`` with the signature ``lines`` appended (those it already has are not
    repeated)."""
    _, present = split_note(note)
    extra = [line for line in lines if line not in present]
    return note + "".join(f"{line}\n" for line in extra)


@dataclass(frozen=True)
class WitnessCheck:
    """What the cosignatures of one note say, for a set of trusted witness keys."""

    valid: tuple[Cosignature, ...]
    invalid: tuple[str, ...]  # names of trusted witnesses whose line does not verify
    missing: tuple[str, ...]  # names of trusted witnesses with no line at all

    def problem(self, minimum: int) -> str | None:
        """Why fewer than ``minimum`` trusted witnesses vouch for the note, or None."""
        if len(self.valid) >= minimum:
            return None
        parts = [f"{len(self.valid)} of the {minimum} required witness cosignatures verify"]
        if self.invalid:
            parts.append(f"invalid: {', '.join(self.invalid)}")
        if self.missing:
            parts.append(f"missing: {', '.join(self.missing)}")
        return "; ".join(parts)


def check_cosignatures(note: str, verifiers: list[CosignatureVerifier]) -> WitnessCheck:
    """Which of ``verifiers`` cosigned ``note``'s text. Lines of other keys are ignored."""
    body, lines = split_note(note)
    valid: list[Cosignature] = []
    invalid: list[str] = []
    missing: list[str] = []
    # the same key given twice must not count twice towards a minimum
    unique = list({(v.name, v.public_key): v for v in verifiers}.values())
    for verifier in unique:
        claimed = [line for line in lines if verifier.claims(line)]
        found = [c for c in (verifier.verify_line(body, line) for line in claimed) if c]
        label = f"{verifier.name}+{verifier.id.hex()}"
        if found:
            valid.append(found[0])
        elif claimed:
            invalid.append(label)
        else:
            missing.append(label)
    return WitnessCheck(valid=tuple(valid), invalid=tuple(invalid), missing=tuple(missing))
