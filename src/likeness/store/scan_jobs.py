"""Clearance scans submitted over HTTP: their options, media names, status and report,
stored as the JSON the scan-job service writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.engine import Connection

from likeness.domain.scan_job import ScanJobStatus
from likeness.store.tables import scan_jobs


@dataclass(frozen=True)
class ScanJobRow:
    id: str
    account_id: str
    production_id: str
    status: ScanJobStatus
    options: str  # JSON
    media: tuple[str, ...]
    report: str | None  # JSON, once done
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class ScanJobRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, job: ScanJobRow) -> None:
        self._db.execute(
            scan_jobs.insert(),
            {
                "id": job.id,
                "account_id": job.account_id,
                "production_id": job.production_id,
                "status": job.status.value,
                "options": job.options,
                "media": json.dumps(list(job.media)),
                "report": job.report,
                "error": job.error,
                "created_at": job.created_at,
                "finished_at": job.finished_at,
            },
        )

    def get(self, job_id: str) -> ScanJobRow | None:
        row = self._db.execute(select(scan_jobs).where(scan_jobs.c.id == job_id)).one_or_none()
        return None if row is None else _scan_job(row)

    def for_production(self, production_id: str | None) -> list[ScanJobRow]:
        query = select(scan_jobs).order_by(scan_jobs.c.id.desc())
        if production_id is not None:
            query = query.where(scan_jobs.c.production_id == production_id)
        return [_scan_job(row) for row in self._db.execute(query)]

    def set_status(
        self,
        job_id: str,
        status: ScanJobStatus,
        *,
        report: str | None = None,
        error: str | None = None,
        finished_at: datetime | None = None,
    ) -> None:
        self._db.execute(
            update(scan_jobs)
            .where(scan_jobs.c.id == job_id)
            .values(status=status.value, report=report, error=error, finished_at=finished_at)
        )

    def interrupt_unfinished(self, now: datetime) -> int:
        result = self._db.execute(
            update(scan_jobs)
            .where(scan_jobs.c.status.in_((ScanJobStatus.QUEUED, ScanJobStatus.RUNNING)))
            .values(
                status=ScanJobStatus.FAILED.value,
                error="the server stopped before this scan finished; submit it again",
                finished_at=now,
            )
        )
        return int(result.rowcount)

    def erase_showing(self, performer_id: str) -> None:
        """Scan reports showing an erased performer go with them (the job stays, marked)."""
        self._db.execute(
            update(scan_jobs)
            .where(scan_jobs.c.report.contains(performer_id))
            .values(
                report=None,
                status=ScanJobStatus.ERASED.value,
                error="erased with a performer it showed",
            )
        )


def _scan_job(row: Row[Any]) -> ScanJobRow:
    return ScanJobRow(
        id=row.id,
        account_id=row.account_id,
        production_id=row.production_id,
        status=ScanJobStatus(row.status),
        options=row.options,
        media=tuple(json.loads(row.media)),
        report=row.report,
        error=row.error,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )
