"""The states of a clearance scan submitted over HTTP."""

from __future__ import annotations

from enum import StrEnum


class ScanJobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    ERASED = "erased"  # its report showed a performer since erased

    @property
    def finished(self) -> bool:
        return self not in (ScanJobStatus.QUEUED, ScanJobStatus.RUNNING)
