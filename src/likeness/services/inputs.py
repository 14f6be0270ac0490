"""What callers give the services: the fields a person chooses, without ids or times."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from likeness.domain.performer import Representative
from likeness.domain.production import Agreement, ProductionKind
from likeness.errors import InvalidInputError


def parse_date(text: str, field: str) -> date:
    """A date a person typed (a flag, a CSV cell), with a message naming the field."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"{field} {text!r} is not an ISO 8601 date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class PerformerInput:
    legal_name: str
    date_of_birth: date
    professional_name: str | None = None
    union: str | None = None
    member_number: str | None = None
    date_of_death: date | None = None
    domicile: str | None = None
    representatives: tuple[Representative, ...] = field(default=())


@dataclass(frozen=True)
class PerformerChanges:
    """Fields to change on an existing performer; ``None`` leaves a field as it is."""

    professional_name: str | None = None
    union: str | None = None
    member_number: str | None = None
    date_of_death: date | None = None
    domicile: str | None = None
    add_representatives: tuple[Representative, ...] = field(default=())


@dataclass(frozen=True)
class ProductionInput:
    title: str
    company: str
    kind: ProductionKind
    agreement: Agreement
    start_date: date
    end_date: date | None = None
    jurisdiction: str | None = None
