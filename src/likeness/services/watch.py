"""Watched sources: poll feeds, listings and folders for new media, check each new item
against the stay-down fingerprints, scan it, and flag what needs action
(docs/enforcement.md).

Every fetch goes through the egress gate: public addresses only unless allow-listed,
redirects refused, one deadline per fetch, bodies capped (a feed at ``MAX_FEED``, a
media file at ``LIKENESS_WATCH_MAX_BYTES``), media types checked. An item is
remembered by its URL (never fetched twice) and by its content's SHA-256 (never
scanned twice); whatever goes wrong with one item is recorded on it and the run goes
on. Media is held in memory while it is checked, never written to a disk.

A run reports its steps (each source listed, each new item checked, the item's scan
within it) to a ``StepReporter``: ``WatchRuns`` starts runs from the portal on a
thread the composition root owns and puts them on the task board, where they show
their progress and can be cancelled (the item being checked is then not recorded: the
next run takes it up again).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from likeness.domain.account import Account, Role
from likeness.domain.decision import DecisionOutcome
from likeness.domain.scan import NO_PRODUCTION, ScanOptions, ScanReport
from likeness.domain.task import Stage, Step, Task, TaskKind, TaskStatus
from likeness.domain.watch import ItemStatus, SourceKind, WatchedItem, WatchedSource
from likeness.egress import Egress
from likeness.errors import (
    ConflictError,
    EgressError,
    InvalidInputError,
    LikenessError,
    NotFoundError,
    PermissionDeniedError,
    TaskCancelledError,
)
from likeness.recognition.media import MEDIA_SUFFIXES
from likeness.scan.memory_files import MemoryFiles
from likeness.services.feeds import media_urls
from likeness.services.ports import Clock, IdFactory
from likeness.services.scans import ScanService, expand
from likeness.services.tasks import StepReporter, TaskProgress, TaskService, ignore
from likeness.store.database import Database
from likeness.store.held_folders import HeldFolder, left_behind
from likeness.store.repositories import ProductionRepository
from likeness.store.tasks import TaskRepository
from likeness.store.watched import WatchRepository

MAX_FEED = 4 * 1024 * 1024  # a feed or listing larger than this is cut (and refused)
MEDIA_TYPES = ("video/", "audio/", "image/", "application/octet-stream")
SUFFIX_OF_TYPE = {
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/mpeg": ".mp3",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}


@dataclass(frozen=True)
class WatchRun:
    """What one run found: each new item as it was recorded, and each source's error."""

    items: tuple[WatchedItem, ...]
    source_errors: tuple[tuple[str, str], ...]  # (source URL, why it could not be read)


# Asked of each new item before any scan: the flags (their log indexes) whose stay-down
# fingerprint the file matches (services/fingerprints.py), none when it matches nothing.
StayDownCheck = Callable[[Path], Sequence[int]]


