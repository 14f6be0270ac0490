"""Clearance scans submitted over HTTP: uploaded media scanned in the background.

A job is queued with its uploads saved under ``jobs/<id>/`` in the data home, run on
a small thread pool (recognition is CPU-bound and synchronous; it must never run on
the event loop), and its report stored with the job. Uploads are shredded when the
job ends, whatever the outcome. Jobs still queued or running when the server stops
are marked failed at the next start, with a message asking to resubmit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from likeness.domain.account import Account, Role
from likeness.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from likeness.scan.report import report_json
from likeness.services.access import require_production
from likeness.services.ports import Clock, IdFactory
from likeness.services.scans import ScanOptions, ScanService
from likeness.store.database import Database
from likeness.store.repositories import ProductionRepository
from likeness.store.service_store import ScanJob, ScanJobRepository
from likeness.store.shredding import shred_folder

log = logging.getLogger(__name__)
SAFE_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


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

    def submit(
        self,
        account: Account,
        job_id: str,
        options: ScanOptions,
        uploads: Sequence[Upload],
    ) -> ScanJob:
        folder = self._root / job_id
        try:
            require_production(account, options.production_id)
            if not uploads:
                raise InvalidInputError("a scan needs at least one media file")
            job = ScanJob(
                id=job_id,
                account_id=account.id,
                production_id=options.production_id,
                status="queued",
                options=_options_json(options),
                media=tuple(u.name for u in uploads),
                report=None,
                error=None,
                created_at=self._clock.now(),
                finished_at=None,
            )
            with self._database.write() as connection:
                if ProductionRepository(connection).get(options.production_id) is None:
                    raise NotFoundError("production", options.production_id)
                ScanJobRepository(connection).add(job)
        except BaseException:
            shred_folder(folder)
            raise
        self._executor.submit(self._run, job_id, options, uploads)
        return job

    def get(self, account: Account, job_id: str) -> ScanJob:
        with self._database.read() as connection:
            job = ScanJobRepository(connection).get(job_id)
        if job is None:
            raise NotFoundError("scan job", job_id)
        require_production(account, job.production_id)
        if account.role is Role.PLATFORM and job.account_id != account.id:
            raise PermissionDeniedError(f"scan job {job_id} was submitted by another account")
        return job

    def jobs(self, production_id: str | None) -> list[ScanJob]:
        with self._database.read() as connection:
            return ScanJobRepository(connection).for_production(production_id)

    def interrupt_unfinished(self) -> int:
        with self._database.write() as connection:
            return ScanJobRepository(connection).interrupt_unfinished(self._clock.now())

    def _run(self, job_id: str, options: ScanOptions, uploads: Sequence[Upload]) -> None:
        self._set(job_id, "running")
        try:
            report = self._scans.scan([u.path for u in uploads], options)
            data = report_json(options.production_id, report.media, report.stats())
            names = {str(u.path): u.name for u in uploads}
            _rename_media(data, names)
            self._set(job_id, "done", report=json.dumps(data), finished_at=self._clock.now())
        except Exception as exc:  # a failed job says why; the server goes on
            log.exception("scan job %s failed", job_id)
            message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            self._set(job_id, "failed", error=message, finished_at=self._clock.now())
        finally:
            shred_folder(self._root / job_id)

    def _set(self, job_id: str, status: str, **values: Any) -> None:
        with self._database.write() as connection:
            ScanJobRepository(connection).set_status(job_id, status, **values)


def _options_json(options: ScanOptions) -> dict[str, Any]:
    return {
        "production_id": options.production_id,
        "replica_kind": options.replica_kind.value,
        "purpose": options.purpose,
        "fps": options.fps,
        "use_date": None if options.use_date is None else options.use_date.isoformat(),
    }


def _rename_media(data: dict[str, Any], names: dict[str, str]) -> None:
    """Show the uploaded names in the report, not paths on the server."""
    for key in ("media", "appearances"):
        for item in data.get(key, []):
            for field in ("path", "media"):
                if isinstance(item.get(field), str):
                    item[field] = names.get(item[field], Path(item[field]).name)
            if isinstance(item.get("error"), str):
                for path, name in names.items():
                    item["error"] = item["error"].replace(path, name)
