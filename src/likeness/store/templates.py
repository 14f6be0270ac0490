"""Template rows (the vectors are in the vault) and match corrections."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from likeness.store.tables import match_corrections, templates


@dataclass(frozen=True)
class TemplateRow:
    id: str
    performer_id: str
    modality: str
    model_id: str
    source_sha256: str
    created_at: datetime


class TemplateRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, row: TemplateRow) -> None:
        self._db.execute(insert(templates), row.__dict__)

    def for_model(self, model_id: str) -> list[TemplateRow]:
        rows = self._db.execute(
            select(templates).where(templates.c.model_id == model_id).order_by(templates.c.id)
        )
        return [TemplateRow(**row._mapping) for row in rows]

    def all(self) -> list[TemplateRow]:
        rows = self._db.execute(select(templates).order_by(templates.c.id))
        return [TemplateRow(**row._mapping) for row in rows]

    def for_performer(self, performer_id: str) -> list[TemplateRow]:
        rows = self._db.execute(
            select(templates)
            .where(templates.c.performer_id == performer_id)
            .order_by(templates.c.created_at, templates.c.id)
        )
        return [TemplateRow(**row._mapping) for row in rows]

    def remove_modalities(self, performer_id: str, modalities: Collection[str]) -> list[str]:
        """Delete a performer's templates of these modalities (their match corrections
        stay: they are about media, not the templates); returns the template ids."""
        chosen = (templates.c.performer_id == performer_id) & templates.c.modality.in_(
            sorted(modalities)
        )
        ids = [row[0] for row in self._db.execute(select(templates.c.id).where(chosen))]
        self._db.execute(delete(templates).where(chosen))
        return ids

    def remove_for_performer(self, performer_id: str) -> list[str]:
        """Delete a performer's templates and corrections; returns the template ids."""
        ids = [
            row[0]
            for row in self._db.execute(
                select(templates.c.id).where(templates.c.performer_id == performer_id)
            )
        ]
        self._db.execute(
            delete(match_corrections).where(match_corrections.c.performer_id == performer_id)
        )
        self._db.execute(delete(templates).where(templates.c.performer_id == performer_id))
        return ids

    def add_correction(self, media_sha256: str, performer_id: str, at: datetime) -> bool:
        exists = self._db.execute(
            select(match_corrections.c.media_sha256).where(
                match_corrections.c.media_sha256 == media_sha256,
                match_corrections.c.performer_id == performer_id,
            )
        ).first()
        if exists:
            return False
        self._db.execute(
            insert(match_corrections),
            {
                "media_sha256": media_sha256,
                "performer_id": performer_id,
                "created_at": at,
            },
        )
        return True

    def suppressed(self, media_sha256: str) -> set[str]:
        rows = self._db.execute(
            select(match_corrections.c.performer_id).where(
                match_corrections.c.media_sha256 == media_sha256
            )
        )
        return {row[0] for row in rows}
