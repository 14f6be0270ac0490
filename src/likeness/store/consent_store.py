"""Consent events and reported uses in SQL.

What a performer consented to, who signed for them and why they revoked (an event's
data), and what a production reported using (a use's facts and decision), are sealed
under the performer's personal key (store/record_keys.py), so that erasure leaves no
readable copy in a dead row; rows an older version wrote in clear (JSON) still read."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection

from likeness.domain.decision import Decision
from likeness.domain.lifecycle import ConsentEvent, EventType
from likeness.domain.use import ReportedUse, UseReport
from likeness.store.sealed_fields import PersonalKeys, is_sealed, open_field, seal_field
from likeness.store.tables import consent_events, consents, uses


class _Seal:
    """JSON columns sealed under their performers' personal keys."""

    def __init__(self, connection: Connection) -> None:
        self._keys = PersonalKeys(connection)

    def load(self, performer_ids: Iterable[str]) -> None:
        self._keys.load(performer_ids)

    def seal(self, performer_id: str, value: Any, where: str) -> str:
        key = self._keys.key(performer_id, create=True)
        return _required(seal_field(key, json.dumps(value, sort_keys=True), where))

    def open(self, performer_id: str, stored: str, where: str) -> Any:
        if not is_sealed(stored):  # JSON written in clear by an older version
            return json.loads(stored)
        return json.loads(_required(open_field(self._keys.key(performer_id), stored, where)))


def _required(value: str | None) -> str:
    assert value is not None  # the columns are NOT NULL
    return value


class ConsentEventRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection
        self._seal = _Seal(connection)

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
        performer_id = self._db.execute(
            select(consents.c.performer_id).where(consents.c.id == event.consent_id)
        ).scalar_one()
        self._db.execute(
            insert(consent_events),
            {
                "consent_id": event.consent_id,
                "seq": event.seq,
                "type": event.type.value,
                "at": event.at,
                "data": self._seal.seal(
                    performer_id, event.data, _event_cell(event.consent_id, event.seq)
                ),
                "log_index": log_index,
            },
        )

    def events(self, consent_id: str) -> list[ConsentEvent]:
        rows = self._db.execute(
            select(consent_events, consents.c.performer_id)
            .join(consents, consents.c.id == consent_events.c.consent_id)
            .where(consent_events.c.consent_id == consent_id)
            .order_by(consent_events.c.seq)
        )
        return [self._event(row) for row in rows]

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
            select(consent_events, consents.c.performer_id)
            .join(consents, consents.c.id == consent_events.c.consent_id)
            .order_by(consent_events.c.consent_id, consent_events.c.seq)
        )
        if performer_id is not None:
            query = query.where(consents.c.performer_id == performer_id)
        if production_id is not None:
            query = query.where(consents.c.production_id == production_id)
        rows = self._db.execute(query).all()
        self._seal.load(row.performer_id for row in rows)
        grouped: dict[str, list[tuple[ConsentEvent, int]]] = {}
        for row in rows:
            grouped.setdefault(row.consent_id, []).append((self._event(row), int(row.log_index)))
        return grouped

    def events_for_performer(self, performer_id: str) -> dict[str, list[ConsentEvent]]:
        rows = self._db.execute(
            select(consent_events, consents.c.performer_id)
            .join(consents, consents.c.id == consent_events.c.consent_id)
            .where(consents.c.performer_id == performer_id)
            .order_by(consent_events.c.consent_id, consent_events.c.seq)
        )
        grouped: dict[str, list[ConsentEvent]] = {}
        for row in rows:
            grouped.setdefault(row.consent_id, []).append(self._event(row))
        return grouped

    def _event(self, row: Any) -> ConsentEvent:
        return ConsentEvent(
            consent_id=row.consent_id,
            seq=row.seq,
            type=EventType(row.type),
            at=row.at,
            data=self._seal.open(row.performer_id, row.data, _event_cell(row.consent_id, row.seq)),
        )


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


def _event_cell(consent_id: str, seq: int) -> str:
    return f"consent_events.data:{consent_id}:{seq}"


def _use_cell(column: str, use_id: str) -> str:
    return f"uses.{column}:{use_id}"


class UseRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection
        self._seal = _Seal(connection)

    def add(self, use: ReportedUse) -> None:
        total = use.decision.total
        self._db.execute(
            insert(uses),
            {
                "id": use.id,
                "performer_id": use.performer_id,
                "production_id": use.production_id,
                "use_date": use.use_date,
                "facts": self._seal.seal(
                    use.performer_id, use.report.to_json(), _use_cell("facts", use.id)
                ),
                "decision": self._seal.seal(
                    use.performer_id, use.decision.to_json(), _use_cell("decision", use.id)
                ),
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
        return [self._use(row) for row in rows]

    def get(self, use_id: str) -> ReportedUse | None:
        row = self._db.execute(select(uses).where(uses.c.id == use_id)).one_or_none()
        return None if row is None else self._use(row)

    def recent(
        self, *, performer_id: str | None, production_id: str | None, limit: int
    ) -> list[ReportedUse]:
        query = select(uses).order_by(uses.c.id.desc()).limit(limit)
        if performer_id is not None:
            query = query.where(uses.c.performer_id == performer_id)
        if production_id is not None:
            query = query.where(uses.c.production_id == production_id)
        rows = self._db.execute(query).all()
        self._seal.load(row.performer_id for row in rows)
        return [self._use(row) for row in rows]

    def count(self) -> int:
        return int(self._db.execute(select(func.count()).select_from(uses)).scalar_one())

    def _use(self, row: Any) -> ReportedUse:
        facts = self._seal.open(row.performer_id, row.facts, _use_cell("facts", row.id))
        decision = self._seal.open(row.performer_id, row.decision, _use_cell("decision", row.id))
        return ReportedUse(
            id=row.id,
            report=UseReport.from_json(row.performer_id, facts),
            decision=Decision.from_json(decision),
            reported_at=row.reported_at,
            log_index=int(row.log_index),
        )
