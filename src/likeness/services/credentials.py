"""Clearance credentials: sign a deliverable whose every appearance is cleared, and
check a signed file (docs/provenance.md).

Signing scans the file again (its detections come from the scan cache when its bytes
were scanned before) and decides every appearance at signing time; one appearance no
consent covers refuses the whole file, and nothing is written. A clean scan is logged
(``scan.cleared``: the record the assertion carries, committed under a salt the
assertion also carries), the copy is signed, and the signing is logged
(``credential.issued``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from likeness.domain.decision import DecisionOutcome
from likeness.domain.lifecycle import EventType
from likeness.domain.scan import Appearance, MediaStatus, ScanOptions, ScanReport
from likeness.domain.task import Stage, Step
from likeness.errors import InvalidInputError, NotClearedError
from likeness.ledger.canonical import JsonValue
from likeness.ledger.entry import SALT_SIZE, commitment
from likeness.ledger.note import NoteError, parse_verifier
from likeness.ledger.receipt import Receipt
from likeness.provenance.certificates import ca_of
from likeness.provenance.clearance import Clearance, ClearedRecord
from likeness.provenance.credential import (
    CredentialVerdict,
    manifest_for,
    signer_of,
    verify_credential,
)
from likeness.provenance.signing import (
    SIGNABLE,
    CredentialSigner,
    mime_of,
    sign_into,
    sign_media,
)
from likeness.services.consents import ConsentService
from likeness.services.events import credential_issued, performer_key, scan_cleared
from likeness.services.ledger import LedgerService
from likeness.services.ports import Clock
from likeness.services.scans import ScanService
from likeness.services.tasks import StepReporter, ignore
from likeness.store.database import Database
from likeness.store.log_store import SaltRepository
from likeness.store.record_keys import personal


@dataclass(frozen=True)
class IssuedCredential:
    """A signed copy written: where, what it clears, and the receipts of its entries."""

    path: Path | None  # None: signed into a stream
    media_sha256: str
    signed_sha256: str
    appearances: tuple[Appearance, ...]
    scan_receipt: Receipt
    issued_receipt: Receipt


@dataclass(frozen=True)
class Signing:
    """What an attempt to sign found: the scan's report, and the credential issued or
    why none was."""

    report: ScanReport
    issued: IssuedCredential | None
    refusal: str | None


REFUSAL_HINT = "obtain consent for these uses (or cut them), then sign again"


class CredentialService:
    def __init__(
        self,
        *,
        scans: ScanService,
        consents: ConsentService,
        ledger: LedgerService,
        database: Database,
        clock: Clock,
        signer: CredentialSigner,
    ) -> None:
        self._scans = scans
        self._consents = consents
        self._ledger = ledger
        self._database = database
        self._clock = clock
        self._signer = signer

    def sign(self, source: Path, dest: Path, options: ScanOptions) -> IssuedCredential:
        """Write ``dest``, a copy of ``source`` carrying a clearance credential, or raise
        ``NotClearedError`` (naming each appearance no consent covers) and write nothing."""
        signing = self.sign_or_report(source, dest, options)
        if signing.issued is None:
            raise NotClearedError(signing.refusal or "not cleared", hint=REFUSAL_HINT)
        return signing.issued

    def sign_or_report(
        self,
        source: Path,
        dest: Path | BinaryIO,
        options: ScanOptions,
        *,
        title: str | None = None,
        submitted_by: str | None = None,
        steps: StepReporter = ignore,
    ) -> Signing:
        """``sign``, answering a refusal with the scan's report instead of raising (a
        scan job keeps it). ``title``: the file's name in the manifest (default the
        source's); ``submitted_by``: the account that asked, over HTTP. ``dest`` may be an
        empty stream (a scan job signs into memory). ``steps``: the scan's progress, then
        the signing stage (services/tasks.py)."""
        mime_of(source)  # a format a credential goes into, before any scan
        if isinstance(dest, Path):
            _check_target(dest)
        report = self._scans.scan([source], options, submitted_by=submitted_by, steps=steps)
        media = report.media[0]
        if media.status is MediaStatus.ERROR or media.sha256 is None:
            raise InvalidInputError(media.error or f"{source}: cannot be scanned")
        refusal = _refusal(title or source.name, media.appearances)
        if refusal is not None:
            return Signing(report=report, issued=None, refusal=refusal)
        steps(Step(Stage.SIGNING, done=1, total=1))  # the last chance to cancel
        record, consent_receipts = self._record(media.sha256, options, media.appearances)
        salt = secrets.token_bytes(SALT_SIZE)
        (scan_receipt,) = self._ledger.append_with_receipts(
            [scan_cleared(options.production_id, ClearedRecord(record), salt, self._clock.now())]
        )
        clearance = Clearance(
            record=record,
            salt=salt,
            scan_receipt=scan_receipt,
            consent_receipts={k: self._ledger.receipt(i) for k, i in consent_receipts.items()},
            ca_certificate=ca_of(self._signer.chain_pem).decode("ascii"),
        )
        manifest = manifest_for(clearance, title or source.name)
        if isinstance(dest, Path):
            sign_media(source, dest, manifest, self._signer)
        else:
            sign_into(source, dest, manifest, self._signer)
        if _sha256(source) != media.sha256:  # changed between the scan and the signing
            if isinstance(dest, Path):
                dest.unlink(missing_ok=True)
            raise InvalidInputError(
                f"{source}: the file changed while it was being signed; nothing was written",
                hint="sign it again once it is no longer being written to",
            )
        signed = _sha256(dest) if isinstance(dest, Path) else _stream_sha256(dest)
        (issued,) = self._ledger.append_with_receipts(
            [
                credential_issued(
                    options.production_id,
                    scan_index=scan_receipt.index,
                    media_sha256=media.sha256,
                    signed_sha256=signed,
                    at=self._clock.now(),
                )
            ]
        )
        return Signing(
            report=report,
            issued=IssuedCredential(
                path=dest if isinstance(dest, Path) else None,
                media_sha256=media.sha256,
                signed_sha256=signed,
                appearances=media.appearances,
                scan_receipt=scan_receipt,
                issued_receipt=issued,
            ),
            refusal=None,
        )

    def _record(
        self, sha256: str, options: ScanOptions, appearances: Sequence[Appearance]
    ) -> tuple[dict[str, JsonValue], dict[str, int]]:
        """The record the log commits to, and the grant entry of each consent relied on."""
        grants = {
            a.consent_id: self._grant_index(a.consent_id)
            for a in appearances
            if a.outcome is DecisionOutcome.COVERED and a.consent_id is not None
        }
        items: list[JsonValue] = [self._item(a) for a in appearances]
        use = options.to_json()
        del use["production_id"]
        use["fps"] = f"{options.fps:g}"  # log entries hold no floats (RFC 8785 exactness)
        record: dict[str, JsonValue] = {
            "media_sha256": sha256,
            "production_id": options.production_id,
            "use": use,
            "decided_at": self._clock.now().isoformat(),
            "signer": dict(signer_of(self._signer.chain_pem)),
            "appearances": items,
        }
        return record, grants

    def _item(self, appearance: Appearance) -> JsonValue:
        return {
            "performer": self._commitment(appearance),
            "modality": appearance.modality.value,
            "start": str(appearance.start),
            "end": str(appearance.end),
            "decision": appearance.outcome.value,
            "consent_id": appearance.consent_id
            if appearance.outcome is DecisionOutcome.COVERED
            else None,
        }

    def _commitment(self, appearance: Appearance) -> str | None:
        """The performer as the log commits to them: a commitment to their id under the
        salt of their performer record (derived from their personal key, so it opens for
        no one once they are erased). The same for every credential naming them; never
        the id or a name."""
        performer = appearance.performer_id
        if performer is None:
            return None
        with self._database.write() as connection:  # the salt may have to be derived
            salt = SaltRepository(connection).salts_for(
                [(performer_key(performer), personal(performer))]
            )[performer_key(performer)]
        return commitment(salt, "performer", performer)

    def _grant_index(self, consent_id: str) -> int:
        events = self._consents.events(consent_id)
        indexes = self._consents.log_indexes(consent_id)
        granted = [i for e, i in zip(events, indexes, strict=True) if e.type is EventType.GRANTED]
        if not granted:
            raise InvalidInputError(f"consent {consent_id} was never granted in the log")
        return granted[-1]


SIGNED_MEDIA_TYPES = tuple(sorted(set(SIGNABLE.values())))  # what a signed copy is served as


def media_type_of(name: str) -> str:
    """The media type a signed copy named ``name`` is served as."""
    return SIGNABLE.get(Path(name).suffix.lower(), "application/octet-stream")


def verify(path: Path, verifier_key: str) -> CredentialVerdict:
    """Check ``path``'s credential offline against the log's verifier key (text or file)."""
    try:
        verifier = parse_verifier(verifier_key)
    except NoteError as exc:
        raise InvalidInputError(f"verifier key rejected: {exc}") from None
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file")
    return verify_credential(path, verifier)


def _refusal(name: str, appearances: Sequence[Appearance]) -> str | None:
    """Why a file cannot be signed (each appearance no consent covers), or None."""
    uncovered = [a for a in appearances if a.outcome is DecisionOutcome.NOT_COVERED]
    if not uncovered:
        return None
    listed = "; ".join(
        f"{a.modality.value} {a.start}-{a.end} s"
        + ("" if a.flag_log_index is None else f" (flag {a.flag_log_index})")
        for a in uncovered
    )
    return f"{name}: {len(uncovered)} appearance(s) no consent covers: {listed}"


def _check_target(dest: Path) -> None:
    mime_of(dest)
    if dest.exists():
        raise InvalidInputError(f"{dest}: already exists; name a new file for the signed copy")
    if not dest.parent.is_dir():
        raise InvalidInputError(f"{dest.parent}: no such folder")


def _stream_sha256(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
