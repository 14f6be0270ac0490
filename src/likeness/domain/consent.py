"""Consents to make and use digital replicas, and the uses they are asked to cover.

The fields follow rules.md Part A / M.2: replica kind, modalities, a structured
description of the intended use, term, compensation terms, who granted it and in
what capacity, the form it was given in, and the performer's representation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from likeness.errors import InvalidInputError


class ReplicaKind(StrEnum):
    EMPLOYMENT_BASED = "employment_based"  # EBDR, rules.md B.1
    INDEPENDENTLY_CREATED = "independently_created"  # ICDR
    DIGITAL_ALTERATION = "digital_alteration"
    BACKGROUND = "background"  # BADR


class Modality(StrEnum):
    FACE = "face"
    BODY = "body"
    VOICE = "voice"


class Grantor(StrEnum):
    PERFORMER = "performer"
    REPRESENTATIVE = "representative"
    ESTATE = "estate"
    UNION = "union"


class Representation(StrEnum):
    """Who negotiated for the performer: CA Labor Code 927(a)(3), NY GOL 5-302(1)(c)."""

    COUNSEL = "counsel"
    UNION = "union"


class Alteration(StrEnum):
    """Purposes of a digital alteration; SAG-AFTRA TV/Theatrical 2023 B7.2 exempts these."""

    COSMETIC = "cosmetic"
    WARDROBE = "wardrobe"
    NOISE_REDUCTION = "noise_reduction"
    TIMING = "timing"
    CONTINUITY = "continuity"
    PITCH = "pitch"
    EFFECTS = "effects"
    DIALOGUE = "dialogue"


class PerformerCategory(StrEnum):
    PRINCIPAL = "principal"
    BACKGROUND = "background"
    SPECIAL_ABILITY_BACKGROUND = "special_ability_background"
    STAND_IN = "stand_in"


class CompensationBasis(StrEnum):
    FLAT = "flat"  # one amount for the use
    PER_DAY = "per_day"  # amount × days equivalent
    SCALE = "scale"  # the agreement's formula, no separate amount


@dataclass(frozen=True)
class UseDescription:
    """A structured description of the intended use (SAG B2.4: "reasonably specific")."""

    project: str
    purpose: str
    character: str | None = None
    scenes: tuple[str, ...] = ()
    media: tuple[str, ...] = ()
    territory: str | None = None


@dataclass(frozen=True)
class Interval:
    start: date
    end: date | None = None  # open-ended

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class CompensationTerms:
    basis: CompensationBasis
    amount: Decimal | None = None
    currency: str = "USD"

    def __post_init__(self) -> None:
        if self.basis is not CompensationBasis.SCALE and self.amount is None:
            raise InvalidInputError(f"a {self.basis} compensation needs an amount")
        if self.amount is not None and self.amount < 0:
            raise InvalidInputError("a compensation amount cannot be negative")


@dataclass(frozen=True)
class ConsentTerms:
    """A consent as the rules see it: its terms and where its lifecycle stands on a date."""

    id: str
    production_id: str
    replica_kind: ReplicaKind
    modalities: frozenset[Modality]
    description: UseDescription
    valid_from: date
    valid_until: date | None = None
    signed_separately: bool = False
    clear_and_conspicuous: bool = False
    granted_by: Grantor | None = None
    granted_at: datetime | None = None
    revoked_at: date | None = None
    suspended: tuple[Interval, ...] = ()
    compensation: CompensationTerms | None = None
    representation: Representation | None = None
    real_time_generation: bool = False
    created_for_production_id: str | None = None

    def __post_init__(self) -> None:
        if not self.modalities:
            raise InvalidInputError(f"consent {self.id} names no modality")
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise InvalidInputError(
                f"consent {self.id} ends ({self.valid_until}) before it starts ({self.valid_from})"
            )


@dataclass(frozen=True)
class PerformerFacts:
    id: str
    category: PerformerCategory
    date_of_birth: date
    deceased_on: date | None = None
    pro_rata_daily_rate: Decimal | None = None
    domicile: str | None = None

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def deceased_by(self, day: date) -> bool:
        return self.deceased_on is not None and self.deceased_on <= day


@dataclass(frozen=True)
class ProductionFacts:
    id: str
    kind: str
    agreement: str
    jurisdiction: str | None = None


@dataclass(frozen=True)
class UseFacts:
    """One use of a replica (or its creation), as reported by a production."""

    production_id: str
    replica_kind: ReplicaKind
    modalities: frozenset[Modality]
    purpose: str
    date: date
    scenes: tuple[str, ...] = ()
    days_equivalent: Decimal = Decimal(1)
    as_principal: bool = False
    substantially_as_scripted: bool = False
    alteration: Alteration | None = None
    creation: bool = False  # a scan / recording session rather than a use
    real_time_generation: bool = False
    sexual_or_nude: bool = False
    strike_in_effect: bool = False
    background_headcount_met: bool | None = None
    distribution: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.days_equivalent < 0:
            raise InvalidInputError("days_equivalent cannot be negative")
        if not self.modalities:
            raise InvalidInputError("a use names at least one modality")

    def to_json(self) -> dict[str, Any]:
        """A use in the case format (docs/rules-cases.md), as the log and the database
        hold it."""
        return {
            "production_id": self.production_id,
            "replica_kind": self.replica_kind.value,
            "modalities": sorted(m.value for m in self.modalities),
            "scenes": list(self.scenes),
            "purpose": self.purpose,
            "date": self.date.isoformat(),
            "days_equivalent": str(self.days_equivalent),
            "as_principal": self.as_principal,
            "substantially_as_scripted": self.substantially_as_scripted,
            "alteration": None if self.alteration is None else self.alteration.value,
            "creation": self.creation,
            "real_time_generation": self.real_time_generation,
            "sexual_or_nude": self.sexual_or_nude,
            "strike_in_effect": self.strike_in_effect,
            "background_headcount_met": self.background_headcount_met,
            "distribution": list(self.distribution),
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> UseFacts:
        """The inverse of ``to_json``, for uses read back from the database (case files
        from people are parsed, strictly, by ``rules.cases``)."""
        alteration = data["alteration"]
        return UseFacts(
            production_id=data["production_id"],
            replica_kind=ReplicaKind(data["replica_kind"]),
            modalities=frozenset(Modality(m) for m in data["modalities"]),
            purpose=data["purpose"],
            date=date.fromisoformat(data["date"]),
            scenes=tuple(data["scenes"]),
            days_equivalent=Decimal(data["days_equivalent"]),
            as_principal=data["as_principal"],
            substantially_as_scripted=data["substantially_as_scripted"],
            alteration=None if alteration is None else Alteration(alteration),
            creation=data["creation"],
            real_time_generation=data["real_time_generation"],
            sexual_or_nude=data["sexual_or_nude"],
            strike_in_effect=data["strike_in_effect"],
            background_headcount_met=data["background_headcount_met"],
            distribution=tuple(data["distribution"]),
        )


@dataclass(frozen=True)
class Case:
    """Everything a coverage decision depends on; nothing else is consulted."""

    as_of: date
    performer: PerformerFacts
    production: ProductionFacts
    use: UseFacts
    consents: tuple[ConsentTerms, ...] = field(default=())
