"""The task board's rows (services/tasks.py): progress any process can read, and the
cancel request any process can make."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Row, select, update
from sqlalchemy.engine import Connection

from likeness.domain.task import Task, TaskKind, TaskStatus
from likeness.store.tables import tasks

MAX_STAGE = 120  # the column's width
MAX_MESSAGE = 2000


class TaskRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, task: Task) -> None:
        self._db.execute(
            tasks.insert(),
            {
                "id": task.id,
                "kind": task.kind.value,
                "account_id": task.account_id,
                "status": task.status.value,
                "stage": task.stage[:MAX_STAGE],
                "done": task.done,
                "total": task.total,
                "cancel_requested_at": task.cancel_requested_at,
                "started_at": task.started_at,
                "updated_at": task.updated_at,
                "finished_at": task.finished_at,
                "message": task.message,
            },
        )

    def get(self, task_id: str) -> Task | None:
        row = self._db.execute(select(tasks).where(tasks.c.id == task_id)).one_or_none()
        return None if row is None else _task(row)

    def recent(self, kind: TaskKind, limit: int) -> list[Task]:
        rows = self._db.execute(
            select(tasks).where(tasks.c.kind == kind.value).order_by(tasks.c.id.desc()).limit(limit)
        )
        return [_task(row) for row in rows]

    def progress(
        self, task_id: str, *, stage: str, done: int, total: int | None, at: datetime
    ) -> datetime | None:
        """Record where a running task stands; answers when a cancel was asked for
        (read in the same statement's transaction: one round trip more, no more)."""
        self._db.execute(
            update(tasks)
            .where(tasks.c.id == task_id, tasks.c.status == TaskStatus.RUNNING.value)
            .values(stage=stage[:MAX_STAGE], done=done, total=total, updated_at=at)
        )
        asked: datetime | None = self._db.execute(
            select(tasks.c.cancel_requested_at).where(tasks.c.id == task_id)
        ).scalar_one_or_none()
        return asked

    def cancel_requested(self, task_id: str) -> datetime | None:
        asked: datetime | None = self._db.execute(
            select(tasks.c.cancel_requested_at).where(tasks.c.id == task_id)
        ).scalar_one_or_none()
        return asked

    def request_cancel(self, task_id: str, at: datetime) -> bool:
        """Ask a running task to stop (the first request counts); False when it has
        finished already."""
        result = self._db.execute(
            update(tasks)
            .where(
                tasks.c.id == task_id,
                tasks.c.status == TaskStatus.RUNNING.value,
                tasks.c.cancel_requested_at.is_(None),
            )
            .values(cancel_requested_at=at)
        )
        if result.rowcount:
            return True
        row = self.get(task_id)
        return row is not None and not row.status.finished

    def finish(
        self,
        task_id: str,
        status: TaskStatus,
        *,
        at: datetime,
        message: str | None = None,
        stage: str | None = None,
    ) -> None:
        values: dict[str, object] = {
            "status": status.value,
            "finished_at": at,
            "updated_at": at,
            "message": None if message is None else message[:MAX_MESSAGE],
        }
        if stage is not None:
            values["stage"] = stage[:MAX_STAGE]
        self._db.execute(
            update(tasks)
            .where(tasks.c.id == task_id, tasks.c.status == TaskStatus.RUNNING.value)
            .values(**values)
        )

    def interrupt(
        self, kinds: Collection[TaskKind], *, at: datetime, message: str, keep: Collection[str] = ()
    ) -> int:
        """Mark failed the running tasks of ``kinds`` but those in ``keep`` (work that
        live processes hold)."""
        running = [
            tasks.c.status == TaskStatus.RUNNING.value,
            tasks.c.kind.in_([k.value for k in kinds]),
        ]
        if keep:
            running.append(tasks.c.id.not_in(list(keep)))
        result = self._db.execute(
            update(tasks)
            .where(*running)
            .values(status=TaskStatus.FAILED.value, finished_at=at, updated_at=at, message=message)
        )
        return int(result.rowcount)

    def stale(self, kinds: Collection[TaskKind], before: datetime) -> list[str]:
        """Running tasks of ``kinds`` whose progress was last written before ``before``."""
        rows = self._db.execute(
            select(tasks.c.id).where(
                tasks.c.status == TaskStatus.RUNNING.value,
                tasks.c.kind.in_([k.value for k in kinds]),
                tasks.c.updated_at < before,
            )
        )
        return [task_id for (task_id,) in rows]


def _task(row: Row[tuple[object, ...]]) -> Task:
    m = row._mapping
    return Task(
        id=m["id"],
        kind=TaskKind(m["kind"]),
        account_id=m["account_id"],
        status=TaskStatus(m["status"]),
        stage=m["stage"],
        done=int(m["done"]),
        total=None if m["total"] is None else int(m["total"]),
        started_at=m["started_at"],
        updated_at=m["updated_at"],
        cancel_requested_at=m["cancel_requested_at"],
        finished_at=m["finished_at"],
        message=m["message"],
    )
