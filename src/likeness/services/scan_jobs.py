"""Clearance scans submitted over HTTP: uploaded media scanned in the background.

Nothing of an upload is on a disk in clear. While a job waits, its uploads lie under
``jobs/<id>/`` sealed chunk by chunk (``store/sealed_files.py``) under a random key
that only this process holds, in memory: a crash leaves noise behind. A worker of a
small thread pool (recognition is CPU-bound and synchronous; it must never run on the
event loop) opens them into in-memory files (``scan/memory_files.py``), scans those,
and stores the report sealed under a key derived from the master key (it holds face
thumbnails), with the ids of the performers it shows (so that erasure finds it). The
uploads are shredded when the job ends, whatever the outcome. At start-up, jobs still
queued or running when the server stopped are marked failed, with a message asking to
resubmit, and everything they left is shredded.

With several server processes (``likeness serve --workers N``) a job is run by the
process that received its uploads (only it holds their key), so no job is ever taken up
twice. That process holds a lock on the job's folder while it works in it
(``store/held_folders.py``), so a process starting, or restarted, fails and shreds only
what dead processes left: another worker's queued and running jobs go on.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import shutil
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Connection

from likeness.domain.account import Account, Role
from likeness.domain.scan import ScanOptions, ScanReport
from likeness.domain.scan_job import CredentialOutcome, CredentialStatus, ScanJobStatus
from likeness.domain.task import Task, TaskKind, TaskStatus
from likeness.errors import (
    ConflictError,
    InvalidInputError,
    LikenessError,
    NotFoundError,
    PermissionDeniedError,
    StoreError,
    TaskCancelledError,
    VaultError,
)
from likeness.provenance.signing import mime_of
from likeness.scan.memory_files import MemoryFiles, MemoryFolder
from likeness.services.access import audience_of, require_production
from likeness.services.credentials import CredentialService
from likeness.services.ports import Clock, IdFactory
from likeness.services.scans import ScanService
from likeness.services.tasks import TaskProgress, TaskService
from likeness.store.database import Database
from likeness.store.held_folders import HeldFolder, left_behind
from likeness.store.record_keys import keys_of
from likeness.store.record_keys import report as report_key
from likeness.store.repositories import (
    AccountRepository,
    PerformerRepository,
    ProductionRepository,
)
from likeness.store.scan_jobs import ScanJobRepository, ScanJobRow
from likeness.store.sealed_fields import is_sealed, open_field, seal_field
from likeness.store.sealed_files import SealedWriter, new_key, read_sealed
from likeness.store.secret_box import SecretBox
from likeness.store.shredding import shred_folder
from likeness.store.tasks import TaskRepository

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
    credential: CredentialOutcome | None = None  # asked for with the scan
    progress: Task | None = None  # its stage and percentage while it runs (the task board)


@dataclass(frozen=True)
class SignedCopy:
    """A credential job's signed file, opened for download."""

    name: str
    chunks: Iterator[bytes]


@dataclass(frozen=True)
class Upload:
    name: str
    path: Path  # its sealed copy under the job folder


@dataclass
class StagedJob:
    """A job's uploads being received, sealed as they arrive, before it is submitted."""

    id: str
    folder: Path
    key: bytes = field(repr=False)  # never stored: a restart cannot open these files
    held: HeldFolder | None = field(default=None, repr=False)  # while this process works
    uploads: list[Upload] = field(default_factory=list)

    def upload(self, name: str) -> SealedWriter:
        """A writer for the next upload (close it, or use it as a context manager)."""
        path = self.folder / f"{safe_name(name, len(self.uploads))}.sealed"
        self.uploads.append(Upload(name, path))
        return SealedWriter(path, self.key, _bound(self.id, path))


def safe_name(name: str, position: int) -> str:
    """A file name that cannot escape the job folder, keeping the extension for decoding."""
    base = "".join(c if c in SAFE_NAME_CHARS else "_" for c in Path(name).name)[-100:]
    return f"{position:03d}-{base.lstrip('.') or 'upload'}"


