"""The clearance assertion (``org.likeness-ledger.clearance``) and its offline check.

What a clearance credential asserts, and how anyone holding the file and the log's
verifier key checks it (docs/provenance.md):

- ``record``: what the signing scan decided, appearance by appearance (the performer
  as a commitment to their id under their record's salt, never a name or the id;
  time range; decision; the consent relied on),
  for which production and use, and which certificate was to sign it;
- ``salt`` and ``scan_receipt``: the ``scan.cleared`` log entry committing to exactly
  that record (its ``record_sha256`` is recomputed from the two), with its inclusion
  proof and a signed checkpoint;
- ``consent_receipts``: for each consent relied on, the receipt of its
  ``consent.granted`` entry, granted to the production before the scan.

The C2PA manifest around it binds the assertion to the bytes (its hard binding), and
its signing certificate is the one the logged record names: trust in the signer comes
from the log, not from a trust list.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from likeness.ledger.canonical import JsonValue
from likeness.ledger.entry import decode_entry, record_digest
from likeness.ledger.note import Verifier
from likeness.ledger.receipt import Receipt, ReceiptError, parse_receipt, verify_receipt

LABEL = "org.likeness-ledger.clearance"
FORMAT = "likeness-clearance/1"
SCAN_EVENT = "scan.cleared"
GRANT_EVENT = "consent.granted"
CLEARED = frozenset({"covered", "exempt", "unknown"})


@dataclass(frozen=True)
class ClearedRecord:
    """The record a ``scan.cleared`` entry commits to (its JSON form: the credential
    carries it as is, and a verifier hashes it as is)."""

    fields: Mapping[str, JsonValue]


@dataclass(frozen=True)
class Clearance:
    """A clearance assertion, typed."""

    record: Mapping[str, JsonValue]
    salt: bytes
    scan_receipt: Receipt
    consent_receipts: Mapping[str, Receipt]
    ca_certificate: str  # PEM; the logged record names its SHA-256

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "record": dict(self.record),
            "ca_certificate": self.ca_certificate,
            "salt": base64.b64encode(self.salt).decode("ascii"),
            "scan_receipt": self.scan_receipt.to_json(),
            "consent_receipts": {k: r.to_json() for k, r in self.consent_receipts.items()},
        }


class ClearanceError(ValueError):
    """A clearance assertion is malformed."""


def parse_clearance(data: object) -> Clearance:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ClearanceError(f"the clearance assertion is not in the {FORMAT} format")
    record, receipts = data.get("record"), data.get("consent_receipts")
    ca = data.get("ca_certificate")
    if not isinstance(record, dict) or not isinstance(receipts, dict) or not isinstance(ca, str):
        raise ClearanceError(
            "the clearance assertion lacks its record, consent receipts or CA certificate"
        )
    try:
        salt = base64.b64decode(str(data.get("salt")), validate=True)
        scan = parse_receipt(json.dumps(data.get("scan_receipt")))
        consents = {str(k): parse_receipt(json.dumps(v)) for k, v in receipts.items()}
    except (binascii.Error, ReceiptError) as exc:
        raise ClearanceError(f"the clearance assertion is malformed: {exc}") from None
    return Clearance(
        record=record, salt=salt, scan_receipt=scan, consent_receipts=consents, ca_certificate=ca
    )


@dataclass(frozen=True)
class Check:
    """One thing verified: what (``subject``), whether it held, and why not."""

    subject: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class ClearedAppearance:
    performer: str | None  # a commitment (base64), None for someone nobody registered
    modality: str
    start: str
    end: str
    decision: str
    consent_id: str | None


@dataclass(frozen=True)
class ReceiptsChecked:
    checks: tuple[Check, ...]
    appearances: tuple[ClearedAppearance, ...]
    scan_index: int | None
    tree_size: int | None  # of the scan receipt's checkpoint


def check_clearance(clearance: Clearance, verifier: Verifier) -> ReceiptsChecked:
    """Every receipt of ``clearance`` against the log's ``verifier``, and every
    appearance against the receipts: offline, with nothing else."""
    checks: list[Check] = []
    scan_entry = _verified(clearance.scan_receipt, verifier, "scan receipt", checks)
    tree_size = None
    if scan_entry is not None:
        tree_size = _tree_size(clearance.scan_receipt, verifier)
        checks.append(_scan_entry_matches(scan_entry, clearance))
    appearances = _appearances(clearance.record, checks)
    grants: dict[str, Mapping[str, Any] | None] = {}
    for consent_id, receipt in clearance.consent_receipts.items():
        grants[consent_id] = _verified(
            receipt, verifier, f"receipt of consent {consent_id}", checks
        )
    for number, appearance in enumerate(appearances, start=1):
        checks.append(
            _appearance_holds(number, appearance, grants, clearance, scan_entry is not None)
        )
    return ReceiptsChecked(
        checks=tuple(checks),
        appearances=tuple(appearances),
        scan_index=clearance.scan_receipt.index,
        tree_size=tree_size,
    )


def _verified(
    receipt: Receipt, verifier: Verifier, subject: str, checks: list[Check]
) -> Mapping[str, Any] | None:
    try:
        checkpoint = verify_receipt(receipt, verifier)
        entry = decode_entry(receipt.entry)
    except (ReceiptError, ValueError) as exc:
        checks.append(Check(subject, False, str(exc)))
        return None
    checks.append(
        Check(
            subject,
            True,
            f"entry {receipt.index} ({entry.get('type')}) is in {checkpoint.origin} "
            f"at tree size {checkpoint.size}",
        )
    )
    return entry


def _tree_size(receipt: Receipt, verifier: Verifier) -> int:
    return verify_receipt(receipt, verifier).size


def _scan_entry_matches(entry: Mapping[str, Any], clearance: Clearance) -> Check:
    subject = "scan record"
    if entry.get("type") != SCAN_EVENT:
        return Check(subject, False, f"the scan receipt proves a {entry.get('type')} entry")
    ids = entry.get("ids")
    production = clearance.record.get("production_id")
    if not isinstance(ids, dict) or ids.get("production") != production:
        return Check(subject, False, "the logged scan is of another production")
    try:
        digest = record_digest(clearance.record, clearance.salt)
    except (TypeError, ValueError) as exc:
        return Check(subject, False, f"the record cannot be hashed: {exc}")
    if digest != entry.get("record_sha256"):
        return Check(
            subject, False, "the assertion's record is not the one the log committed to (edited?)"
        )
    return Check(subject, True, "the assertion's record is the one the log committed to")


def _appearances(record: Mapping[str, JsonValue], checks: list[Check]) -> list[ClearedAppearance]:
    listed = record.get("appearances")
    if not isinstance(listed, list):
        checks.append(Check("record", False, "the record lists no appearances"))
        return []
    appearances = []
    for item in listed:
        if not isinstance(item, dict):
            checks.append(Check("record", False, "an appearance is not an object"))
            continue
        appearances.append(
            ClearedAppearance(
                performer=_optional_text(item.get("performer")),
                modality=str(item.get("modality")),
                start=str(item.get("start")),
                end=str(item.get("end")),
                decision=str(item.get("decision")),
                consent_id=_optional_text(item.get("consent_id")),
            )
        )
    return appearances


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)


def _appearance_holds(
    number: int,
    appearance: ClearedAppearance,
    grants: Mapping[str, Mapping[str, Any] | None],
    clearance: Clearance,
    scan_logged: bool,
) -> Check:
    subject = f"appearance {number} ({appearance.modality} {appearance.start}-{appearance.end} s)"
    if appearance.decision not in CLEARED:
        return Check(subject, False, f"decided {appearance.decision}: not cleared")
    if appearance.decision != "covered":
        return Check(subject, True, f"{appearance.decision}: no consent needed")
    if appearance.consent_id is None or appearance.consent_id not in grants:
        return Check(subject, False, "covered, but no receipt of the consent relied on")
    grant = grants[appearance.consent_id]
    if grant is None:
        return Check(subject, False, f"the receipt of consent {appearance.consent_id} fails")
    if grant.get("type") != GRANT_EVENT:
        return Check(
            subject,
            False,
            f"the receipt of consent {appearance.consent_id} proves a {grant.get('type')} "
            "entry, not its grant",
        )
    ids = grant.get("ids")
    if not isinstance(ids, dict) or ids.get("consent") != appearance.consent_id:
        return Check(
            subject, False, f"the receipt is of another consent than {appearance.consent_id}"
        )
    if ids.get("production") != clearance.record.get("production_id"):
        return Check(
            subject, False, f"consent {appearance.consent_id} was granted to another production"
        )
    if scan_logged and clearance.consent_receipts[appearance.consent_id].index >= (
        clearance.scan_receipt.index
    ):
        return Check(subject, False, "the consent was granted after the scan relied on it")
    return Check(subject, True, f"covered by consent {appearance.consent_id}, granted in the log")


def consent_ids(appearances: Sequence[ClearedAppearance]) -> list[str]:
    return sorted({a.consent_id for a in appearances if a.consent_id is not None})