class WatchService:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        ids: IdFactory,
        egress: Egress,
        scans: ScanService,
        memory: MemoryFiles,
        max_bytes: int,
        deadline: float,
        stay_down: StayDownCheck | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._ids = ids
        self._egress = egress
        self._scans = scans
        self._memory = memory
        self._max_bytes = max_bytes
        self._deadline = deadline
        self._stay_down = stay_down
        self._running = threading.Lock()  # one run at a time in a process

    def add(
        self, url: str, production_id: str | None, added_by: str | None = None
    ) -> WatchedSource:
        """Watch ``url`` (an http(s) feed or listing, or a local folder) for media released
        by ``production_id``, or by anyone (``None``)."""
        kind = _kind(url)
        if kind is SourceKind.WEB:
            self._egress.vet(url)  # a URL the gate would refuse is refused now
        else:
            url = str(Path(url).resolve())
        source = WatchedSource(
            id=self._ids.new(),
            url=url,
            kind=kind,
            production_id=production_id,
            added_at=self._clock.now(),
        )
        with self._database.write() as connection:
            if (
                production_id is not None
                and ProductionRepository(connection).get(production_id) is None
            ):
                raise NotFoundError("production", production_id)
            repository = WatchRepository(connection)
            if repository.source_with_url(url) is not None:
                raise InvalidInputError(f"{url} is watched already")
            repository.add_source(source, added_by)
        return source

    def sources(self) -> list[WatchedSource]:
        with self._database.read() as connection:
            return WatchRepository(connection).sources()

    def items(self, source_id: str | None = None) -> list[WatchedItem]:
        with self._database.read() as connection:
            return WatchRepository(connection).items(source_id)

    def run(
        self, progress: Callable[[str], None] = lambda _: None, *, steps: StepReporter = ignore
    ) -> WatchRun:
        """Poll every source once; each new item is fetched, checked and recorded.
        ``steps`` hears each source listed and each item checked (it may raise
        ``TaskCancelledError``: the run stops there, the items recorded so far stay)."""
        steps(Step(Stage.QUEUED))
        while not self._running.acquire(timeout=1.0):  # a run already going in this process
            steps(Step(Stage.QUEUED))  # keeps the board current, and lets a cancel in
        try:
            items: list[WatchedItem] = []
            errors: list[tuple[str, str]] = []
            sources = self.sources()
            for part, source in enumerate(sources, start=1):
                steps(Step(Stage.LISTING, 0, None, part, len(sources), "source"))
                try:
                    urls = self._listed(source)
                except LikenessError as exc:
                    errors.append((source.url, exc.message))
                    self._ran(source, exc.message)
                    continue
                with self._database.read() as connection:
                    seen = WatchRepository(connection).seen_urls(source.id)
                new = [u for u in urls if u not in seen]
                for done, url in enumerate(new):
                    checking = Step(Stage.CHECKING, done, len(new), part, len(sources), "source")
                    steps(checking)
                    progress(url)
                    item = self._item(source, url, _as_step(steps, checking))
                    with self._database.write() as connection:
                        WatchRepository(connection).add_item(item)
                    items.append(item)
                self._ran(source, None)
            return WatchRun(items=tuple(items), source_errors=tuple(errors))
        finally:
            self._running.release()

    def _ran(self, source: WatchedSource, error: str | None) -> None:
        with self._database.write() as connection:
            WatchRepository(connection).ran(source.id, self._clock.now(), error)

    def _listed(self, source: WatchedSource) -> list[str]:
        if source.kind is SourceKind.FOLDER:
            folder = Path(source.url)
            if not folder.is_dir():
                raise InvalidInputError(f"{folder}: no such folder")
            return [str(path) for path in expand([folder])]
        answer = self._fetch(source.url, MAX_FEED)
        return media_urls(answer[0], source.url, answer[1])

    def _fetch(self, url: str, limit: int) -> tuple[bytes, str]:
        answer = self._egress.send("GET", url, deadline=self._deadline, max_body=limit)
        if 300 <= answer.status < 400:
            raise InvalidInputError(f"{url} answered a redirect ({answer.status}): not followed")
        if answer.status != 200:
            raise InvalidInputError(f"{url} answered HTTP {answer.status}")
        if answer.truncated:
            raise InvalidInputError(f"{url} is larger than {limit} bytes: not read past that")
        return answer.body, answer.content_type

    def _item(self, source: WatchedSource, url: str, steps: StepReporter) -> WatchedItem:
        try:
            status, sha, detail = self._check(source, url, steps)
        except TaskCancelledError:  # the run stops; this item is not recorded
            raise
        except (LikenessError, EgressError) as exc:
            status, sha, detail = ItemStatus.ERROR, None, exc.message
        except Exception as exc:  # a file no decoder can read must not stop the run
            status, sha, detail = ItemStatus.ERROR, None, f"{type(exc).__name__}: {exc}"
        return WatchedItem(
            source_id=source.id,
            url=url,
            sha256=sha,
            status=status,
            detail=detail,
            seen_at=self._clock.now(),
        )

    def _check(
        self, source: WatchedSource, url: str, steps: StepReporter
    ) -> tuple[ItemStatus, str | None, str | None]:
        with self._memory.folder() as held:
            if source.kind is SourceKind.FOLDER:
                path = Path(url)
                if path.stat().st_size > self._max_bytes:  # the same limit as a fetch
                    raise InvalidInputError(f"{url} is larger than {self._max_bytes} bytes")
                data = path.read_bytes()
            else:
                data, content_type = self._fetch(url, self._max_bytes)
                if not content_type.startswith(MEDIA_TYPES):
                    raise InvalidInputError(
                        f"{url} is {content_type or 'of no declared type'}, not media"
                    )
                copy = held.add(_file_name(url, content_type))
                copy.write(data)
                path = copy.path
            sha = hashlib.sha256(data).hexdigest()
            with self._database.read() as connection:
                if WatchRepository(connection).seen_content(sha):
                    return ItemStatus.DUPLICATE, sha, "the same bytes were seen before"
            if self._stay_down is not None:
                matched = list(self._stay_down(path))
                if matched:
                    return ItemStatus.MATCHED, sha, json.dumps({"flags": matched})
            production = source.production_id or NO_PRODUCTION
            report = self._scans.scan(
                [path], ScanOptions(production_id=production), location=url, steps=steps
            )
            return _outcome(report, sha)


