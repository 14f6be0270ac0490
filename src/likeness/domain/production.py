"""Productions: the studios, games, ads and services that ask to use a likeness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from likeness.domain.ids import ProductionId
from likeness.domain.regions import shape_problem
from likeness.errors import InvalidInputError


class ProductionKind(StrEnum):
    THEATRICAL = "theatrical"
    TELEVISION = "television"
    STREAMING = "streaming"
    INTERACTIVE = "interactive"
    COMMERCIAL = "commercial"


class Agreement(StrEnum):
    """The collective agreement a production is signatory to (rules.md Part M.1)."""

    SAG_AFTRA_TV_THEATRICAL = "sag-aftra-tv-theatrical"
    SAG_AFTRA_INTERACTIVE = "sag-aftra-interactive"
    SAG_AFTRA_COMMERCIALS = "sag-aftra-commercials"
    NONE = "none"


@dataclass(frozen=True)
class Production:
    id: ProductionId
    title: str
    company: str
    kind: ProductionKind
    agreement: Agreement
    start_date: date
    created_at: datetime
    end_date: date | None = None
    jurisdiction: str | None = None

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise InvalidInputError("a production needs a title")
        if not self.company.strip():
            raise InvalidInputError("a production needs a company")
        if self.end_date is not None and self.end_date < self.start_date:
            raise InvalidInputError(
                f"end date {self.end_date.isoformat()} is before "
                f"start date {self.start_date.isoformat()}"
            )
        problem = "" if self.jurisdiction is None else shape_problem(self.jurisdiction)
        if problem:
            raise InvalidInputError(f"jurisdiction: {problem}")
