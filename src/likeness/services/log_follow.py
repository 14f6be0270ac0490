"""Reading a served log from outside (its /log checkpoint and entry bundles), through
the egress gate: what ``credential verify --log`` asks of it, consents withdrawn since
a credential was signed."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from likeness.egress import Egress
from likeness.errors import InvalidInputError, LogIntegrityError
from likeness.ledger.checkpoint import open_checkpoint
from likeness.ledger.entry import decode_entry
from likeness.ledger.note import NoteError, Verifier
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
    egress: Egress, log_url: str, verifier: Verifier, consent_ids: Collection[str], since: int
) -> Followed:
    """Entries ``since`` onwards in the log served at ``log_url`` (its ``/log`` prefix)
    that withdraw one of ``consent_ids``, under a checkpoint ``verifier`` signed."""
    base = log_url.rstrip("/")
    answer = egress.send("GET", f"{base}/checkpoint")
    if answer.status != 200:
        raise InvalidInputError(f"{base}/checkpoint answered {answer.status}")
    try:
        checkpoint = open_checkpoint(answer.body, verifier)
    except NoteError as exc:
        raise LogIntegrityError(f"the served checkpoint is not the log's: {exc}") from None
    if checkpoint.size < since:
        raise LogIntegrityError(
            f"the served log has {checkpoint.size} entries, fewer than the {since} the "
            "credential's checkpoint proves: history was truncated"
        )
    found: list[Withdrawal] = []
    for index, entry in _entries(egress, base, since, checkpoint.size):
        data = decode_entry(entry)
        ids = data.get("ids")
        if data.get("type") in WITHDRAWALS and isinstance(ids, dict):
            consent = ids.get("consent")
            if consent in consent_ids:
                found.append(
                    Withdrawal(str(consent), str(data["type"]), index, str(data.get("at")))
                )
    return Followed(size=checkpoint.size, withdrawals=tuple(found))


def _entries(egress: Egress, base: str, first: int, size: int) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    for tile in range(first // TILE_WIDTH, (size + TILE_WIDTH - 1) // TILE_WIDTH):
        start = tile * TILE_WIDTH
        width = min(TILE_WIDTH, size - start)
        path = f"{base}/tile/entries/{encode_index(tile)}"
        if width < TILE_WIDTH:
            path += f".p/{width}"
        answer = egress.send("GET", path, max_body=MAX_BUNDLE)
        if answer.status != 200 or answer.truncated:
            raise InvalidInputError(f"{path} answered {answer.status}")
        try:
            entries = decode_bundle(answer.body)
        except ValueError as exc:
            raise LogIntegrityError(f"{path}: {exc}") from None
        if len(entries) != width:
            raise LogIntegrityError(f"{path} holds {len(entries)} entries, not {width}")
        out.extend((start + i, e) for i, e in enumerate(entries) if start + i >= first)
    return out
