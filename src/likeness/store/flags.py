"""Flags: every not-covered appearance from any scan, listed for the performer it shows."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection

from likeness.domain.consent import Modality
from likeness.domain.flag import Flag
from likeness.store.tables import flags


class FlagRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add_many(self, items: Sequence[Flag]) -> None:
        if not items:
            return
        self._db.execute(
            flags.insert(),
            [
                {
                    "log_index": f.log_index,
                    "performer_id": f.performer_id,
                    "production_id": f.production_id,
                    "media": f.media,
                    "media_sha256": f.media_sha256,
                    "modality": f.modality,
                    "start_s": str(f.start),
                    "end_s": str(f.end),
                    "flagged_at": f.flagged_at,
                    "submitted_by": f.submitted_by,
                    "location": f.location,
                }
                for f in items
            ],
        )

    def for_performer(self, performer_id: str, limit: int = 500) -> list[Flag]:
        query = (
            select(flags)
            .where(flags.c.performer_id == performer_id)
            .order_by(flags.c.log_index.desc())
            .limit(limit)
        )
        return [
            Flag(
                log_index=int(row.log_index),
                performer_id=row.performer_id,
                production_id=row.production_id,
                media=row.media,
                media_sha256=row.media_sha256,
                modality=Modality(row.modality),
                start=Decimal(row.start_s),
                end=Decimal(row.end_s),
                flagged_at=row.flagged_at,
                submitted_by=row.submitted_by,
                location=row.location,
            )
            for row in self._db.execute(query)
        ]

    def remove_for_performer(self, performer_id: str) -> None:
        self._db.execute(delete(flags).where(flags.c.performer_id == performer_id))

    def count(self) -> int:
        return int(self._db.execute(select(func.count()).select_from(flags)).scalar_one())
