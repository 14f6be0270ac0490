"""Watched sources: where a watcher looks for new media, and what it made of each item
(docs/enforcement.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SourceKind(StrEnum):
    WEB = "web"  # an RSS, Atom or JSON feed, or an HTTP directory listing (told by content)
    FOLDER = "folder"  # a local folder (archives)


class ItemStatus(StrEnum):
    FLAGGED = "flagged"  # an appearance needing action was flagged
    REVIEW = "review"  # registered performers appear: listed for their review, not flagged
    CLEAR = "clear"  # scanned: nothing needing action
    MATCHED = "matched"  # a stay-down fingerprint matched: no scan needed
    DUPLICATE = "duplicate"  # the same bytes were seen before under another URL
    ERROR = "error"  # not scanned; the detail says why


@dataclass(frozen=True)
class WatchedSource:
    id: str
    url: str  # an http(s) URL, or a folder's path
    kind: SourceKind
    production_id: str | None  # None: decided against no production (``--any``)
    added_at: datetime
    last_run_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class WatchedItem:
    source_id: str
    url: str
    sha256: str | None
    status: ItemStatus
    detail: str | None
    seen_at: datetime
