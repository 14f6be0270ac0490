"""Consent events and reported uses in SQL."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection

from likeness.domain.decision import Decision
from likeness.domain.lifecycle import ConsentEvent, EventType
from likeness.domain.use import ReportedUse, UseReport
from likeness.store.tables import consent_events, consents, uses


class ConsentEventRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def create(self, consent_id: str, performer_id: str, production_id: str, at: datetime) -> None:
        self._db.execute(
            insert(consents),
            {
                "id": consent_id,
                "performer_id": performer_id,
                "production_id": production_id,
                "requested_at": at,
            },
        )

    def append(self, event: ConsentEvent, log_index: int) -> None:
        self._db.execute(
            insert(consent_events),
            {
                "consent_id": event.consent_id,
                "seq": event.seq,
                "type": event.type.value,
                "at": event.at,
                "data": json.dumps(event.data, sort_keys=True),
                "log_index": log_index,
            },
        )

    def events(self, consent_id: str) -> list[ConsentEvent]:
        rows = self._db.execute(
            select(consent_events)
            .where(consent_events.c.consent_id == consent_id)
            .order_by(consent_events.c.seq)
        )
        return [_event(row) for row in rows]

    def log_indexes(self, consent_id: str) -> list[int]:
        rows = self._db.execute(
            select(consent_events.c.log_index)
            .where(consent_events.c.consent_id == consent_id)
            .order_by(consent_events.c.seq)
        )
        return [int(i) for (i,) in rows]

    def histories(
        self, *, performer_id: str | None = None, production_id: str | None = None
    ) -> dict[str, list[tuple[ConsentEvent, int]]]:
        """Every matching consent's events with their log indexes, in one query."""
        query = (
            select(consent_events)
            .join(consents, consents.c.id == consent_events.c.consent_id)
            .order_by(consent_events.c.consent_id, consent_events.c.seq)
        )
        if performer_id is not None:
            query = query.where(consents.c.performer_id == performer_id)
        if production_id is not None:
            query = query.where(consents.c.production_id == production_id)
        grouped: dict[str, list[tuple[ConsentEvent, int]]] = {}
        for row in self._db.execute(query):
            grouped.setdefault(row.consent_id, []).append((_event(row), int(row.log_index)))
        return grouped

    def events_for_performer(self, performer_id: str) -> dict[str, list[ConsentEvent]]:
        rows = self._db.execute(
            select(consent_events)
            .join(consents, consents.c.id == consent_events.c.consent_id)
            .where(consents.c.performer_id == performer_id)
            .order_by(consent_events.c.consent_id, consent_events.c.seq)
        )
        grouped: dict[str, list[ConsentEvent]] = {}
        for row in rows:
            grouped.setdefault(row.consent_id, []).append(_event(row))
        return grouped


def remove_for_performer(connection: Connection, performer_id: str) -> tuple[list[str], list[str]]:
    """Delete a performer's consents, their events and reported uses (erasure).

    Returns the consent and use ids, whose log-commitment salts must be erased with them.
    """
    consent_ids = [
        r[0]
        for r in connection.execute(
            select(consents.c.id).where(consents.c.performer_id == performer_id)
        )
    ]
    use_ids = [
        r[0]
        for r in connection.execute(select(uses.c.id).where(uses.c.performer_id == performer_id))
    ]
    if consent_ids:
        connection.execute(
            delete(consent_events).where(consent_events.c.consent_id.in_(consent_ids))
        )
        connection.execute(delete(consents).where(consents.c.id.in_(consent_ids)))
    connection.execute(delete(uses).where(uses.c.performer_id == performer_id))
    return consent_ids, use_ids


def _event(row: Any) -> ConsentEvent:
    return ConsentEvent(
        consent_id=row.consent_id,
        seq=row.seq,
        type=EventType(row.type),
        at=row.at,
        data=json.loads(row.data),
    )


class UseRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, use: ReportedUse) -> None:
        total = use.decision.total
        self._db.execute(
            insert(uses),
            {
                "id": use.id,
                "performer_id": use.performer_id,
                "production_id": use.production_id,
                "use_date": use.use_date,
                "facts": json.dumps(use.report.to_json(), sort_keys=True),
                "decision": json.dumps(use.decision.to_json(), sort_keys=True),
                "outcome": use.decision.outcome.value,
                "total": str(total.amount),
                "currency": total.currency,
                "reported_at": use.reported_at,
                "log_index": use.log_index,
            },
        )

    def for_performer(self, performer_id: str, start: date, end: date) -> list[ReportedUse]:
        rows = self._db.execute(
            select(uses)
            .where(
                uses.c.performer_id == performer_id,
                uses.c.use_date >= start,
                uses.c.use_date <= end,
            )
            .order_by(uses.c.use_date, uses.c.id)
        )
        return [_use(row) for row in rows]

    def get(self, use_id: str) -> ReportedUse | None:
        row = self._db.execute(select(uses).where(uses.c.id == use_id)).one_or_none()
        return None if row is None else _use(row)

    def recent(
        self, *, performer_id: str | None, production_id: str | None, limit: int
    ) -> list[ReportedUse]:
        query = select(uses).order_by(uses.c.id.desc()).limit(limit)
        if performer_id is not None:
            query = query.where(uses.c.performer_id == performer_id)
        if production_id is not None:
            query = query.where(uses.c.production_id == production_id)
        return [_use(row) for row in self._db.execute(query)]

    def count(self) -> int:
        return int(self._db.execute(select(func.count()).select_from(uses)).scalar_one())


def _use(row: Any) -> ReportedUse:
    return ReportedUse(
        id=row.id,
        report=UseReport.from_json(row.performer_id, json.loads(row.facts)),
        decision=Decision.from_json(json.loads(row.decision)),
        reported_at=row.reported_at,
        log_index=int(row.log_index),
    )
