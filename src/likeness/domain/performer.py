"""Performers: the people whose likeness the system protects."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from likeness.domain.ids import PerformerId
from likeness.errors import InvalidInputError

# Age of majority used by the minors' rules (rules.md Part M: NO FAKES, NY, SAG 2026).
AGE_OF_MAJORITY = 18

_MEMBER_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,31}")


class PerformerStatus(StrEnum):
    LIVING = "living"
    DECEASED = "deceased"


class RepresentativeCapacity(StrEnum):
    """In what capacity someone may act for a performer (rules.md Part A, ``granted_by``)."""

    AGENT = "agent"
    MANAGER = "manager"
    ATTORNEY = "attorney"
    UNION = "union"
    ESTATE = "estate"
    GUARDIAN = "guardian"


@dataclass(frozen=True)
class Representative:
    """Someone authorised to act for a performer."""

    name: str
    capacity: RepresentativeCapacity
    contact: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInputError("a representative needs a name")


@dataclass(frozen=True)
class Performer:
    """A performer as registered. Every invariant that needs no clock is checked here."""

    id: PerformerId
    legal_name: str
    date_of_birth: date
    created_at: datetime
    updated_at: datetime
    professional_name: str | None = None
    union: str | None = None
    member_number: str | None = None
    status: PerformerStatus = PerformerStatus.LIVING
    date_of_death: date | None = None
    domicile: str | None = None
    representatives: tuple[Representative, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.legal_name.strip():
            raise InvalidInputError("legal name must not be empty")
        if self.member_number is not None:
            if self.union is None:
                raise InvalidInputError(
                    f"member number {self.member_number!r} given without a union",
                    hint="give the union the number belongs to (e.g. SAG-AFTRA)",
                )
            if _MEMBER_NUMBER.fullmatch(self.member_number) is None:
                raise InvalidInputError(
                    f"member number {self.member_number!r} is malformed: "
                    "use letters, digits and hyphens (at most 32)"
                )
        self._check_life_dates()

    def _check_life_dates(self) -> None:
        if self.status is PerformerStatus.DECEASED and self.date_of_death is None:
            raise InvalidInputError("a deceased performer needs a date of death")
        if self.status is PerformerStatus.LIVING and self.date_of_death is not None:
            raise InvalidInputError("a living performer cannot have a date of death")
        if self.date_of_death is not None and self.date_of_death < self.date_of_birth:
            raise InvalidInputError(
                f"date of death {self.date_of_death.isoformat()} is before "
                f"date of birth {self.date_of_birth.isoformat()}"
            )

    def check_dates_not_after(self, today: date) -> None:
        """Refuse birth or death dates in the future (``today`` comes from the caller's clock)."""
        if self.date_of_birth > today:
            raise InvalidInputError(
                f"date of birth {self.date_of_birth.isoformat()} is in the future"
            )
        if self.date_of_death is not None and self.date_of_death > today:
            raise InvalidInputError(
                f"date of death {self.date_of_death.isoformat()} is in the future"
            )

    def age_on(self, day: date) -> int:
        """Completed years of age on ``day``."""
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def is_minor_on(self, day: date) -> bool:
        return self.age_on(day) < AGE_OF_MAJORITY

    @property
    def display_name(self) -> str:
        return self.professional_name or self.legal_name
