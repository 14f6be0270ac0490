"""Ports the services need from the outside world, as small protocols.

Real implementations are built in ``likeness.bootstrap``; deterministic
fakes ship in ``likeness.testing``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import Connection

from likeness.domain.provenance import Provenance, SyntheticVerdict
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


class ProvenanceReader(Protocol):
    def read(self, path: Path) -> Provenance:
        """The C2PA provenance of the media file at ``path``. Never raises on what the
        file holds: a bad manifest, a format without one or an unreadable file is a
        ``Provenance`` saying so (``provenance/manifest.C2paProvenanceReader``)."""
        ...


class SyntheticMediaClassifier(Protocol):
    """Where an offline classifier of synthetic media would plug in: none ships (no
    classifier known here is both offline and reliable enough to change a clearance
    decision; docs/provenance.md). A scan asks it only about files whose manifest
    declares no generative AI; a ``synthetic`` verdict marks them as a manifest would.
    It must run in this process, reach nothing over the network, and raise a
    ``LikenessError`` (which fails that file, not the batch) when it cannot judge."""

    def classify(self, path: Path) -> SyntheticVerdict: ...
