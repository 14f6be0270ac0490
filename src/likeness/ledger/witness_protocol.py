"""The C2SP tlog-witness ``add-checkpoint`` call (https://c2sp.org/tlog-witness): the
request body, and the witness's decision on it.

The body is ``old <size>\\n``, up to 63 consistency proof lines (base64 hashes), a
blank line, then the signed checkpoint. The witness answers 200 with its
cosignature line(s); 400 for a malformed request or an old size above the
checkpoint's; 403 when no trusted key of the origin signed the checkpoint; 404 for
an origin it does not witness; 409 (body: the size it knows, ``text/x.tlog.size``)
when the old size is not the size it last cosigned, or that size comes with another
root hash; 422 when the consistency proof does not verify (a checkpoint of size 0
whose root is not the empty tree's is one: no proof leads to it). On any refusal the
witness's state is unchanged.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from likeness.ledger.checkpoint import Checkpoint, open_checkpoint, parse_body
from likeness.ledger.cosignature import CosignatureSigner, split_note
from likeness.ledger.merkle import EMPTY_ROOT, HASH_SIZE, ProofError, verify_consistency
from likeness.ledger.note import NoteError, Verifier

MAX_PROOF_LINES = 63
MAX_BODY = 64 * 1024
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


class WitnessRequestError(ValueError):
    """An add-checkpoint body (or a 409's size) is malformed."""


@dataclass(frozen=True)
class AddCheckpoint:
    old_size: int
    proof: tuple[bytes, ...]
    note: str

    def encode(self) -> bytes:
        lines = [f"old {self.old_size}"] + [base64.b64encode(h).decode() for h in self.proof]
        return ("\n".join(lines) + "\n\n" + self.note).encode("utf-8")


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    if len(body) > MAX_BODY:
        raise WitnessRequestError(f"request body is larger than {MAX_BODY} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WitnessRequestError("request body is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise WitnessRequestError("request body needs a blank line before the checkpoint")
    lines = head.split("\n")
    old = lines[0]
    if not old.startswith("old ") or _SIZE.fullmatch(old[4:]) is None:
        raise WitnessRequestError("the first line must be 'old <size>' (decimal, no leading 0)")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise WitnessRequestError(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof: list[bytes] = []
    for number, line in enumerate(lines[1:], start=2):
        try:
            value = base64.b64decode(line, validate=True)
        except binascii.Error:
            value = b""
        if len(value) != HASH_SIZE:
            raise WitnessRequestError(f"line {number} is not a base64 SHA-256 hash")
        proof.append(value)
    return AddCheckpoint(old_size=int(old[4:]), proof=tuple(proof), note=note)


def parse_size(body: bytes) -> int:
    """The tree size in a 409 answer's body (``<size>\\n``)."""
    text = body.decode("ascii", errors="replace")
    if not text.endswith("\n") or _SIZE.fullmatch(text[:-1]) is None:
        raise WitnessRequestError("the witness's 409 answer does not hold a tree size")
    return int(text[:-1])


@dataclass(frozen=True)
class WitnessedLog:
    """A log a witness is configured for, and the latest checkpoint it cosigned."""

    origin: str
    verifier: Verifier
    size: int = 0
    root: bytes | None = None  # None until it cosigns a first checkpoint
    checkpoint: str | None = None


@dataclass(frozen=True)
class Cosigned:
    log: WitnessedLog  # the state to persist before answering
    lines: str  # the cosignature line(s), each ending in a newline


@dataclass(frozen=True)
class Refused:
    status: int
    message: str
    known_size: int | None = None  # for 409: the size the witness last cosigned


def decide(
    request: AddCheckpoint,
    logs: Mapping[str, WitnessedLog],
    signer: CosignatureSigner,
    timestamp: int,
) -> Cosigned | Refused:
    """What a witness answers to ``request``, given the logs it witnesses."""
    try:
        body, _ = split_note(request.note)
        claimed = parse_body(body)
    except NoteError as exc:
        return Refused(400, f"the checkpoint is malformed: {exc}")
    known = logs.get(claimed.origin)
    if known is None:
        return Refused(404, f"this witness does not witness the log {claimed.origin!r}")
    try:
        checkpoint = open_checkpoint(request.note, known.verifier, origin=known.origin)
    except NoteError as exc:
        return Refused(403, f"the checkpoint is not signed by the log's trusted key: {exc}")
    refusal = _check_consistency(request.old_size, request.proof, known, checkpoint)
    if refusal is not None:
        return refusal
    updated = WitnessedLog(
        origin=known.origin,
        verifier=known.verifier,
        size=checkpoint.size,
        root=checkpoint.root,
        checkpoint=request.note,
    )
    return Cosigned(log=updated, lines=signer.cosign(body, timestamp))


def _check_consistency(
    old_size: int, proof: Sequence[bytes], known: WitnessedLog, checkpoint: Checkpoint
) -> Refused | None:
    if old_size > checkpoint.size:
        return Refused(
            400, f"old size {old_size} is larger than the checkpoint's size {checkpoint.size}"
        )
    if old_size != known.size:
        return Refused(
            409,
            f"old size {old_size} is not the size this witness last cosigned ({known.size})",
            known_size=known.size,
        )
    if checkpoint.size == 0 and checkpoint.root != EMPTY_ROOT:
        # RFC 6962 fixes the root of the empty tree (SHA-256 of nothing): no tree of
        # size 0 has another, so nothing is consistent with it. Cosigning it would
        # also let the next checkpoint in from old size 0, unchecked.
        return Refused(
            422,
            "a checkpoint of size 0 must have the empty tree's root hash "
            f"({base64.b64encode(EMPTY_ROOT).decode()})",
        )
    if known.root is None or old_size == 0:
        if proof:
            return Refused(422, "a consistency proof from size 0 must be empty")
        return None
    if old_size == checkpoint.size and checkpoint.root != known.root:
        return Refused(
            409,
            f"a checkpoint of size {old_size} was cosigned with another root hash",
            known_size=known.size,
        )
    try:
        verify_consistency(old_size, checkpoint.size, known.root, checkpoint.root, proof)
    except ProofError as exc:
        return Refused(
            422,
            f"the consistency proof from size {old_size} to {checkpoint.size} does not "
            f"verify: {exc}",
        )
    return None