def _as_step(steps: StepReporter, step: Step) -> StepReporter:
    """An item's scan reports as the watch run's step (the item's place in the run, not
    the scan's samples); each report is still a chance to cancel."""

    def report(_: Step) -> None:
        steps(step)

    return report


def _outcome(report: ScanReport, sha: str) -> tuple[ItemStatus, str | None, str | None]:
    [media] = report.media
    if media.error is not None:
        return ItemStatus.ERROR, sha, media.error
    flagged = [a.flag_log_index for a in media.appearances if a.flag_log_index is not None]
    if flagged:
        return ItemStatus.FLAGGED, sha, json.dumps({"flags": flagged})
    # Registered performers seen, nothing flagged (a source watched for any production,
    # in media not declared AI-generated: an interview, a trailer): listed for review.
    review = [
        {
            "performer_id": a.performer_id,
            "modality": a.modality.value,
            "start": str(a.start),
            "end": str(a.end),
        }
        for a in media.appearances
        if a.performer_id is not None and a.outcome is not DecisionOutcome.COVERED
    ]
    if review:
        return ItemStatus.REVIEW, sha, json.dumps({"review": review})
    return ItemStatus.CLEAR, sha, None


def _kind(url: str) -> SourceKind:
    scheme = urlsplit(url).scheme
    if scheme in ("http", "https"):
        return SourceKind.WEB
    if scheme in ("", "file") and Path(unquote(urlsplit(url).path) or url).is_dir():
        return SourceKind.FOLDER
    raise InvalidInputError(f"{url}: watch an http(s) feed or listing, or a local folder")


def _file_name(url: str, content_type: str) -> str:
    """A plain file name for the fetched bytes, with a suffix the decoders go by."""
    name = Path(unquote(urlsplit(url).path)).name
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[-100:].lstrip(".")
    if Path(safe).suffix.lower() in MEDIA_SUFFIXES:
        return safe
    suffix = SUFFIX_OF_TYPE.get(content_type.split(";")[0].strip(), ".bin")
    return f"{safe or 'media'}{suffix}"


class WatchDispatcher:
    """A background thread that runs the watcher every ``interval`` seconds: the loop
    inside ``serve`` (in one process of all those serving a store: a leader task)."""

    def __init__(
        self,
        run: Callable[[], WatchRun],
        *,
        interval: float,
        on_error: Callable[[BaseException], None] = lambda _: None,
    ) -> None:
        self._run_once = run
        self._interval = interval
        self._on_error = on_error
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="likeness-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._interval + 5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._run_once()
            except Exception as exc:  # the next round tries again
                self._on_error(exc)
            self._stop.wait(self._interval)


STALE = timedelta(minutes=10)  # a run that wrote no progress for this long has stopped
WATCH_RUN_STOPPED = "the run stopped reporting (its server process stopped?); run it again"
WATCH_RUN_INTERRUPTED = "the server stopped before the run finished; run it again"
WATCH_RUN_ORPHAN_CANCELLED = "cancelled; no server process was running it any more"


