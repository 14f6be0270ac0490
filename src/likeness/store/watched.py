"""Watched sources and the items they listed (services/watch.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.engine import Connection

from likeness.domain.watch import ItemStatus, SourceKind, WatchedItem, WatchedSource
from likeness.store.tables import watched_items, watched_sources


class WatchRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add_source(self, source: WatchedSource, added_by: str | None) -> None:
        self._db.execute(
            watched_sources.insert(),
            {
                "id": source.id,
                "url": source.url,
                "kind": source.kind.value,
                "production_id": source.production_id,
                "added_by": added_by,
                "added_at": source.added_at,
            },
        )

    def sources(self) -> list[WatchedSource]:
        rows = self._db.execute(select(watched_sources).order_by(watched_sources.c.id))
        return [_source(row) for row in rows]

    def source_with_url(self, url: str) -> WatchedSource | None:
        row = self._db.execute(select(watched_sources).where(watched_sources.c.url == url)).first()
        return None if row is None else _source(row)

    def ran(self, source_id: str, at: datetime, error: str | None) -> None:
        self._db.execute(
            update(watched_sources)
            .where(watched_sources.c.id == source_id)
            .values(last_run_at=at, last_error=error)
        )

    def seen_urls(self, source_id: str) -> set[str]:
        rows = self._db.execute(
            select(watched_items.c.url).where(watched_items.c.source_id == source_id)
        )
        return {url for (url,) in rows}

    def seen_content(self, sha256: str) -> bool:
        row = self._db.execute(
            select(watched_items.c.url).where(watched_items.c.sha256 == sha256).limit(1)
        ).first()
        return row is not None

    def add_item(self, item: WatchedItem) -> None:
        self._db.execute(
            watched_items.insert(),
            {
                "source_id": item.source_id,
                "url": item.url,
                "sha256": item.sha256,
                "status": item.status.value,
                "detail": item.detail,
                "seen_at": item.seen_at,
            },
        )

    def items(self, source_id: str | None = None) -> list[WatchedItem]:
        query = select(watched_items).order_by(watched_items.c.seen_at, watched_items.c.url)
        if source_id is not None:
            query = query.where(watched_items.c.source_id == source_id)
        return [
            WatchedItem(
                source_id=row.source_id,
                url=row.url,
                sha256=row.sha256,
                status=ItemStatus(row.status),
                detail=row.detail,
                seen_at=row.seen_at,
            )
            for row in self._db.execute(query)
        ]


def _source(row: Row[Any]) -> WatchedSource:
    return WatchedSource(
        id=row.id,
        url=row.url,
        kind=SourceKind(row.kind),
        production_id=row.production_id,
        added_at=row.added_at,
        last_run_at=row.last_run_at,
        last_error=row.last_error,
    )
