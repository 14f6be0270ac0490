"""Clearance scans submitted over HTTP: their options, media names, status and report.

The report holds face thumbnails, so it is stored sealed (the scan-job service seals it:
base64 text), beside the ids of the performers it shows, which erasure looks up."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, or_, select, update
from sqlalchemy.engine import Connection

from likeness.domain.scan_job import ScanJobStatus
from likeness.store.record_keys import keys_of, report
from likeness.store.tables import accounts, scan_jobs


@dataclass(frozen=True)
class ScanJobRow:
    id: str
    account_id: str
    production_id: str
    status: ScanJobStatus
    options: str  # JSON
    media: tuple[str, ...]
    report: str | None  # sealed JSON (base64), once done
    shows: tuple[str, ...]  # the performers the report shows
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    credential: str | None = None  # JSON (domain.scan_job.CredentialOutcome), if one was asked


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
                "shows": json.dumps(list(job.shows)),
                "error": job.error,
                "created_at": job.created_at,
                "finished_at": job.finished_at,
                "credential": job.credential,
            },
        )

    def get(self, job_id: str) -> ScanJobRow | None:
        row = self._db.execute(select(scan_jobs).where(scan_jobs.c.id == job_id)).one_or_none()
        return None if row is None else _scan_job(row)

    def for_production(
        self, production_id: str | None, *, not_submitted_by: str | None = None
    ) -> list[ScanJobRow]:
        """Jobs for a production (all: ``None``), leaving out those submitted by
        accounts of the role ``not_submitted_by``."""
        query = select(scan_jobs).order_by(scan_jobs.c.id.desc())
        if production_id is not None:
            query = query.where(scan_jobs.c.production_id == production_id)
        if not_submitted_by is not None:
            by_role = select(accounts.c.id).where(accounts.c.role == not_submitted_by)
            query = query.where(scan_jobs.c.account_id.not_in(by_role))
        return [_scan_job(row) for row in self._db.execute(query)]

    def set_status(
        self,
        job_id: str,
        status: ScanJobStatus,
        *,
        report: str | None = None,
        shows: tuple[str, ...] = (),
        error: str | None = None,
        finished_at: datetime | None = None,
        credential: str | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "status": status.value,
            "report": report,
            "shows": json.dumps(list(shows)),
            "error": error,
            "finished_at": finished_at,
        }
        if credential is not None:  # else: as it was (a credential job's pending outcome)
            values["credential"] = credential
        self._db.execute(update(scan_jobs).where(scan_jobs.c.id == job_id).values(**values))

    def reports_in_clear(self) -> list[tuple[str, str]]:
        """(job id, report JSON) of reports an older version stored unsealed."""
        rows = self._db.execute(
            select(scan_jobs.c.id, scan_jobs.c.report).where(scan_jobs.c.report.like("{%"))
        )
        return [(row.id, row.report) for row in rows]

    def seal_report(self, job_id: str, sealed: str, shows: tuple[str, ...]) -> None:
        """Replace a report stored in clear by its sealed form (the old row's bytes are
        zeroed by SQLite ``secure_delete``)."""
        self._db.execute(
            update(scan_jobs)
            .where(scan_jobs.c.id == job_id)
            .values(report=sealed, shows=json.dumps(list(shows)))
        )

    def interrupt_unfinished(self, now: datetime, *, keep: Collection[str] = ()) -> int:
        """Mark failed the jobs still queued or running, but those in ``keep`` (the
        jobs of live processes)."""
        unfinished = [scan_jobs.c.status.in_((ScanJobStatus.QUEUED, ScanJobStatus.RUNNING))]
        if keep:
            unfinished.append(scan_jobs.c.id.not_in(list(keep)))
        result = self._db.execute(
            update(scan_jobs)
            .where(*unfinished)
            .values(
                status=ScanJobStatus.FAILED.value,
                error="the server stopped before this scan finished; submit it again",
                finished_at=now,
            )
        )
        return int(result.rowcount)

    def drop_report(self, job_id: str, why: str) -> None:
        self._db.execute(
            update(scan_jobs)
            .where(scan_jobs.c.id == job_id)
            .values(report=None, shows="[]", status=ScanJobStatus.FAILED.value, error=why)
        )

    def erase_showing(self, performer_id: str) -> int:
        """Scan reports showing this performer (their face thumbnails) go with their
        biometrics, and the keys that sealed them; the job stays, marked. Returns how many
        reports went."""
        showing = or_(
            scan_jobs.c.shows.contains(f'"{performer_id}"', autoescape=True),
            # a report an older version stored in clear (sealed at the next start)
            scan_jobs.c.report.like("{%")
            & scan_jobs.c.report.contains(performer_id, autoescape=True),
        )
        job_ids = list(self._db.execute(select(scan_jobs.c.id).where(showing)).scalars())
        for start in range(0, len(job_ids), 500):
            self._db.execute(
                update(scan_jobs)
                .where(scan_jobs.c.id.in_(job_ids[start : start + 500]))
                .values(
                    report=None,
                    shows="[]",
                    status=ScanJobStatus.ERASED.value,
                    error="erased with a performer it showed",
                )
            )
        keys_of(self._db).destroy(self._db, [report(job_id) for job_id in job_ids])
        return len(job_ids)


def _scan_job(row: Row[Any]) -> ScanJobRow:
    return ScanJobRow(
        id=row.id,
        account_id=row.account_id,
        production_id=row.production_id,
        status=ScanJobStatus(row.status),
        options=row.options,
        media=tuple(json.loads(row.media)),
        report=row.report,
        shows=tuple(json.loads(row.shows or "[]")),
        error=row.error,
        created_at=row.created_at,
        credential=row.credential,
        finished_at=row.finished_at,
    )
