"""Reading a served log from outside (its /log checkpoint, entry bundles and hash tiles),
through the egress gate: what ``credential verify --log`` asks of it, consents withdrawn
since a credential was signed.

Nothing served is taken on trust but the checkpoint's signature: the served tree is
proven consistent with the checkpoint the credential carries, and every entry read is
proven included in the served checkpoint, from its hash tiles."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from likeness.egress import Egress
from likeness.errors import InvalidInputError, LogIntegrityError
from likeness.ledger.checkpoint import Checkpoint, open_checkpoint
from likeness.ledger.entry import decode_entry
from likeness.ledger.merkle import (
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from likeness.ledger.note import NoteError, Verifier
from likeness.ledger.tile_reader import TileHashReader
from likeness.ledger.tiles import TILE_WIDTH, decode_bundle, encode_index

WITHDRAWALS = frozenset({"consent.revoked", "consent.suspended"})
MAX_BUNDLE = TILE_WIDTH * (2 + 0xFFFF)  # 256 entries of at most 64 KiB


@dataclass(frozen=True)
class Withdrawal:
    consent_id: str
    type: str  # consent.revoked or consent.suspended
    index: int
    at: str


@dataclass(frozen=True)
class Followed:
    size: int  # the served checkpoint's
    withdrawals: tuple[Withdrawal, ...]


def withdrawals_since(
    egress: Egress,
    log_url: str,
    verifier: Verifier,
    consent_ids: Collection[str],
    since: Checkpoint,
    first: int,
) -> Followed:
    """Entries ``first`` onwards in the log served at ``log_url`` (its ``/log`` prefix)
    that withdraw one of ``consent_ids``; the served log must extend ``since`` (the
    checkpoint the credential carries)."""
    base = log_url.rstrip("/")
    checkpoint = _served_checkpoint(egress, base, verifier)
    if checkpoint.size < since.size:
        raise LogIntegrityError(
            f"the served log has {checkpoint.size} entries, fewer than the {since.size} the "
            "credential's checkpoint proves: history was truncated"
        )
    tiles = TileHashReader(checkpoint.size, lambda path: _get(egress, f"{base}/{path}"))
    try:
        with_proofs = consistency_proof(since.size, checkpoint.size, tiles)
        verify_consistency(since.size, checkpoint.size, since.root, checkpoint.root, with_proofs)
    except (ProofError, LookupError) as exc:
        raise LogIntegrityError(
            f"the served log is not consistent with the credential's checkpoint: {exc}"
        ) from None
    found: list[Withdrawal] = []
    for index, entry in _entries(egress, base, first, checkpoint.size):
        try:
            proof = inclusion_proof(index, checkpoint.size, tiles)
            verify_inclusion(leaf_hash(entry), index, checkpoint.size, proof, checkpoint.root)
        except (ProofError, LookupError) as exc:
            raise LogIntegrityError(
                f"entry {index} served by {base} is not in its checkpoint: {exc}"
            ) from None
        data = decode_entry(entry)
        ids = data.get("ids")
        if data.get("type") in WITHDRAWALS and isinstance(ids, dict):
            consent = ids.get("consent")
            if consent in consent_ids:
                found.append(
                    Withdrawal(str(consent), str(data["type"]), index, str(data.get("at")))
                )
    return Followed(size=checkpoint.size, withdrawals=tuple(found))


def _served_checkpoint(egress: Egress, base: str, verifier: Verifier) -> Checkpoint:
    try:
        return open_checkpoint(_get(egress, f"{base}/checkpoint"), verifier)
    except NoteError as exc:
        raise LogIntegrityError(f"the served checkpoint is not the log's: {exc}") from None


def _get(egress: Egress, url: str) -> bytes:
    answer = egress.send("GET", url, max_body=MAX_BUNDLE)
    if answer.status != 200 or answer.truncated:
        raise InvalidInputError(f"{url} answered {answer.status}")
    return answer.body


def _entries(egress: Egress, base: str, first: int, size: int) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    for tile in range(first // TILE_WIDTH, (size + TILE_WIDTH - 1) // TILE_WIDTH):
        start = tile * TILE_WIDTH
        width = min(TILE_WIDTH, size - start)
        path = f"{base}/tile/entries/{encode_index(tile)}"
        if width < TILE_WIDTH:
            path += f".p/{width}"
        try:
            entries = decode_bundle(_get(egress, path))
        except ValueError as exc:
            raise LogIntegrityError(f"{path}: {exc}") from None
        if len(entries) != width:
            raise LogIntegrityError(f"{path} holds {len(entries)} entries, not {width}")
        out.extend((start + i, e) for i, e in enumerate(entries) if start + i >= first)
    return out
