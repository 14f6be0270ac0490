"""Ports the services need from the outside world, as small protocols.

Real implementations are built in ``likeness.bootstrap``; deterministic
fakes ship in ``likeness.testing``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import Connection

from likeness.services.events import Notification


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, zone-aware UTC."""
        ...


class IdFactory(Protocol):
    def new(self) -> str:
        """A new unique, time-ordered id (a canonical ULID)."""
        ...


class Outbox(Protocol):
    def emit(self, connection: Connection, notification: Notification) -> None:
        """Queue ``notification`` inside the caller's transaction: it is sent only if
        that transaction commits."""
        ...


class NoOutbox:
    def emit(self, connection: Connection, notification: Notification) -> None:
        return None
