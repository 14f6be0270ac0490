"""Group commit: one writer thread turns many concurrent appends into few transactions.

Callers ``submit`` an item and get a future; the writer takes everything queued
(up to ``max_batch``), commits it in one transaction through ``commit`` and only
then resolves each future with its log index, so an index is never returned
before it is durable. Across processes the database's write lock is the single
writer; within a process this thread is.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_STOP = object()


class LogWriterClosedError(RuntimeError):
    pass


class LogWriter(Generic[T, R]):
    def __init__(
        self, commit: Callable[[Sequence[T]], Sequence[R]], *, max_batch: int = 256
    ) -> None:
        self._commit = commit
        self._max_batch = max_batch
        self._queue: queue.Queue[object] = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="likeness-log-writer", daemon=True)
        self._thread.start()

    def submit(self, item: T) -> Future[R]:
        future: Future[R] = Future()
        with self._lock:
            if self._closed:
                raise LogWriterClosedError("the log writer is closed")
            self._queue.put((item, future))
        return future

    def append(self, item: T) -> R:
        """Append and wait until durable; returns what ``commit`` gave for the item."""
        return self.submit(item).result()

    def close(self) -> None:
        """Commit everything already submitted, then stop."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[tuple[T, Future[R]]] = []
            first = self._queue.get()
            if first is _STOP:
                return
            batch.append(first)  # type: ignore[arg-type]
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)  # type: ignore[arg-type]
            self._commit_batch(batch)

    def _commit_batch(self, batch: list[tuple[T, Future[R]]]) -> None:
        try:
            indexes = self._commit([item for item, _ in batch])
        except BaseException as exc:  # every waiter learns why; nothing was committed
            for _, future in batch:
                future.set_exception(exc)
            return
        for result, (_, future) in zip(indexes, batch, strict=True):
            future.set_result(result)
