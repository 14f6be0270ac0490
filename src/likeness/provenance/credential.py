"""Clearance credentials in media: the C2PA manifest written at signing, and the whole
check a verifier runs on a file (manifest, hard binding, signer, every receipt)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from likeness import __version__
from likeness.errors import InvalidInputError
from likeness.ledger.note import Verifier
from likeness.provenance.certificates import ca_of, pem_fingerprint
from likeness.provenance.clearance import (
    LABEL,
    Check,
    Clearance,
    ClearanceError,
    ClearedAppearance,
    check_clearance,
    parse_clearance,
)
from likeness.provenance.sdk import anchored_context, load_c2pa, offline_context
from likeness.provenance.signing import mime_of

GENERATOR = "likeness-ledger"


def manifest_for(clearance: Clearance, title: str) -> dict[str, Any]:
    """The manifest a credential carries: the clearance assertion, no thumbnail."""
    return {
        "claim_generator_info": [{"name": GENERATOR, "version": __version__}],
        "title": title,
        "assertions": [{"label": LABEL, "data": clearance.to_json()}],
    }


@dataclass(frozen=True)
class CredentialVerdict:
    """What ``credential verify`` found: valid only when every check holds."""

    path: str
    checks: tuple[Check, ...]
    appearances: tuple[ClearedAppearance, ...]
    production_id: str | None
    scan_index: int | None
    tree_size: int | None  # of the checkpoint the scan receipt carries
    manifest: str | None  # the active manifest's label
    checkpoint: str | None = None  # the signed checkpoint the scan receipt carries

    @property
    def valid(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)


def verify_credential(path: Path, verifier: Verifier) -> CredentialVerdict:
    """Check ``path``'s clearance credential offline with the log's ``verifier`` key."""
    checks: list[Check] = []
    active, state, failures = _read(path, checks)
    if active is None:
        return CredentialVerdict(str(path), tuple(checks), (), None, None, None, None)
    label = str(active.get("label"))
    checks.append(_binding(state, failures))
    data = _assertion(active)
    if data is None:
        checks.append(Check("clearance assertion", False, f"the manifest has no {LABEL} assertion"))
        return CredentialVerdict(str(path), tuple(checks), (), None, None, None, label)
    try:
        clearance = parse_clearance(data)
    except ClearanceError as exc:
        checks.append(Check("clearance assertion", False, str(exc)))
        return CredentialVerdict(str(path), tuple(checks), (), None, None, None, label)
    checks.append(_signer(path, clearance))
    found = check_clearance(clearance, verifier)
    checks.extend(found.checks)
    production = clearance.record.get("production_id")
    return CredentialVerdict(
        path=str(path),
        checks=tuple(checks),
        appearances=found.appearances,
        production_id=None if production is None else str(production),
        scan_index=found.scan_index,
        tree_size=found.tree_size,
        manifest=label,
        checkpoint=clearance.scan_receipt.checkpoint if found.tree_size is not None else None,
    )


def _read(path: Path, checks: list[Check]) -> tuple[dict[str, Any] | None, str, list[str]]:
    c2pa = load_c2pa()
    try:
        mime = mime_of(path)
    except InvalidInputError as exc:
        checks.append(Check("manifest", False, exc.message))
        return None, "", []
    try:
        with path.open("rb") as stream:
            reader = c2pa.Reader.try_create(mime, stream, context=offline_context())
            if reader is None:
                checks.append(Check("manifest", False, "the file carries no C2PA manifest"))
                return None, "", []
            active = reader.get_active_manifest()
            state = reader.get_validation_state() or ""
            results = reader.get_validation_results() or {}
    except OSError as exc:
        checks.append(Check("manifest", False, f"cannot read the file ({exc.strerror})"))
        return None, "", []
    except (c2pa.C2paError, KeyError, ValueError) as exc:  # the SDK raises all three
        checks.append(Check("manifest", False, f"the C2PA manifest cannot be read: {exc}"))
        return None, "", []
    if not isinstance(active, dict):
        checks.append(Check("manifest", False, "the C2PA manifest store has no active manifest"))
        return None, "", []
    checks.append(Check("manifest", True, f"C2PA manifest {active.get('label')} read"))
    return active, state, _failures(results)


def _failures(results: dict[str, Any]) -> list[str]:
    active = results.get("activeManifest") or {}
    return [
        f"{f.get('code')}: {f.get('explanation')}"
        for f in active.get("failure", [])
        if isinstance(f, dict)
    ]


def _binding(state: str, failures: list[str]) -> Check:
    subject = "manifest signature and hard binding"
    if failures or state not in ("Valid", "Trusted"):
        return Check(subject, False, "; ".join(failures) or f"validation state {state!r}")
    return Check(subject, True, "the claim signature verifies and the bytes match their hash")


def _assertion(active: dict[str, Any]) -> Any:
    for assertion in active.get("assertions", []):
        if isinstance(assertion, dict) and assertion.get("label") == LABEL:
            return assertion.get("data")
    return None


def _signer(path: Path, clearance: Clearance) -> Check:
    """The manifest was signed under the CA the logged record names: the CA certificate
    the assertion carries has that SHA-256, and the file validates as ``Trusted`` with it
    as the only trust anchor. Anyone can make a certificate with the same serial number
    and names; no one but the deployment can make one its CA signed."""
    subject = "signer"
    bound = clearance.record.get("signer")
    if not isinstance(bound, dict) or not isinstance(bound.get("ca_sha256"), str):
        return Check(subject, False, "the record names no signing CA")
    try:
        carried = pem_fingerprint(clearance.ca_certificate.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return Check(subject, False, "the assertion's CA certificate is malformed")
    if carried != bound["ca_sha256"]:
        return Check(subject, False, "the assertion's CA certificate is not the one the log names")
    c2pa = load_c2pa()
    try:
        with path.open("rb") as stream:
            reader = c2pa.Reader(
                mime_of(path), stream, context=anchored_context(clearance.ca_certificate)
            )
            state = reader.get_validation_state() or ""
    except (OSError, c2pa.C2paError, KeyError, ValueError) as exc:
        return Check(subject, False, f"cannot validate the signing chain: {exc}")
    if state != "Trusted":
        return Check(
            subject,
            False,
            "the manifest was not signed under the CA the log names (another signer)",
        )
    return Check(subject, True, "signed under the CA the log names")


def signer_of(chain_pem: bytes) -> dict[str, str]:
    """What the logged record says of the signer: the SHA-256 of its CA certificate (what
    a verifier anchors trust to) and the leaf's serial (decimal), for people."""
    from cryptography import x509

    leaf = x509.load_pem_x509_certificate(chain_pem)
    return {"ca_sha256": pem_fingerprint(ca_of(chain_pem)), "serial": str(leaf.serial_number)}


def assertion_json(clearance: Clearance) -> str:
    return json.dumps(clearance.to_json(), indent=2)