# Names no production, account or id: a refusal tells nothing about the job.
_NOT_YOURS = "this scan job belongs to another production or account"


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
        reports: SecretBox,
        memory: MemoryFiles,
        tasks: TaskService,
        credentials: Callable[[], CredentialService] | None = None,
        signed_root: Path | None = None,
    ) -> None:
        self._tasks = tasks
        self._database = database
        self._clock = clock
        self._ids = ids
        self._scans = scans
        self._root = root
        self._executor = executor
        self._reports = reports
        self._memory = memory
        self._credentials = credentials
        self._signed_root = signed_root or root.parent / "credentials"

    def stage(self) -> StagedJob:
        """A new job's folder and key; add its uploads, then ``submit`` (or ``discard``)."""
        job_id = self._ids.new()
        held = HeldFolder(self._root / job_id)
        return StagedJob(job_id, held.path, new_key(), held)

    def discard(self, staged: StagedJob) -> None:
        """Shred what was staged for a job that was never submitted."""
        _clear(staged.folder, staged.held)

    def submit(
        self, account: Account, staged: StagedJob, options: ScanOptions, *, sign: bool = False
    ) -> ScanJob:
        """Queue the staged uploads' scan; with ``sign``, the one upload is signed with a
        clearance credential if the scan clears it (docs/provenance.md)."""
        job_id, folder = staged.id, staged.folder
        uploads = _distinct_names(staged.uploads)
        try:
            require_production(account, options.production_id)
            if not uploads:
                raise InvalidInputError("a scan needs at least one media file")
            if sign and account.role not in (Role.PRODUCTION, Role.ADMIN):
                raise PermissionDeniedError(
                    "only the production releasing the media signs its clearance credential"
                )
            credential = _pending(uploads) if sign else None
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
                credential=credential,
            )
            with self._database.write() as connection:
                if ProductionRepository(connection).get(options.production_id) is None:
                    raise NotFoundError("production", options.production_id)
                ScanJobRepository(connection).add(_row(job))
                kind = TaskKind.SCAN if credential is None else TaskKind.CREDENTIAL
                task = self._tasks.put(connection, kind, account.id, task_id=job_id)
        except BaseException:
            _clear(folder, staged.held)
            raise
        self._executor.submit(self._run, job, staged.key, uploads, staged.held)
        return dataclasses.replace(job, progress=task)

    def get(self, account: Account, job_id: str) -> ScanJob:
        """A job as ``account`` may read it: an admin any; a platform the jobs it
        submitted, in its own terms (no consent named: docs/api.md); a production its
        own, but not a platform's scan naming it (the platform's users' uploads)."""
        with self._database.read() as connection:
            row = ScanJobRepository(connection).get(job_id)
            submitter = None if row is None else AccountRepository(connection).get(row.account_id)
            job = None if row is None else self._job(connection, row)
            if job is not None and not job.status.finished:
                job = dataclasses.replace(job, progress=TaskRepository(connection).get(job_id))
        if job is None:
            raise NotFoundError("scan job", job_id)
        by_platform = submitter is not None and submitter.role is Role.PLATFORM
        productions_own = (
            account.role is Role.PRODUCTION
            and account.production_id == job.production_id
            and not by_platform
        )
        if not (account.role is Role.ADMIN or job.account_id == account.id or productions_own):
            raise PermissionDeniedError(_NOT_YOURS)
        if job.report is None:
            return job
        return dataclasses.replace(job, report=job.report.seen_by(audience_of(account)))

    def cancel(self, account: Account, job_id: str) -> ScanJob:
        """Ask a queued or running job to stop; whoever may read it (``get``) may cancel
        it. It stops at its next progress report (within a fraction of a second while it
        decodes), shreds its uploads and ends ``cancelled``; refused once it finished."""
        job = self.get(account, job_id)
        if job.status.finished or job.progress is None:
            raise ConflictError(
                f"this scan has finished ({job.status.value}): there is nothing to cancel"
            )
        task = self._tasks.cancel(job_id)
        return dataclasses.replace(job, progress=task)

    def jobs(self, production_id: str | None) -> list[ScanJob]:
        """A production's jobs (every job: ``None``, for admins). A production's list
        leaves out platforms' scans that named it."""
        platforms = None if production_id is None else Role.PLATFORM.value
        with self._database.read() as connection:
            rows = ScanJobRepository(connection).for_production(
                production_id, not_submitted_by=platforms
            )
            return [self._job(connection, row) for row in rows]

    def stills(self, production_id: str | None, flag_ids: Collection[int]) -> dict[int, str]:
        """The face still (a data: URI) of each flagged appearance whose job report is
        still kept, by flag id: opened from the sealed reports of the production's jobs
        (every job's: ``None``) for a takedown notice, and nowhere else."""
        wanted, found = set(flag_ids), dict[int, str]()
        with self._database.read() as connection:
            for row in ScanJobRepository(connection).for_production(production_id):
                if row.report is None or not wanted - found.keys():
                    continue
                try:
                    report = self._open(connection, row.id, row.report)
                except (KeyError, TypeError, ValueError, VaultError):
                    continue  # unreadable or erased: the notice says no still is kept
                for a in report.appearances():
                    flag = a.flag_log_index
                    if flag in wanted and flag is not None and _still(a.thumbnail):
                        found.setdefault(flag, a.thumbnail)
        return found

    def interrupt_unfinished(self) -> int:
        """At start-up: jobs cut short by a stop are marked failed, and what they left
        behind (sealed uploads, links to memory that died with their process) is
        shredded; reports stored in clear by an older version are sealed. Jobs of
        other live server processes are left alone. Returns how many jobs were
        interrupted."""
        with self._database.write() as connection:
            # Looked at under the writers' lock: a job added before it already has its
            # folder, held by its process, and one added after it is not touched.
            live, dead = self._job_folders()
            repository = ScanJobRepository(connection)
            interrupted = repository.interrupt_unfinished(self._clock.now(), keep=live)
            TaskRepository(connection).interrupt(
                (TaskKind.SCAN, TaskKind.CREDENTIAL),
                at=self._clock.now(),
                message=INTERRUPTED_MESSAGE,
                keep=live,
            )
            in_clear = repository.reports_in_clear()
            for job_id, report in in_clear:  # with the performers it shows, for erasure
                try:
                    shows = _shows(ScanReport.from_json(json.loads(report)))
                except (KeyError, TypeError, ValueError):
                    repository.drop_report(job_id, UNREADABLE_MESSAGE)  # never kept in clear
                    continue
                sealed = self._seal(connection, job_id, report.encode())
                repository.seal_report(job_id, sealed, shows)
        if in_clear:  # the clear copies' pages, zeroed in the database, linger in the WAL
            try:
                self._database.truncate_wal()
            except StoreError as exc:
                log.warning("scan reports sealed; %s", exc.message)
        for folder in dead:  # no process can take it up again: job ids are not reused
            with left_behind(folder) as free:
                if free:
                    _clear(folder)
        self._memory.sweep()
        return interrupted

    def _job_folders(self) -> tuple[set[str], list[Path]]:
        """The ids of jobs whose folders live processes hold, and the folders dead
        processes left."""
        live: set[str] = set()
        dead: list[Path] = []
        if self._root.is_dir():
            for folder in self._root.iterdir():
                with left_behind(folder) as free:
                    if free:
                        dead.append(folder)
                    else:
                        live.add(folder.name)
        return live, dead

    def _run(
        self, job: ScanJob, key: bytes, uploads: Sequence[Upload], lock: HeldFolder | None
    ) -> None:
        """Open the uploads into memory, scan, shred them, then say how it ended: a
        finished job has left nothing behind. Each step is reported to the task board,
        where a cancel stops it at the next report."""
        progress = self._tasks.progress(job.id)
        report: ScanReport | None = None
        credential: CredentialOutcome | None = None
        error = None
        cancelled = False
        names: dict[str, str] = {}  # in-memory path: upload name
        try:
            progress.check()  # cancelled while it waited
            self._set(job.id, ScanJobStatus.RUNNING)
            with self._memory.folder() as held:
                for upload in uploads:
                    copy = held.add(upload.path.name.removesuffix(".sealed"))
                    for chunk in read_sealed(upload.path, key, _bound(job.id, upload.path)):
                        copy.write(chunk)
                    names[str(copy.path)] = upload.name
                if job.credential is None:
                    scanned = self._scans.scan(
                        [Path(p) for p in names],
                        job.options,
                        submitted_by=job.account_id,
                        steps=progress,
                    )
                else:
                    scanned, credential = self._sign(job, held, next(iter(names)), progress)
            report = _by_upload_name(scanned, names)
        except TaskCancelledError:
            cancelled, report, credential = True, None, None
        except Exception as exc:  # a failed job says why; the server goes on
            log.exception("scan job %s failed", job.id)
            error = (
                exc.message if isinstance(exc, LikenessError) else f"{type(exc).__name__}: {exc}"
            )
            for path, name in names.items():  # name the uploads, not paths on the server
                error = error.replace(path, name)
        finally:
            _clear(self._root / job.id, lock)
        if cancelled:
            self._cancelled(job.id, progress)
            return
        self._finish(job.id, report, error, credential)
        progress.finish(
            TaskStatus.FAILED if report is None else TaskStatus.DONE,
            error,
        )

    def _cancelled(self, job_id: str, progress: TaskProgress) -> None:
        now = self._clock.now()
        with self._database.write() as connection:
            ScanJobRepository(connection).set_status(
                job_id, ScanJobStatus.CANCELLED, error=CANCELLED_MESSAGE, finished_at=now
            )
            self._drop_signed(connection, job_id)
        progress.finish(TaskStatus.CANCELLED, CANCELLED_MESSAGE)

    def _sign(
        self, job: ScanJob, held: MemoryFolder, source: str, progress: TaskProgress
    ) -> tuple[ScanReport, CredentialOutcome]:
        """Sign the upload held in memory into memory, and seal the signed copy for its
        download under the key of the job's report (an erasure destroying the report's
        key leaves the copy unreadable too)."""
        assert self._credentials is not None and job.credential is not None
        copy = held.add(f"signed-{Path(source).name}")
        # Signed into memory (the copy shows the performers), then sealed for download.
        with copy.path.open("w+b") as signed:
            signing = self._credentials().sign_or_report(
                Path(source),
                signed,
                job.options,
                title=job.credential.file,
                submitted_by=job.account_id,
                steps=progress,
            )
        if signing.issued is None:
            refused = dataclasses.replace(
                job.credential, status=CredentialStatus.REFUSED, reason=signing.refusal
            )
            return signing.report, refused
        with self._database.write() as connection:
            key = keys_of(connection).get(connection, report_key(job.id), create=True)
        assert key is not None
        self._signed_root.mkdir(mode=0o700, exist_ok=True)
        sealed = self._signed_path(job.id)
        with (
            copy.path.open("rb") as plain,
            SealedWriter(sealed, key, _signed_binding(job.id)) as out,
        ):
            for block in iter(lambda: plain.read(1 << 20), b""):
                out.write(block)
        issued = signing.issued
        return signing.report, dataclasses.replace(
            job.credential,
            status=CredentialStatus.ISSUED,
            signed_sha256=issued.signed_sha256,
            scan_log_index=issued.scan_receipt.index,
            issued_log_index=issued.issued_receipt.index,
        )

    def signed_copy(self, account: Account, job_id: str) -> SignedCopy:
        """The signed file of a credential job ``account`` may read (as ``get``)."""
        job = self.get(account, job_id)
        if job.credential is None:
            raise NotFoundError("credential", job_id, hint="this scan job asked for none")
        if job.credential.status is not CredentialStatus.ISSUED:
            raise ConflictError(
                f"no signed copy: the credential is {job.credential.status.value}"
                + (f" ({job.credential.reason})" if job.credential.reason else "")
            )
        with self._database.read() as connection:
            key = keys_of(connection).get(connection, report_key(job_id), create=False)
        path = self._signed_path(job_id)
        if key is None or not path.is_file():
            raise NotFoundError(
                "signed copy", job_id, hint="it was erased with a performer it showed"
            )
        return SignedCopy(job.credential.file, read_sealed(path, key, _signed_binding(job_id)))

    def _drop_signed(self, connection: Connection, job_id: str) -> None:
        """A signed copy the job will not offer (it failed, or showed a performer erased
        meanwhile): its key goes, and the file."""
        path = self._signed_path(job_id)
        if path.exists():
            keys_of(connection).destroy(connection, [report_key(job_id)])
            path.unlink(missing_ok=True)

    def _signed_path(self, job_id: str) -> Path:
        return self._signed_root / f"{job_id}.sealed"

    def _finish(
        self,
        job_id: str,
        report: ScanReport | None,
        error: str | None,
        credential: CredentialOutcome | None = None,
    ) -> None:
        """Store how a job ended; a report showing a performer erased meanwhile is not
        kept (erasure already looked for it and could not see it)."""
        now = self._clock.now()
        with self._database.write() as connection:
            repository = ScanJobRepository(connection)
            if report is None:
                repository.set_status(job_id, ScanJobStatus.FAILED, error=error, finished_at=now)
                self._drop_signed(connection, job_id)
                return
            shows = _shows(report)
            performers = PerformerRepository(connection)
            if not all(performers.exists(p) for p in shows):
                repository.set_status(
                    job_id, ScanJobStatus.ERASED, error=ERASED_MESSAGE, finished_at=now
                )
                self._drop_signed(connection, job_id)
                return
            sealed = self._seal(connection, job_id, json.dumps(report.to_json()).encode())
            repository.set_status(
                job_id,
                ScanJobStatus.DONE,
                report=sealed,
                shows=shows,
                finished_at=now,
                credential=None if credential is None else json.dumps(credential.to_json()),
            )

    def _set(self, job_id: str, status: ScanJobStatus) -> None:
        with self._database.write() as connection:
            ScanJobRepository(connection).set_status(job_id, status)

    def _seal(self, connection: Connection, job_id: str, report: bytes) -> str:
        """Sealed under a key of the job's own, destroyed when the report is (store/
        record_keys.py): a dead row of it on PostgreSQL is noise after an erasure."""
        key = keys_of(connection).get(connection, report_key(job_id), create=True)
        assert key is not None
        sealed = seal_field(key, report.decode(), _report_binding(job_id))
        assert sealed is not None
        return sealed

    def _job(self, connection: Connection, row: ScanJobRow) -> ScanJob:
        try:
            report = None if row.report is None else self._open(connection, row.id, row.report)
            return _read_job(row, report)
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreError(
                f"scan job {row.id} is stored in a form this version cannot read ({exc!r})",
                hint="submit the scan again; the stored job is left as it is",
            ) from exc

    def _open(self, connection: Connection, job_id: str, stored: str) -> ScanReport:
        if stored.startswith("{"):  # stored in clear by an older version (sealed at start-up)
            return ScanReport.from_json(json.loads(stored))
        if not is_sealed(stored):  # sealed by an older version under the master key
            plain = self._reports.open(base64.b64decode(stored), _report_binding(job_id))
            return ScanReport.from_json(json.loads(plain))
        key = keys_of(connection).get(connection, report_key(job_id), create=False)
        if key is None:
            raise VaultError(f"the key of scan job {job_id}'s report is gone")
        return ScanReport.from_json(
            json.loads(open_field(key, stored, _report_binding(job_id)) or "")
        )


