"""Consents to make and use digital replicas, and the uses they are asked to cover.

The fields follow rules.md Part A / M.2: replica kind, modalities, a structured
description of the intended use, term, compensation terms, who granted it and in
what capacity, the form it was given in, and the performer's representation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

from likeness.errors import InvalidInputError

ADULT_AGE = 18  # under it, a performer is a minor (a parent or guardian consents)


def utc_day(moment: datetime) -> date:
    """The UTC calendar day of an instant: 01:00+09:00 on the 2nd is 16:00Z on the 1st.
    Rules compare instants, never the wall-clock date of whoever wrote them."""
    return moment.astimezone(UTC).date()


class ReplicaKind(StrEnum):
    EMPLOYMENT_BASED = "employment_based"  # EBDR, rules.md B.1
    INDEPENDENTLY_CREATED = "independently_created"  # ICDR
    DIGITAL_ALTERATION = "digital_alteration"
    BACKGROUND = "background"  # BADR
    # A synthetic performer built with this performer's principal facial feature, or by
    # prompting a generative system with their name (B9.2): it needs their consent.
    SYNTHETIC = "synthetic"


class Modality(StrEnum):
    FACE = "face"
    BODY = "body"
    VOICE = "voice"


class Grantor(StrEnum):
    PERFORMER = "performer"
    REPRESENTATIVE = "representative"
    ESTATE = "estate"
    UNION = "union"
    PARENT_OR_GUARDIAN = "parent_or_guardian"  # for a minor (rules.md Part A granted_by)


class Representation(StrEnum):
    """Who negotiated for the performer: CA Labor Code 927(a)(3), NY GOL 5-302(1)(c)."""

    COUNSEL = "counsel"
    UNION = "union"


class Alteration(StrEnum):
    """Purposes of a digital alteration. SAG-AFTRA TV/Theatrical 2023 B7.2 lists all but
    character rigging, an Interactive Media "processing practice" (E2)."""

    COSMETIC = "cosmetic"
    WARDROBE = "wardrobe"
    NOISE_REDUCTION = "noise_reduction"
    TIMING = "timing"
    CONTINUITY = "continuity"
    PITCH = "pitch"
    EFFECTS = "effects"
    STANDARDS_AND_PRACTICES = "standards_and_practices"
    RATINGS = "ratings"
    DIALOGUE = "dialogue"
    CHARACTER_RIGGING = "character_rigging"


class ExpressiveUse(StrEnum):
    """What a production attests a use is, for the statutes' own exceptions (Cal. Civil
    Code 3344.1 as amended by AB 1836; rules.md H.3). A person attests it; the engine
    never infers it."""

    NEWS = "news"
    PUBLIC_AFFAIRS = "public_affairs"
    SPORTS = "sports"
    DOCUMENTARY = "documentary"
    BIOGRAPHICAL = "biographical"
    HISTORICAL = "historical"
    SATIRE = "satire"
    PARODY = "parody"
    COMMENTARY = "commentary"
    CRITICISM = "criticism"
    SCHOLARSHIP = "scholarship"
    FLEETING = "fleeting"
    INCIDENTAL = "incidental"


class PerformerCategory(StrEnum):
    PRINCIPAL = "principal"
    BACKGROUND = "background"
    SPECIAL_ABILITY_BACKGROUND = "special_ability_background"
    STAND_IN = "stand_in"
    MODEL = "model"  # a fashion model (NY Fashion Workers Act)


class CompensationBasis(StrEnum):
    FLAT = "flat"  # one amount for the use
    PER_DAY = "per_day"  # amount × days equivalent
    SCALE = "scale"  # the agreement's formula, no separate amount


@dataclass(frozen=True)
class UseDescription:
    """A structured description of the intended use (SAG B2.4: "reasonably specific").

    ``purposes`` lists what the replica may do; a use relies on one of them by name.
    ``advertiser`` and ``product_line`` bound a commercial consent (Commercials 2025 F5).
    """

    project: str
    purposes: tuple[str, ...]
    character: str | None = None
    scenes: tuple[str, ...] = ()
    media: tuple[str, ...] = ()
    territory: str | None = None
    advertiser: str | None = None
    product_line: str | None = None

    def __post_init__(self) -> None:
        if not any(p.strip() for p in self.purposes):
            raise InvalidInputError("a description of intended use names at least one purpose")


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
    # The applicable minimum scale per day (or session) the agreement measures this pay
    # against, where one is agreed: Interactive Media real-time generation pays at least
    # 7.5 times it (E8).
    scale: Decimal | None = None

    def __post_init__(self) -> None:
        if self.basis is not CompensationBasis.SCALE and self.amount is None:
            raise InvalidInputError(f"a {self.basis} compensation needs an amount")
        if self.amount is not None and self.amount < 0:
            raise InvalidInputError("a compensation amount cannot be negative")
        if self.scale is not None and self.scale < 0:
            raise InvalidInputError("a scale rate cannot be negative")


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
    dubbing: bool = False  # foreign-language dubbing by replica (TV/Theatrical 2026 C7)
    max_period_of_use_ends: date | None = None  # the commercial's MPU (Commercials F5)
    nudity: bool = False  # explicitly covers nudity or sexual content (M.2 opt-in)

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
    """One use of a replica (or its creation), as reported by a production.

    ``purpose`` names the consented purpose the use relies on (one of a consent's
    ``purposes``, picked from a list); ``note`` is the production's own words, kept but
    never decisive. An ``appearance`` is a scan's or a check's question, which names no
    purpose or scenes: does any consent of the production cover this performer,
    modality and date?
    """

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
    note: str = ""
    appearance: bool = False
    character: str | None = None
    media: tuple[str, ...] = ()
    advertiser: str | None = None
    product_line: str | None = None
    new_commercial: bool = False  # a commercial the performer was not engaged for (F5)
    notice_at: datetime | None = None  # when the performer was told of the services
    engaged_at: datetime | None = None  # when the performer was engaged
    services_at: datetime | None = None  # when the services (scan, session) start
    business_reason: str = ""  # why a scan is needed (TV/Theatrical 2026 C4)
    dubbing: bool = False  # foreign-language dubbing by replica (C7)
    expressive_use: ExpressiveUse | None = None  # attested by the production
    union_notified_at: datetime | None = None  # synthetic performers (B9.1, C1)

    def __post_init__(self) -> None:
        if self.days_equivalent < 0:
            raise InvalidInputError("days_equivalent cannot be negative")
        if not self.modalities:
            raise InvalidInputError("a use names at least one modality")
        for name in ("notice_at", "engaged_at", "services_at", "union_notified_at"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                raise InvalidInputError(f"{name} needs a time zone (e.g. Z)")

    def services_start(self) -> datetime:
        """When the services begin: as given, else the start of the use's day in UTC."""
        if self.services_at is not None:
            return self.services_at
        return datetime.combine(self.date, time.min, tzinfo=UTC)

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
            "alteration": _value(self.alteration),
            "creation": self.creation,
            "real_time_generation": self.real_time_generation,
            "sexual_or_nude": self.sexual_or_nude,
            "strike_in_effect": self.strike_in_effect,
            "background_headcount_met": self.background_headcount_met,
            "distribution": list(self.distribution),
            "note": self.note,
            "appearance": self.appearance,
            "character": self.character,
            "media": list(self.media),
            "advertiser": self.advertiser,
            "product_line": self.product_line,
            "new_commercial": self.new_commercial,
            "notice_at": _moment(self.notice_at),
            "engaged_at": _moment(self.engaged_at),
            "services_at": _moment(self.services_at),
            "business_reason": self.business_reason,
            "dubbing": self.dubbing,
            "expressive_use": _value(self.expressive_use),
            "union_notified_at": _moment(self.union_notified_at),
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> UseFacts:
        """The inverse of ``to_json``, for uses read back from the database (case files
        from people are parsed, strictly, by ``rules.cases``). Uses stored before a field
        existed read it as its default."""
        alteration, expressive = data["alteration"], data.get("expressive_use")
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
            note=data.get("note", ""),
            appearance=data.get("appearance", False),
            character=data.get("character"),
            media=tuple(data.get("media", ())),
            advertiser=data.get("advertiser"),
            product_line=data.get("product_line"),
            new_commercial=data.get("new_commercial", False),
            notice_at=_parse_moment(data.get("notice_at")),
            engaged_at=_parse_moment(data.get("engaged_at")),
            services_at=_parse_moment(data.get("services_at")),
            business_reason=data.get("business_reason", ""),
            dubbing=data.get("dubbing", False),
            expressive_use=None if expressive is None else ExpressiveUse(expressive),
            union_notified_at=_parse_moment(data.get("union_notified_at")),
        )


def _value(member: StrEnum | None) -> str | None:
    return None if member is None else member.value


def _moment(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _parse_moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


@dataclass(frozen=True)
class Case:
    """Everything a coverage decision depends on; nothing else is consulted."""

    as_of: date
    performer: PerformerFacts
    production: ProductionFacts
    use: UseFacts
    consents: tuple[ConsentTerms, ...] = field(default=())
    relied_on: str | None = None  # the consent the production names for the use, if any
