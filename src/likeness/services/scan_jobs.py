"""Clearance scans submitted over HTTP: uploaded media scanned in the background.

A job is queued with its uploads saved under ``jobs/<id>/`` in the data home, run on
a small thread pool (recognition is CPU-bound and synchronous; it must never run on
the event loop), and its report stored with the job. Uploads are shredded when the
job ends, whatever the outcome. Jobs still queued or running when the server stops
are marked failed at the next start, with a message asking to resubmit.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from likeness.domain.account import Account, Role
from likeness.domain.scan import ScanOptions, ScanReport
from likeness.domain.scan_job import ScanJobStatus
from likeness.errors import (
    InvalidInputError,
    LikenessError,
    NotFoundError,
    PermissionDeniedError,
    StoreError,
)
from likeness.services.access import require_production
from likeness.services.ports import Clock, IdFactory
from likeness.services.scans import ScanService
from likeness.store.database import Database
from likeness.store.repositories import ProductionRepository
from likeness.store.scan_jobs import ScanJobRepository, ScanJobRow
from likeness.store.shredding import shred_folder

log = logging.getLogger(__name__)
SAFE_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


@dataclass(frozen=True)
class ScanJob:
    id: str
    account_id: str
    production_id: str
    status: ScanJobStatus
    options: ScanOptions
    media: tuple[str, ...]  # the uploads' names
    report: ScanReport | None  # once done
    error: str | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Upload:
    name: str
    path: Path  # a file already written under the job folder


def safe_name(name: str, position: int) -> str:
    """A file name that cannot escape the job folder, keeping the extension for decoding."""
    base = "".join(c if c in SAFE_NAME_CHARS else "_" for c in Path(name).name)[-100:]
    return f"{position:03d}-{base.lstrip('.') or 'upload'}"


class ScanJobService:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        ids: IdFactory,
        scans: ScanService,
        root: Path,
        executor: Executor,
    ) -> None:
        self._database = database
        self._clock = clock
        self._ids = ids
        self._scans = scans
        self._root = root
        self._executor = executor

    def new_job_folder(self) -> tuple[str, Path]:
        job_id = self._ids.new()
        folder = self._root / job_id
        folder.mkdir(parents=True, mode=0o700)
        return job_id, folder

    def discard(self, job_id: str) -> None:
        """Shred what was staged for a job that was never submitted."""
        _clear(self._root / job_id)

    def submit(
        self,
        account: Account,
        job_id: str,
        options: ScanOptions,
        uploads: Sequence[Upload],
    ) -> ScanJob:
        folder = self._root / job_id
        uploads = _distinct_names(uploads)
        try:
            require_production(account, options.production_id)
            if not uploads:
                raise InvalidInputError("a scan needs at least one media file")
            job = ScanJob(
                id=job_id,
                account_id=account.id,
                production_id=options.production_id,
                status=ScanJobStatus.QUEUED,
                options=options,
                media=tuple(u.name for u in uploads),
                report=None,
                error=None,
                created_at=self._clock.now(),
                finished_at=None,
            )
            with self._database.write() as connection:
                if ProductionRepository(connection).get(options.production_id) is None:
                    raise NotFoundError("production", options.production_id)
                ScanJobRepository(connection).add(_row(job))
        except BaseException:
            _clear(folder)
            raise
        self._executor.submit(self._run, job_id, options, uploads)
        return job

    def get(self, account: Account, job_id: str) -> ScanJob:
        with self._database.read() as connection:
            row = ScanJobRepository(connection).get(job_id)
        if row is None:
            raise NotFoundError("scan job", job_id)
        job = _job(row)
        require_production(account, job.production_id)
        if account.role is Role.PLATFORM and job.account_id != account.id:
            raise PermissionDeniedError(f"scan job {job_id} was submitted by another account")
        return job

    def jobs(self, production_id: str | None) -> list[ScanJob]:
        with self._database.read() as connection:
            rows = ScanJobRepository(connection).for_production(production_id)
        return [_job(row) for row in rows]

    def interrupt_unfinished(self) -> int:
        with self._database.write() as connection:
            return ScanJobRepository(connection).interrupt_unfinished(self._clock.now())

    def _run(self, job_id: str, options: ScanOptions, uploads: Sequence[Upload]) -> None:
        """Scan, shred the uploads, then say how it ended: a finished job has left
        nothing behind."""
        self._set(job_id, ScanJobStatus.RUNNING)
        report, error = None, None
        try:
            scanned = self._scans.scan([u.path for u in uploads], options)
            named = _by_upload_name(scanned, {str(u.path): u.name for u in uploads})
            report = json.dumps(named.to_json())
        except Exception as exc:  # a failed job says why; the server goes on
            log.exception("scan job %s failed", job_id)
            error = (
                exc.message if isinstance(exc, LikenessError) else f"{type(exc).__name__}: {exc}"
            )
        finally:
            _clear(self._root / job_id)
        status = ScanJobStatus.FAILED if report is None else ScanJobStatus.DONE
        self._set(job_id, status, report=report, error=error, finished_at=self._clock.now())

    def _set(
        self,
        job_id: str,
        status: ScanJobStatus,
        *,
        report: str | None = None,
        error: str | None = None,
        finished_at: datetime | None = None,
    ) -> None:
        with self._database.write() as connection:
            ScanJobRepository(connection).set_status(
                job_id, status, report=report, error=error, finished_at=finished_at
            )


def _clear(folder: Path) -> None:
    """Shred a job's uploads and remove its folder."""
    shred_folder(folder)
    if folder.exists():
        folder.rmdir()


