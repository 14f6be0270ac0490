"""Which log events the registry emits, and what each commits to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from likeness.domain.performer import Performer
from likeness.domain.production import Production
from likeness.ledger.canonical import JsonValue
from likeness.ledger.entry import LogEvent

T = TypeVar("T")


@dataclass(frozen=True)
class Recorded(Generic[T]):
    """A result and the indexes of the log entries that record it."""

    value: T
    log_indexes: tuple[int, ...]


def performer_key(performer_id: str) -> str:
    return f"performer:{performer_id}"


def production_key(production_id: str) -> str:
    return f"production:{production_id}"


def _date(value: object) -> JsonValue:
    return None if value is None else str(value)


def performer_event(kind: str, performer: Performer) -> tuple[LogEvent, str]:
    """``performer.added`` / ``performer.updated`` / ``performer.imported``: every field
    is personal data, so all of them are committed to and none is written."""
    record: dict[str, JsonValue] = {
        "legal_name": performer.legal_name,
        "professional_name": performer.professional_name,
        "union": performer.union,
        "member_number": performer.member_number,
        "date_of_birth": _date(performer.date_of_birth),
        "status": performer.status.value,
        "date_of_death": _date(performer.date_of_death),
        "domicile": performer.domicile,
        "representatives": [
            {"name": r.name, "capacity": r.capacity.value, "contact": r.contact}
            for r in performer.representatives
        ],
    }
    event = LogEvent(
        type=f"performer.{kind}",
        at=performer.updated_at,
        ids={"performer": performer.id},
        record=record,
    )
    return event, performer_key(performer.id)


def production_event(kind: str, production: Production) -> tuple[LogEvent, str]:
    record: dict[str, JsonValue] = {
        "title": production.title,
        "company": production.company,
        "kind": production.kind.value,
        "agreement": production.agreement.value,
        "jurisdiction": production.jurisdiction,
        "start_date": _date(production.start_date),
        "end_date": _date(production.end_date),
    }
    event = LogEvent(
        type=f"production.{kind}",
        at=production.created_at,
        ids={"production": production.id},
        record=record,
    )
    return event, production_key(production.id)


def erased_event(performer_id: str, at: datetime) -> tuple[LogEvent, None]:
    return LogEvent(type="performer.erased", at=at, ids={"performer": performer_id}), None
