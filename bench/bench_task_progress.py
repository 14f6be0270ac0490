"""What reporting a scan's progress to the task board costs (issue 18).

Run: flock /tmp/likeness-cpu.lock .venv/bin/python bench/bench_task_progress.py [SECONDS]
(default 240: a clip of that many seconds at 2 frames a second, every frame a sample,
an enrolled face in it; made here with tests/clips.py, about 2 s per minute).

Measured in this one run, on one SQLite data home, with the real face model (dlib):

  baseline  - ScanService.scan with nobody watching (steps=ignore: the CLI's scan);
  board     - the same scan reporting to a TaskProgress as a scan job does (the first
              report of each stage written at once, then at most 4 writes a second);
  unthrottled - the same, every report written (interval 0): what the throttle saves.

Each scan runs with the scan cache emptied first (else the second would be a cache
hit), in the order baseline, board, unthrottled, repeated; the best of each is
reported, with its ratio to the baseline. Then, apart from any scan, the cost of one
report held back by the throttle and of one written (a write transaction that reads
the cancel request back), over a few thousand calls.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from likeness.bootstrap import Services, build_services, initialise
from likeness.domain.scan import ScanOptions
from likeness.domain.task import Stage, Step, TaskKind
from likeness.services.tasks import TaskService, ignore
from likeness.settings import load_settings
from tests.api_world import build_world
from tests.clips import FACES, make_clip

ROUNDS = 2


def _scan(services: Services, clip: Path, production: str, board: TaskService | None) -> float:
    shutil.rmtree(services.layout.root / "scan-cache", ignore_errors=True)
    account = services.accounts.list_accounts()[0].id
    progress = None if board is None else board.open(TaskKind.SCAN, account)
    steps = ignore if progress is None else progress
    started = time.perf_counter()
    report = services.scans.scan([clip], ScanOptions(production_id=production), steps=steps)
    elapsed = time.perf_counter() - started
    assert len(report.appearances()) == 1, report.appearances()
    if progress is not None:
        print(f"    {progress.writes} progress writes")
    return elapsed


def main(seconds: float) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-progress-"))
    try:
        clip = make_clip(
            work / "clip.mp4",
            [(0, 2, None), (2, seconds - 4, "obama3.jpg"), (seconds - 4, seconds, None)],
            fps=2,
        )
        settings = load_settings(home=work / "home")
        initialise(settings)
        services = build_services(settings)
        world = build_world(services)
        services.enrolment.enrol(world.performer, [FACES / "obama.jpg", FACES / "obama2.jpg"])
        throttled = services.tasks
        unthrottled = TaskService(
            database=services.database, clock=services.clock, ids=services.ids, interval=0.0
        )
        _scan(services, clip, world.production, None)  # warm: models loaded, files cached
        best: dict[str, float] = {}
        for round_ in range(ROUNDS):
            for name, board in (
                ("baseline", None),
                ("board", throttled),
                ("unthrottled", unthrottled),
            ):
                elapsed = _scan(services, clip, world.production, board)
                print(f"round {round_ + 1} {name}: {elapsed:.2f} s")
                best[name] = min(best.get(name, elapsed), elapsed)
        samples = int(seconds * 2)
        print(f"\nclip {seconds:g} s at 2 fps: {samples} samples; best of {ROUNDS}")
        for name, elapsed in best.items():
            ratio = elapsed / best["baseline"]
            print(f"  {name:12s} {elapsed:6.2f} s  {ratio:.3f}x baseline")

        account = services.accounts.list_accounts()[0].id
        progress = throttled.open(TaskKind.SCAN, account)
        progress(Step(Stage.DETECTING, 0, 10))
        calls = 20_000
        started = time.perf_counter()
        for i in range(calls):  # within 0.25 s of the last write: held back
            progress(Step(Stage.DETECTING, i, calls))
        held = (time.perf_counter() - started) / calls
        every = unthrottled.open(TaskKind.SCAN, account)
        writes = 2_000
        started = time.perf_counter()
        for i in range(writes):
            every(Step(Stage.DETECTING, i, writes))
        written = (time.perf_counter() - started) / writes
        print(f"  a report held back: {held * 1e6:.1f} µs")
        print(f"  a report written: {written * 1e3:.2f} ms")
        services.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 240.0)
