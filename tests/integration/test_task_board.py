"""The task board (services/tasks.py): progress writes are throttled, a cancel asked in
one process stops the work in another at its next written report, and what one
process writes another reads from the database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from likeness.bootstrap import Services, build_services
from likeness.domain.task import Stage, Step, TaskKind, TaskStatus
from likeness.errors import ConflictError, NotFoundError, TaskCancelledError
from likeness.services.tasks import TaskService
from likeness.settings import Settings
from likeness.store.tasks import TaskRepository
from likeness.testing import FixedClock
from tests.api_world import World, build_world


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def world(services: Services) -> World:
    return build_world(services)


@pytest.fixture
def second_process(settings: Settings, clock: FixedClock, services: Services) -> Iterator[Services]:
    """Services of another server process over the same store (its own engine and
    connections: nothing shared in memory)."""
    other = build_services(settings, clock=clock)
    yield other
    other.close()


def _board(services: Services, ticks: Ticks) -> TaskService:
    return TaskService(
        database=services.database,
        clock=services.clock,
        ids=services.ids,
        interval=0.25,
        monotonic=ticks,
    )


def _writes(services: Services, task_id: str) -> tuple[str, int, int | None]:
    with services.database.read() as connection:
        task = TaskRepository(connection).get(task_id)
    assert task is not None
    return task.stage, task.done, task.total


def test_reports_are_written_at_most_every_interval_but_a_new_stage_at_once(
    services: Services, world: World
) -> None:
    ticks = Ticks()
    board = _board(services, ticks)
    progress = board.open(TaskKind.SCAN, world.accounts["production"])
    written = []
    for i in range(40):  # 40 reports 1/32 s apart (exact in binary): 1.25 s
        progress(Step(Stage.DETECTING, done=i, total=100))
        written.append(_writes(services, progress.task_id))
        ticks.now += 1 / 32
    # The first report of the stage at once, then one per 0.25 s (8 reports).
    assert progress.writes == 5
    assert sorted({done for _, done, _ in written}) == [0, 8, 16, 24, 32]
    progress(Step(Stage.IDENTIFYING, done=39, total=100, part=2, parts=3))
    assert progress.writes == 6  # a stage change is not held back
    assert _writes(services, progress.task_id) == ("identifying (file 2 of 3)", 39, 100)
    progress(Step(Stage.IDENTIFYING, done=40, total=100, part=2, parts=3))
    assert progress.writes == 6  # ...but the next report of that stage waits its turn
    ticks.now += 0.25
    progress(Step(Stage.IDENTIFYING, done=41, total=100, part=2, parts=3))
    assert _writes(services, progress.task_id)[1] == 41


def test_a_cancel_from_another_process_stops_the_worker_at_its_next_write(
    services: Services, second_process: Services, world: World
) -> None:
    ticks = Ticks()
    board = _board(services, ticks)
    progress = board.open(TaskKind.WATCH, world.accounts["admin"])
    progress(Step(Stage.LISTING))
    asked = second_process.tasks.cancel(progress.task_id)  # another process asks
    assert asked.cancelling and asked.status is TaskStatus.RUNNING
    progress(Step(Stage.LISTING))  # held back by the throttle: no read, no stop yet
    ticks.now += 0.25
    with pytest.raises(TaskCancelledError) as raised:
        progress(Step(Stage.LISTING))
    assert raised.value.task_id == progress.task_id
    with pytest.raises(TaskCancelledError):
        progress.check()  # unthrottled: before work starts
    progress.finish(TaskStatus.CANCELLED, "stopped")
    ended = second_process.tasks.get(progress.task_id)
    assert ended is not None and ended.status is TaskStatus.CANCELLED
    assert ended.message == "stopped" and not ended.cancelling
    with pytest.raises(ConflictError, match="there is nothing to cancel"):
        second_process.tasks.cancel(progress.task_id)
    with pytest.raises(NotFoundError):
        second_process.tasks.cancel("01JZZZZZZZZZZZZZZZZZZZZZZZ")


def test_what_one_process_writes_another_reads(
    services: Services, second_process: Services, world: World
) -> None:
    progress = services.tasks.open(TaskKind.SCAN, world.accounts["production"])
    seen = second_process.tasks.get(progress.task_id)
    assert seen is not None and seen.stage == "queued" and seen.percent is None
    progress(Step(Stage.DETECTING, done=17, total=40, part=1, parts=2))
    seen = second_process.tasks.get(progress.task_id)
    assert seen is not None
    assert (seen.stage, seen.done, seen.total, seen.percent) == (
        "detecting (file 1 of 2)",
        17,
        40,
        42,
    )
    progress.finish(TaskStatus.DONE)
    seen = second_process.tasks.get(progress.task_id)
    assert seen is not None and seen.status is TaskStatus.DONE and seen.percent == 100
    assert seen.finished_at is not None


def test_tasks_are_seen_by_their_account_and_admins_only(services: Services, world: World) -> None:
    progress = services.tasks.open(TaskKind.SCAN, world.accounts["production"])
    mine = services.accounts.get_account(world.accounts["production"])
    admin = services.accounts.get_account(world.accounts["admin"])
    other = services.accounts.get_account(world.accounts["production_other"])
    assert services.tasks.visible(mine, progress.task_id).id == progress.task_id
    assert services.tasks.visible(admin, progress.task_id).id == progress.task_id
    with pytest.raises(Exception, match="another account"):
        services.tasks.visible(other, progress.task_id)


def test_an_interrupted_task_is_failed_but_a_live_one_is_kept(
    services: Services, world: World
) -> None:
    dead = services.tasks.open(TaskKind.SCAN, world.accounts["production"])
    live = services.tasks.open(TaskKind.SCAN, world.accounts["production"])
    watch = services.tasks.open(TaskKind.WATCH, world.accounts["admin"])
    assert services.tasks.interrupt([TaskKind.SCAN], "stopped", keep=[live.task_id]) == 1
    states = {
        t: services.tasks.get(t).status  # type: ignore[union-attr]
        for t in (dead.task_id, live.task_id, watch.task_id)
    }
    assert states == {
        dead.task_id: TaskStatus.FAILED,
        live.task_id: TaskStatus.RUNNING,
        watch.task_id: TaskStatus.RUNNING,
    }