class WatchRuns:
    """Runs of the watcher started by an admin from the portal: each on the executor the
    composition root owns (one at a time), tracked on the task board, cancellable.

    While a run goes, its process holds a folder named after it under ``root`` (an
    ``flock``, dropped by the kernel when the process dies, however it dies): a run on
    the board whose folder no live process holds was cut short, and is ended at the
    next start-up, or at once when an admin cancels it."""

    def __init__(
        self,
        *,
        watch: WatchService,
        tasks: TaskService,
        executor: Executor,
        clock: Clock,
        ids: IdFactory,
        database: Database,
        root: Path,
    ) -> None:
        self._watch = watch
        self._tasks = tasks
        self._executor = executor
        self._clock = clock
        self._ids = ids
        self._root = root
        self._mine: dict[str, HeldFolder] = {}  # runs this process started, and their folders
        self._database = database

    def start(self, account: Account) -> Task:
        """Start a run now, unless one started from the portal is still going."""
        _require_admin(account)
        self._expire_stale()
        running = [t for t in self._tasks.recent(TaskKind.WATCH, 5) if not t.status.finished]
        if running:
            raise ConflictError(
                "a run of the watcher is under way: wait for it, or cancel it",
                hint="its progress is listed on the watch page",
            )
        task_id = self._ids.new()
        # Held before the run is on the board: a start-up sweep never sees it unheld.
        held = HeldFolder(self._root / task_id)
        try:
            progress = self._tasks.open(TaskKind.WATCH, account.id, task_id=task_id)
        except BaseException:
            _let_go(held)
            raise
        self._mine[task_id] = held
        self._executor.submit(self._run, progress)
        task = self._tasks.get(task_id)
        assert task is not None
        return task

    def runs(self, account: Account, limit: int = 10) -> list[Task]:
        _require_admin(account)
        self._expire_stale()
        return self._tasks.recent(TaskKind.WATCH, limit)

    def get(self, account: Account, task_id: str) -> Task:
        _require_admin(account)
        task = self._tasks.visible(account, task_id)
        if task.kind is not TaskKind.WATCH:
            raise NotFoundError("watch run", task_id)
        if self._stale(task):
            self._tasks.finish(task.id, TaskStatus.FAILED, WATCH_RUN_STOPPED)
            task = self._tasks.visible(account, task_id)
        return task

    def cancel(self, account: Account, task_id: str) -> Task:
        """Ask a run to stop at its next step; a run no live process holds (its process
        died) has no next step, and is ended as cancelled now."""
        self.get(account, task_id)
        cancelled = self._tasks.cancel(task_id)
        folder = self._root / task_id
        with self._database.write() as connection, left_behind(folder) as free:
            if free or not folder.is_dir():  # nobody holds it: no next step will come
                TaskRepository(connection).finish(
                    task_id,
                    TaskStatus.CANCELLED,
                    at=self._clock.now(),
                    message=WATCH_RUN_ORPHAN_CANCELLED,
                    stage=TaskStatus.CANCELLED.value,
                )
        return self._tasks.get(task_id) or cancelled

    def interrupt_unfinished(self) -> int:
        """At start-up: runs on the board that no live process holds were cut short by a
        stop; they are marked failed, and the folders dead processes left are removed.
        Returns how many runs were interrupted."""
        with self._database.write() as connection:
            # Under the writers' lock, and ``start`` holds a run's folder before the run
            # is on the board: a run seen here unheld has no live process behind it.
            live, dead = set[str](), list[Path]()
            if self._root.is_dir():
                for folder in self._root.iterdir():
                    with left_behind(folder) as free:
                        if free:
                            dead.append(folder)
                        else:
                            live.add(folder.name)
            interrupted = TaskRepository(connection).interrupt(
                (TaskKind.WATCH,),
                at=self._clock.now(),
                message=WATCH_RUN_INTERRUPTED,
                keep=live,
            )
        for folder in dead:
            with left_behind(folder) as free:
                if free:
                    _remove(folder)
        return interrupted

    def stop(self) -> None:
        """Ask this process's runs still going to stop (the services are closing)."""
        for task_id in list(self._mine):
            task = self._tasks.get(task_id)
            if task is not None and not task.status.finished:
                # it may finish between the read and the cancel: then there is nothing to stop
                with contextlib.suppress(ConflictError):
                    self._tasks.cancel(task_id)

    def _run(self, progress: TaskProgress) -> None:
        try:
            done = self._watch.run(steps=progress)
        except TaskCancelledError:
            progress.finish(TaskStatus.CANCELLED, "cancelled; the items checked before stay")
        except Exception as exc:  # the run says why; the server goes on
            message = exc.message if isinstance(exc, LikenessError) else repr(exc)
            progress.finish(TaskStatus.FAILED, message)
        else:
            progress.finish(TaskStatus.DONE, summary(done))
        finally:
            held = self._mine.pop(progress.task_id, None)
            if held is not None:  # finished on the board first: never unheld while running
                _let_go(held)

    def _stale(self, task: Task) -> bool:
        return not task.status.finished and task.updated_at < self._clock.now() - STALE

    def _expire_stale(self) -> None:
        for task in self._tasks.recent(TaskKind.WATCH, 5):
            if self._stale(task):
                self._tasks.finish(task.id, TaskStatus.FAILED, WATCH_RUN_STOPPED)


def summary(run: WatchRun) -> str:
    """What a run found, in a line: ``3 new items (1 flagged, 2 clear); 1 source unread``."""
    counts: dict[str, int] = {}
    for item in run.items:
        counts[item.status.value] = counts.get(item.status.value, 0) + 1
    line = f"{len(run.items)} new item{'s' if len(run.items) != 1 else ''}"
    if counts:
        line += " (" + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) + ")"
    if run.source_errors:
        unread = len(run.source_errors)
        line += f"; {unread} source{'s' if unread != 1 else ''} could not be read"
    return line


def _require_admin(account: Account) -> None:
    if account.role is not Role.ADMIN:
        raise PermissionDeniedError("only an admin runs the watcher from the portal")


def _let_go(held: HeldFolder) -> None:
    path = held.path
    held.release()
    _remove(path)


def _remove(folder: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        folder.rmdir()  # a run's folder holds nothing: it only marks the run as held
