"""Flags: appearances that no consent covered when they were scanned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from likeness.domain.consent import Modality


@dataclass(frozen=True)
class Flag:
    """A ``not_covered`` appearance, listed for the performer it shows and logged."""

    log_index: int  # the appearance.flagged entry (-1 until it is appended)
    performer_id: str
    production_id: str | None  # None: found by a watcher for no production (``--any``)
    media: str  # the file's name (never a path on the server)
    media_sha256: str | None
    modality: Modality
    start: Decimal  # seconds from the start of the media
    end: Decimal
    flagged_at: datetime
    submitted_by: str | None = None  # the account whose scan job it came from (HTTP)
    location: str | None = None  # where a watcher found the media (its URL)
