"""A task's percent and a step's label (domain/task.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from likeness.domain.task import Stage, Step, Task, TaskKind, TaskStatus

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _task(status: TaskStatus, done: int, total: int | None) -> Task:
    return Task(
        id="01J0000000000000000000000A",
        kind=TaskKind.SCAN,
        account_id="01J0000000000000000000000B",
        status=status,
        stage="detecting",
        done=done,
        total=total,
        started_at=AT,
        updated_at=AT,
    )


def test_percent_is_whole_and_reaches_100_only_when_done() -> None:
    assert _task(TaskStatus.RUNNING, 5, 17).percent == 29  # 500 // 17
    assert _task(TaskStatus.RUNNING, 17, 17).percent == 99  # all samples, still deciding
    assert _task(TaskStatus.RUNNING, 40, 17).percent == 99  # an estimate ran over
    assert _task(TaskStatus.RUNNING, 3, None).percent is None  # unknown total
    assert _task(TaskStatus.RUNNING, 0, 0).percent is None
    assert _task(TaskStatus.DONE, 3, 17).percent == 100
    assert _task(TaskStatus.CANCELLED, 3, 17).percent == 17


def test_a_step_names_its_part_only_when_there_are_several() -> None:
    assert Step(Stage.DETECTING, part=2, parts=3).label() == "detecting (file 2 of 3)"
    assert Step(Stage.DETECTING, part=1, parts=1).label() == "detecting"
    assert Step(Stage.LISTING, part=1, parts=2, noun="source").label() == "listing (source 1 of 2)"
    assert Step(Stage.QUEUED).label() == "queued"


def test_only_a_running_task_is_unfinished_or_cancelling() -> None:
    assert [s for s in TaskStatus if not s.finished] == [TaskStatus.RUNNING]
    asked = _task(TaskStatus.RUNNING, 0, None)
    assert not asked.cancelling
    assert replace(asked, cancel_requested_at=AT).cancelling
    assert not replace(asked, cancel_requested_at=AT, status=TaskStatus.CANCELLED).cancelling
