"""The states of a clearance scan submitted over HTTP, and of the clearance credential
asked for with one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ScanJobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    ERASED = "erased"  # its report showed a performer since erased
    CANCELLED = "cancelled"  # stopped on request; its uploads were shredded

    @property
    def finished(self) -> bool:
        return self not in (ScanJobStatus.QUEUED, ScanJobStatus.RUNNING)


class CredentialStatus(StrEnum):
    """Where a clearance credential asked for with a scan job stands."""

    PENDING = "pending"  # the job has not finished
    ISSUED = "issued"  # the signed copy is ready to download
    REFUSED = "refused"  # an appearance no consent covers: nothing was signed


@dataclass(frozen=True)
class CredentialOutcome:
    """A credential job's result beside its scan report (docs/provenance.md)."""

    status: CredentialStatus
    file: str  # the signed copy's name, as downloaded
    signed_sha256: str | None = None
    scan_log_index: int | None = None  # its scan.cleared entry
    issued_log_index: int | None = None  # its credential.issued entry
    reason: str | None = None  # why it was refused

    def to_json(self) -> dict[str, str | int | None]:
        return {
            "status": self.status.value,
            "file": self.file,
            "signed_sha256": self.signed_sha256,
            "scan_log_index": self.scan_log_index,
            "issued_log_index": self.issued_log_index,
            "reason": self.reason,
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> CredentialOutcome:
        return CredentialOutcome(
            status=CredentialStatus(data["status"]),
            file=str(data["file"]),
            signed_sha256=data.get("signed_sha256"),
            scan_log_index=data.get("scan_log_index"),
            issued_log_index=data.get("issued_log_index"),
            reason=data.get("reason"),
        )