def _row(job: ScanJob) -> ScanJobRow:
    return ScanJobRow(
        id=job.id,
        account_id=job.account_id,
        production_id=job.production_id,
        status=job.status,
        options=json.dumps(job.options.to_json()),
        media=job.media,
        report=None if job.report is None else json.dumps(job.report.to_json()),
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def _job(row: ScanJobRow) -> ScanJob:
    try:
        return _read_job(row)
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(
            f"scan job {row.id} is stored in a form this version cannot read ({exc!r})",
            hint="submit the scan again; the stored job is left as it is",
        ) from exc


def _read_job(row: ScanJobRow) -> ScanJob:
    return ScanJob(
        id=row.id,
        account_id=row.account_id,
        production_id=row.production_id,
        status=row.status,
        options=ScanOptions.from_json(json.loads(row.options)),
        media=row.media,
        report=None if row.report is None else ScanReport.from_json(json.loads(row.report)),
        error=row.error,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


def _distinct_names(uploads: Sequence[Upload]) -> list[Upload]:
    """Uploads named as sent, a repeated name numbered (``clip (2).mp4``): a report names
    each file once."""
    seen: dict[str, int] = {}
    named = []
    for upload in uploads:
        count = seen[upload.name] = seen.get(upload.name, 0) + 1
        given = Path(upload.name)
        name = upload.name if count == 1 else f"{given.stem} ({count}){given.suffix}"
        named.append(dataclasses.replace(upload, name=name))
    return named


def _by_upload_name(report: ScanReport, names: Mapping[str, str]) -> ScanReport:
    """Show the uploaded names in the report, not paths on the server."""

    def name(path: str) -> str:
        return names.get(path, Path(path).name)

    def scrub(error: str | None) -> str | None:
        if error is None:
            return None
        for path, upload in names.items():
            error = error.replace(path, upload)
        return error

    media = tuple(
        dataclasses.replace(
            m,
            path=name(m.path),
            error=scrub(m.error),
            appearances=tuple(dataclasses.replace(a, media=name(a.media)) for a in m.appearances),
        )
        for m in report.media
    )
    return dataclasses.replace(report, media=media)