ERASED_MESSAGE = "erased with a performer it showed"
CANCELLED_MESSAGE = "cancelled before it finished; nothing of its uploads was kept"
INTERRUPTED_MESSAGE = "the server stopped before this scan finished; submit it again"
UNREADABLE_MESSAGE = "its report was stored in a form this version cannot read; scan again"


def _still(thumbnail: str) -> bool:
    """Only a picture goes into a notice (its HTML shows it as an image source)."""
    return thumbnail.startswith(("data:image/jpeg;base64,", "data:image/png;base64,"))


def _bound(job_id: str, path: Path) -> str:
    return f"scan-upload:{job_id}/{path.name}"


def _report_binding(job_id: str) -> str:
    return f"scan-report:{job_id}"


def _shows(report: ScanReport) -> tuple[str, ...]:
    return tuple(sorted({a.performer_id for a in report.appearances() if a.performer_id}))


def _clear(folder: Path, held: HeldFolder | None = None) -> None:
    """Shred a job's uploads and remove its folder (then let go of it)."""
    try:
        if folder.is_dir():
            shred_folder(folder)
            shutil.rmtree(folder)
        elif folder.exists():  # not a job's folder, but nothing else belongs here
            folder.unlink()
    finally:
        if held is not None:
            held.release()


def _row(job: ScanJob) -> ScanJobRow:
    return ScanJobRow(
        id=job.id,
        account_id=job.account_id,
        production_id=job.production_id,
        status=job.status,
        options=json.dumps(job.options.to_json()),
        media=job.media,
        report=None,  # sealed when the job is done
        shows=(),
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
        credential=None if job.credential is None else json.dumps(job.credential.to_json()),
    )


def _read_job(row: ScanJobRow, report: ScanReport | None) -> ScanJob:
    return ScanJob(
        id=row.id,
        account_id=row.account_id,
        production_id=row.production_id,
        status=row.status,
        options=ScanOptions.from_json(json.loads(row.options)),
        media=row.media,
        report=report,
        error=row.error,
        created_at=row.created_at,
        finished_at=row.finished_at,
        credential=None
        if row.credential is None
        else CredentialOutcome.from_json(json.loads(row.credential)),
    )


def _pending(uploads: Sequence[Upload]) -> CredentialOutcome:
    """A credential job's outcome until it runs: one file, of a kind a credential goes in."""
    if len(uploads) != 1:
        raise InvalidInputError("a clearance credential is signed into one file at a time")
    name = uploads[0].name
    mime_of(Path(name))
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    safe = "".join(c if c in SAFE_NAME_CHARS else "_" for c in stem)[-100:] or "media"
    return CredentialOutcome(CredentialStatus.PENDING, file=f"{safe}.signed{suffix}")


def _signed_binding(job_id: str) -> str:
    return f"credential:{job_id}"


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
