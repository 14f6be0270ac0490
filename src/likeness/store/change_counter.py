"""The change counter: one number that every decision-relevant write increments.

Caches of API keys and coverage decisions (``services/caching.py``) remember the
number they were filled under and are used only while it is unchanged, so a consent
granted or a key revoked by any process (the CLI, another server) takes effect on the
next request.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from likeness.store.database import CHANGED, Database
from likeness.store.tables import change_counter

# How long a process may go on using what it cached before it reads the counter again:
# the longest another process's change (a revoked key) can go unseen here.
MAX_AGE_SECONDS = 0.1

_ROW = change_counter.c.id == 1
_READ = select(change_counter.c.n).where(_ROW)
_BUMP = update(change_counter).where(_ROW).values(n=change_counter.c.n + 1)


def bump(connection: Connection) -> None:
    connection.execute(_BUMP)
    connection.info[CHANGED] = True


def current(connection: Connection) -> int:
    return int(connection.execute(_READ).scalar_one())


class ChangeWatch:
    """The version caches compare: (this process's committed changes, the counter).

    A change made by this process is seen at once (``Database.generation`` moves when
    its transaction commits); one made by another process (the CLI, a second server)
    within ``max_age`` seconds, the longest the counter is left unread. Reading it on
    every request would put a query, contending with the log's writer, on the hot path.
    """

    def __init__(self, database: Database, max_age: float = MAX_AGE_SECONDS) -> None:
        self._database = database
        self._max_age = max_age
        self._seen = -1
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def __call__(self) -> tuple[int, int]:
        generation = self._database.generation
        if time.monotonic() - self._read_at > self._max_age:
            with self._lock:
                if time.monotonic() - self._read_at > self._max_age:
                    # The time before the read: what it sees is at least that recent,
                    # however long the read itself takes.
                    asked_at = time.monotonic()
                    with self._database.read() as connection:
                        self._seen = current(connection)
                    self._read_at = asked_at
        return generation, self._seen
