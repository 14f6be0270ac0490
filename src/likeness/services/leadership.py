"""Tasks that must run in one server process at a time, whichever process that is.

Every worker of ``likeness serve --workers N`` starts the same background tasks; a
``WhileLeader`` runs its task only while this process holds the task's leader lock
(``store/leader.py``), and asks for the lock again every ``retry`` seconds while it
does not, so that when the holder dies (a crash, a restart) another worker takes the
task up within about that long. Webhook delivery and the daily retention run go
through it (``api/app.py``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from likeness.store.leader import LeaderLock

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0


class Task(Protocol):
    """A background task: a thread started once and stopped once."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class WhileLeader:
    """Runs a fresh task from ``make`` whenever this process becomes the holder of
    ``lock``, and stops it if the lock is lost (PostgreSQL: its session ended)."""

    def __init__(
        self,
        lock: LeaderLock,
        make: Callable[[], Task],
        *,
        name: str,
        retry: float = RETRY_SECONDS,
    ) -> None:
        self._lock = lock
        self._make = make
        self._name = name
        self._retry = retry
        self._task: Task | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"likeness-leader-{name}", daemon=True
        )

    @property
    def leading(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        self._step_down()
        self._lock.release()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                held = self._lock.try_acquire()
            except Exception as exc:  # a store that cannot be reached now may be later
                log.warning("%s: cannot ask for the leader lock: %s", self._name, exc)
                held = False
            if held and self._task is None and not self._stop.is_set():
                self._task = self._make()
                self._task.start()
            elif not held and self._task is not None:
                log.warning("%s: the leader lock was lost; stopping here", self._name)
                self._step_down()
            self._stop.wait(self._retry)

    def _step_down(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.stop()
