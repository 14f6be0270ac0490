"""The task board: how far long work has got, and cancelling it.

A scan job, a credential signing or a watch run reports each step it takes
(``domain/task.Step``) to a ``TaskProgress``; the board writes where it stands to the
``tasks`` table, which every server process reads (``likeness serve --workers N``, or
several hosts on one PostgreSQL): a page polls the database, never a process's memory.

Writes are throttled: the first report of each stage is written at once (a stage
change is what people watch for, and there are few stages), then at most one report
every ``interval`` seconds (0.25: four writes a second); the reports between are
dropped, the next write carries the latest. Each write reads back whether a cancel was
asked for, and if so raises ``TaskCancelledError`` in the worker, which stops there
and cleans up as for any failure (a scan job shreds its uploads in ``finally``). So a
cancel takes effect within ``interval`` of the worker's next report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection

from sqlalchemy.engine import Connection

from likeness.domain.account import Account, Role
from likeness.domain.task import Stage, Step, Task, TaskKind, TaskStatus
from likeness.errors import ConflictError, NotFoundError, PermissionDeniedError, TaskCancelledError
from likeness.services.ports import Clock, IdFactory
from likeness.store.database import Database
from likeness.store.tasks import TaskRepository

WRITE_INTERVAL = 0.25  # seconds between two progress writes of one task (same stage)

# What a worker reports its steps to (a ``TaskProgress``, or nothing for the CLI).
StepReporter = Callable[[Step], None]


def ignore(step: Step) -> None:
    """A reporter for work nobody watches."""


class TaskProgress:
    """The reporter of one running task, used by the one thread doing its work."""

    def __init__(self, board: TaskService, task_id: str) -> None:
        self._board = board
        self.task_id = task_id
        self._last_write: float | None = None
        self._stages: set[Stage] = set()
        self.writes = 0  # how many reports reached the database (the bench reads it)

    def __call__(self, step: Step) -> None:
        """Report ``step``; raises ``TaskCancelledError`` once a cancel was asked for."""
        now = self._board.monotonic()
        first_of_stage = step.stage not in self._stages
        if (
            not first_of_stage
            and self._last_write is not None
            and now - self._last_write < self._board.interval
        ):
            return
        self._stages.add(step.stage)
        self._last_write = now
        self.writes += 1
        if self._board.record(self.task_id, step):
            raise TaskCancelledError(self.task_id)

    def check(self) -> None:
        """Raise ``TaskCancelledError`` if a cancel was asked for (an unthrottled read:
        call it before work starts, not in a loop)."""
        if self._board.cancel_requested(self.task_id):
            raise TaskCancelledError(self.task_id)

    def finish(self, status: TaskStatus, message: str | None = None) -> None:
        self._board.finish(self.task_id, status, message)


class TaskService:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        ids: IdFactory,
        interval: float = WRITE_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self._clock = clock
        self._ids = ids
        self.interval = interval
        self.monotonic = monotonic

    def open(
        self,
        kind: TaskKind,
        account_id: str,
        *,
        task_id: str | None = None,
        step: Step | None = None,
    ) -> TaskProgress:
        """Put new work on the board and answer its reporter."""
        with self._database.write() as connection:
            task = self.put(connection, kind, account_id, task_id=task_id, step=step)
        return TaskProgress(self, task.id)

    def put(
        self,
        connection: Connection,
        kind: TaskKind,
        account_id: str,
        *,
        task_id: str | None = None,
        step: Step | None = None,
    ) -> Task:
        """Put new work on the board inside the caller's transaction (``task_id``: the id
        of the job it tracks, written in the same transaction)."""
        now = self._clock.now()
        step = step or Step(Stage.QUEUED)
        task = Task(
            id=task_id or self._ids.new(),
            kind=kind,
            account_id=account_id,
            status=TaskStatus.RUNNING,
            stage=step.label(),
            done=step.done,
            total=step.total,
            started_at=now,
            updated_at=now,
        )
        TaskRepository(connection).add(task)
        return task

    def progress(self, task_id: str) -> TaskProgress:
        """The reporter of a task put on the board earlier (by ``open``)."""
        return TaskProgress(self, task_id)

    def get(self, task_id: str) -> Task | None:
        """A task as it stands; callers check who may see it (``visible``, or the
        scan job's own access rule)."""
        with self._database.read() as connection:
            return TaskRepository(connection).get(task_id)

    def visible(self, account: Account, task_id: str) -> Task:
        """A task ``account`` may see: its own, or any for an admin."""
        task = self.get(task_id)
        if task is None:
            raise NotFoundError("task", task_id)
        if account.role is not Role.ADMIN and task.account_id != account.id:
            raise PermissionDeniedError("this task was started by another account")
        return task

    def recent(self, kind: TaskKind, limit: int = 10) -> list[Task]:
        with self._database.read() as connection:
            return TaskRepository(connection).recent(kind, limit)

    def cancel(self, task_id: str) -> Task:
        """Ask a running task to stop (callers check access first); it stops at its next
        progress report. Refused once it has finished."""
        with self._database.write() as connection:
            repository = TaskRepository(connection)
            task = repository.get(task_id)
            if task is None:
                raise NotFoundError("task", task_id)
            if task.status.finished:
                raise ConflictError(
                    f"this {task.kind.value} has finished ({task.status.value}): "
                    "there is nothing to cancel"
                )
            repository.request_cancel(task_id, self._clock.now())
            cancelled = repository.get(task_id)
        assert cancelled is not None
        return cancelled

    def record(self, task_id: str, step: Step) -> bool:
        """Write ``step`` (the reporter's throttle decided to); True when a cancel was
        asked for."""
        with self._database.write() as connection:
            asked = TaskRepository(connection).progress(
                task_id,
                stage=step.label(),
                done=step.done,
                total=step.total,
                at=self._clock.now(),
            )
        return asked is not None

    def cancel_requested(self, task_id: str) -> bool:
        with self._database.read() as connection:
            return TaskRepository(connection).cancel_requested(task_id) is not None

    def finish(self, task_id: str, status: TaskStatus, message: str | None = None) -> None:
        with self._database.write() as connection:
            TaskRepository(connection).finish(
                task_id, status, at=self._clock.now(), message=message, stage=status.value
            )

    def interrupt(
        self, kinds: Collection[TaskKind], message: str, *, keep: Collection[str] = ()
    ) -> int:
        """At start-up: running tasks of ``kinds`` that no live process holds (all but
        ``keep``) were cut short by a stop; they are marked failed."""
        with self._database.write() as connection:
            return TaskRepository(connection).interrupt(
                kinds, at=self._clock.now(), message=message, keep=keep
            )
