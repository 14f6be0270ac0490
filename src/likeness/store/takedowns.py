"""Takedown notices and their steps; the notice and each note sealed under the
performer's personal key (erasure destroys the key, and these rows with the performer)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.engine import Connection

from likeness.domain.consent import Modality
from likeness.domain.flag import Flag
from likeness.domain.takedown import Notice, Takedown, TakedownStatus, TakedownStep
from likeness.store.sealed_fields import PersonalKeys, open_field, seal_field
from likeness.store.tables import flags, takedown_steps, takedowns


def _notice_cell(takedown_id: str) -> str:
    return f"takedowns.notice:{takedown_id}"


def _note_cell(takedown_id: str, seq: int) -> str:
    return f"takedown_steps.note:{takedown_id}/{seq}"


class TakedownRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection
        self._keys = PersonalKeys(connection)

    def flag(self, log_index: int) -> Flag | None:
        """The flag a notice is drafted for (read here, not through the flags module,
        which another part of the system owns; the fields are the same)."""
        row = self._db.execute(select(flags).where(flags.c.log_index == log_index)).first()
        if row is None:
            return None
        return Flag(
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
        )

    def flags_in_media(self, performer_id: str, media_sha256: str) -> list[int]:
        """Every flag of this performer in the same content: one notice names them all."""
        query = (
            select(flags.c.log_index)
            .where(flags.c.performer_id == performer_id, flags.c.media_sha256 == media_sha256)
            .order_by(flags.c.log_index)
        )
        return [int(i) for i in self._db.execute(query).scalars()]

    def add(self, takedown: Takedown) -> None:
        key = self._keys.key(takedown.performer_id, create=True)
        self._db.execute(
            takedowns.insert().values(
                id=takedown.id,
                flag_log_index=takedown.flag_id,
                performer_id=takedown.performer_id,
                location=takedown.location,
                status=takedown.status.value,
                notice=seal_field(
                    key, json.dumps(takedown.notice.to_json()), _notice_cell(takedown.id)
                ),
                created_by=takedown.created_by,
                created_at=takedown.created_at,
                updated_at=takedown.updated_at,
            )
        )
        for step in takedown.steps:
            self.add_step(takedown, step)

    def add_step(self, takedown: Takedown, step: TakedownStep) -> None:
        key = self._keys.key(takedown.performer_id, create=True)
        self._db.execute(
            takedown_steps.insert().values(
                takedown_id=takedown.id,
                seq=step.seq,
                status=step.status.value,
                at=step.at,
                note=seal_field(key, step.note, _note_cell(takedown.id, step.seq)),
                recorded_by=step.recorded_by,
                log_index=step.log_index,
            )
        )

    def set_status(self, takedown_id: str, status: TakedownStatus, at: datetime) -> None:
        self._db.execute(
            update(takedowns)
            .where(takedowns.c.id == takedown_id)
            .values(status=status.value, updated_at=at)
        )

    def get(self, takedown_id: str) -> Takedown | None:
        row = self._db.execute(select(takedowns).where(takedowns.c.id == takedown_id)).first()
        return None if row is None else self._read([row])[0]

    def listed(self, performer_id: str | None, limit: int = 500) -> list[Takedown]:
        """Newest first; every performer's with ``performer_id`` None (the operator)."""
        query = select(takedowns).order_by(takedowns.c.created_at.desc(), takedowns.c.id.desc())
        if performer_id is not None:
            query = query.where(takedowns.c.performer_id == performer_id)
        return self._read(list(self._db.execute(query.limit(limit))))

    def remove_for_performer(self, performer_id: str) -> None:
        """Erasure: the performer's notices and their steps (the log keeps commitments)."""
        ids = select(takedowns.c.id).where(takedowns.c.performer_id == performer_id)
        self._db.execute(delete(takedown_steps).where(takedown_steps.c.takedown_id.in_(ids)))
        self._db.execute(delete(takedowns).where(takedowns.c.performer_id == performer_id))

    def count(self) -> int:
        return int(self._db.execute(select(func.count()).select_from(takedowns)).scalar_one())

    def _read(self, rows: Sequence[Row[Any]]) -> list[Takedown]:
        if not rows:
            return []
        self._keys.load({r.performer_id for r in rows})
        ids = [r.id for r in rows]
        steps: dict[str, list[Row[Any]]] = {}
        query = (
            select(takedown_steps)
            .where(takedown_steps.c.takedown_id.in_(ids))
            .order_by(takedown_steps.c.takedown_id, takedown_steps.c.seq)
        )
        for step in self._db.execute(query):
            steps.setdefault(step.takedown_id, []).append(step)
        return [self._takedown(row, steps.get(row.id, [])) for row in rows]

    def _takedown(self, row: Row[Any], steps: Sequence[Row[Any]]) -> Takedown:
        key = self._keys.key(row.performer_id)
        notice = open_field(key, row.notice, _notice_cell(row.id))
        assert notice is not None  # the column is not nullable
        return Takedown(
            id=row.id,
            flag_id=int(row.flag_log_index),
            performer_id=row.performer_id,
            location=row.location,
            status=TakedownStatus(row.status),
            notice=Notice.from_json(json.loads(notice)),
            created_by=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
            steps=tuple(
                TakedownStep(
                    seq=int(s.seq),
                    status=TakedownStatus(s.status),
                    at=s.at,
                    note=open_field(key, s.note, _note_cell(row.id, int(s.seq))),
                    recorded_by=s.recorded_by,
                    log_index=int(s.log_index),
                )
                for s in steps
            ),
        )
