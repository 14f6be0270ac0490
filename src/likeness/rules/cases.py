"""The conformance case format of ``likeness rules evaluate`` (docs/rules-cases.md).

Parsing is strict: every malformed field is reported by its path
(``consents[1].valid_from``), and unknown fields are refused so typos do not
silently change a decision.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from likeness.domain.consent import (
    Alteration,
    Case,
    CompensationBasis,
    CompensationTerms,
    ConsentTerms,
    ExpressiveUse,
    Grantor,
    Interval,
    Modality,
    PerformerCategory,
    PerformerFacts,
    ProductionFacts,
    ReplicaKind,
    Representation,
    UseDescription,
    UseFacts,
    utc_day,
)
from likeness.domain.production import Agreement, ProductionKind
from likeness.domain.regions import region_problem
from likeness.errors import CaseError, InvalidInputError

E = TypeVar("E", bound=StrEnum)
_CURRENCY = re.compile(r"[A-Z]{3}")
T = TypeVar("T")


class _Obj:
    """A JSON object being read, with the path used in error messages."""

    def __init__(self, data: object, path: str, allowed: set[str]) -> None:
        if not isinstance(data, Mapping):
            raise CaseError(f"{path or 'case'}: must be a JSON object")
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise CaseError(f"{_join(path, unknown[0])}: unknown field")
        self.data, self.path = data, path

    def at(self, key: str) -> str:
        return _join(self.path, key)

    def raw(self, key: str, *, required: bool) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                raise CaseError(f"{self.at(key)}: required")
            return None
        return self.data[key]

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise CaseError(f"{self.at(key)}: must be a string")
        return value

    def req_text(self, key: str) -> str:
        value = self.text(key)
        assert value is not None
        return value

    def day(self, key: str, *, required: bool = True) -> date | None:
        value = self.text(key, required=required)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CaseError(f"{self.at(key)}: {value!r} is not an ISO 8601 date") from None

    def req_day(self, key: str) -> date:
        value = self.day(key)
        assert value is not None
        return value

    def moment(self, key: str, *, bare_date: bool = True) -> datetime | None:
        """A date-time with a zone; a bare date reads as midnight UTC where ``bare_date``
        (a grant or a revocation), and is refused where the hour decides (notice)."""
        value = self.text(key, required=False)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise CaseError(f"{self.at(key)}: {value!r} is not an ISO 8601 date-time") from None
        if parsed.tzinfo is None:
            if bare_date and len(value) == 10:  # a bare date: midnight UTC
                return parsed.replace(tzinfo=UTC)
            raise CaseError(f"{self.at(key)}: give a time and a zone (e.g. T09:00:00Z)")
        return parsed

    def region(self, key: str) -> str | None:
        value = self.text(key, required=False)
        if value is None:
            return None
        problem = region_problem(value)
        if problem:
            raise CaseError(f"{self.at(key)}: {problem}")
        return value

    def regions(self, key: str) -> tuple[str, ...]:
        def one(value: object, path: str) -> str:
            text = _string(value, path)
            problem = region_problem(text)
            if problem:
                raise CaseError(f"{path}: {problem}")
            return text

        return tuple(self.items(key, one))

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.raw(key, required=False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise CaseError(f"{self.at(key)}: must be true or false")
        return value

    def maybe_flag(self, key: str) -> bool | None:
        return None if self.raw(key, required=False) is None else self.flag(key)

    def decimal(self, key: str, *, required: bool = False) -> Decimal | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise CaseError(f"{self.at(key)}: must be a number or a decimal string")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise CaseError(f"{self.at(key)}: {value!r} is not a number") from None
        if not number.is_finite() or number < 0:
            raise CaseError(f"{self.at(key)}: must be a finite, non-negative number")
        return number

    def choice(self, key: str, kind: type[E], *, required: bool = True) -> E | None:
        value = self.text(key, required=required)
        if value is None:
            return None
        try:
            return kind(value)
        except ValueError:
            options = ", ".join(m.value for m in kind)
            raise CaseError(f"{self.at(key)}: {value!r} is not one of {options}") from None

    def req_choice(self, key: str, kind: type[E]) -> E:
        value = self.choice(key, kind)
        assert value is not None
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        return tuple(self.items(key, lambda v, p: _string(v, p)))

    def items(self, key: str, parse: Callable[[object, str], T]) -> list[T]:
        value = self.raw(key, required=False)
        if value is None:
            return []
        if not isinstance(value, list):
            raise CaseError(f"{self.at(key)}: must be a list")
        return [parse(item, f"{self.at(key)}[{i}]") for i, item in enumerate(value)]

    def modalities(self, key: str) -> frozenset[Modality]:
        values = self.items(key, lambda v, p: _enum(v, p, Modality))
        if not values:
            raise CaseError(f"{self.at(key)}: name at least one of face, body, voice")
        return frozenset(values)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _string(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise CaseError(f"{path}: must be a string")
    return value


def _enum(value: object, path: str, kind: type[E]) -> E:
    try:
        return kind(_string(value, path))
    except ValueError:
        options = ", ".join(m.value for m in kind)
        raise CaseError(f"{path}: {value!r} is not one of {options}") from None


def parse_case(data: object) -> Case:
    case = _Obj(
        data,
        "",
        {
            "as_of",
            "performer",
            "production",
            "consents",
            "use",
            "relied_on",
            "expected",
            "description",
            "cites",
        },
    )
    try:
        return Case(
            as_of=case.req_day("as_of"),
            performer=_performer(case.raw("performer", required=True)),
            production=_production(case.raw("production", required=True)),
            consents=tuple(case.items("consents", _consent)),
            use=_use(case.raw("use", required=True)),
            relied_on=case.text("relied_on", required=False),
        )
    except CaseError:
        raise
    except InvalidInputError as exc:  # an invariant of a domain value
        raise CaseError(exc.message) from None


def _performer(data: object) -> PerformerFacts:
    o = _Obj(
        data,
        "performer",
        {"id", "category", "date_of_birth", "deceased_on", "pro_rata_daily_rate", "domicile"},
    )
    return PerformerFacts(
        id=o.req_text("id"),
        category=o.choice("category", PerformerCategory, required=False)
        or PerformerCategory.PRINCIPAL,
        date_of_birth=o.req_day("date_of_birth"),
        deceased_on=o.day("deceased_on", required=False),
        pro_rata_daily_rate=o.decimal("pro_rata_daily_rate"),
        domicile=o.region("domicile"),
    )


def _production(data: object) -> ProductionFacts:
    o = _Obj(data, "production", {"id", "kind", "agreement", "jurisdiction"})
    kind = o.choice("kind", ProductionKind, required=False) or ProductionKind.THEATRICAL
    # Required: a production left without one would be decided under no agreement.
    agreement = o.req_choice("agreement", Agreement)
    return ProductionFacts(
        id=o.req_text("id"),
        kind=kind.value,
        agreement=agreement.value,
        jurisdiction=o.region("jurisdiction"),
    )


def _consent(data: object, path: str) -> ConsentTerms:
    o = _Obj(
        data,
        path,
        {
            "id",
            "production_id",
            "replica_kind",
            "modalities",
            "description",
            "signed_separately",
            "clear_and_conspicuous",
            "granted_by",
            "granted_at",
            "valid_from",
            "valid_until",
            "revoked_at",
            "suspended",
            "compensation",
            "representation",
            "real_time_generation",
            "created_for_production_id",
            "dubbing",
            "max_period_of_use_ends",
            "nudity",
        },
    )
    revoked = o.moment("revoked_at")
    return ConsentTerms(
        id=o.req_text("id"),
        production_id=o.req_text("production_id"),
        replica_kind=o.req_choice("replica_kind", ReplicaKind),
        modalities=o.modalities("modalities"),
        description=_description(o.raw("description", required=True), o.at("description")),
        signed_separately=o.flag("signed_separately"),
        clear_and_conspicuous=o.flag("clear_and_conspicuous"),
        granted_by=o.choice("granted_by", Grantor, required=False),
        granted_at=o.moment("granted_at"),
        valid_from=o.req_day("valid_from"),
        valid_until=o.day("valid_until", required=False),
        revoked_at=None if revoked is None else utc_day(revoked),
        suspended=tuple(o.items("suspended", _interval)),
        compensation=_compensation(o.raw("compensation", required=False), o.at("compensation")),
        representation=o.choice("representation", Representation, required=False),
        real_time_generation=o.flag("real_time_generation"),
        created_for_production_id=o.text("created_for_production_id", required=False),
        dubbing=o.flag("dubbing"),
        max_period_of_use_ends=o.day("max_period_of_use_ends", required=False),
        nudity=o.flag("nudity"),
    )


def _description(data: object, path: str) -> UseDescription:
    o = _Obj(
        data,
        path,
        {
            "project",
            "character",
            "scenes",
            "purposes",
            "purpose",
            "media",
            "territory",
            "advertiser",
            "product_line",
        },
    )
    return UseDescription(
        project=o.req_text("project"),
        purposes=_purposes(o),
        character=o.text("character", required=False),
        scenes=o.texts("scenes"),
        media=o.texts("media"),
        territory=o.text("territory", required=False),
        advertiser=o.text("advertiser", required=False),
        product_line=o.text("product_line", required=False),
    )


def _purposes(o: _Obj) -> tuple[str, ...]:
    """``purposes`` (a list); a single ``purpose`` is read as a list of one."""
    if o.raw("purpose", required=False) is not None:
        if o.raw("purposes", required=False) is not None:
            raise CaseError(f"{o.at('purpose')}: give purposes or purpose, not both")
        return (o.req_text("purpose"),)
    purposes = o.texts("purposes")
    if not any(p.strip() for p in purposes):
        raise CaseError(f"{o.at('purposes')}: required (name at least one purpose)")
    return purposes


def _interval(data: object, path: str) -> Interval:
    o = _Obj(data, path, {"from", "until"})
    start = o.req_day("from")
    end = o.day("until", required=False)
    if end is not None and end < start:
        raise CaseError(f"{o.at('until')}: before {o.at('from')}")
    return Interval(start, end)


def _compensation(data: object, path: str) -> CompensationTerms | None:
    if data is None:
        return None
    o = _Obj(data, path, {"basis", "amount", "currency", "scale"})
    currency = o.text("currency", required=False) or "USD"
    if _CURRENCY.fullmatch(currency) is None:
        raise CaseError(f"{o.at('currency')}: {currency!r} is not an ISO 4217 code (e.g. USD)")
    basis = o.req_choice("basis", CompensationBasis)
    amount = o.decimal("amount", required=basis is not CompensationBasis.SCALE)
    return CompensationTerms(
        basis=basis, amount=amount, currency=currency, scale=o.decimal("scale")
    )


def _use(data: object) -> UseFacts:
    o = _Obj(
        data,
        "use",
        {
            "production_id",
            "replica_kind",
            "modalities",
            "scenes",
            "purpose",
            "date",
            "days_equivalent",
            "as_principal",
            "substantially_as_scripted",
            "alteration",
            "creation",
            "real_time_generation",
            "sexual_or_nude",
            "strike_in_effect",
            "background_headcount_met",
            "distribution",
            "note",
            "appearance",
            "character",
            "media",
            "advertiser",
            "product_line",
            "new_commercial",
            "notice_at",
            "engaged_at",
            "services_at",
            "business_reason",
            "dubbing",
            "expressive_use",
            "union_notified_at",
        },
    )
    return UseFacts(
        production_id=o.req_text("production_id"),
        replica_kind=o.req_choice("replica_kind", ReplicaKind),
        modalities=o.modalities("modalities"),
        purpose=o.text("purpose", required=False) or "",
        date=o.req_day("date"),
        scenes=o.texts("scenes"),
        days_equivalent=_days(o.decimal("days_equivalent")),
        as_principal=o.flag("as_principal"),
        substantially_as_scripted=o.flag("substantially_as_scripted"),
        alteration=o.choice("alteration", Alteration, required=False),
        creation=o.flag("creation"),
        real_time_generation=o.flag("real_time_generation"),
        sexual_or_nude=o.flag("sexual_or_nude"),
        strike_in_effect=o.flag("strike_in_effect"),
        background_headcount_met=o.maybe_flag("background_headcount_met"),
        distribution=o.regions("distribution"),
        note=o.text("note", required=False) or "",
        appearance=o.flag("appearance"),
        character=o.text("character", required=False),
        media=o.texts("media"),
        advertiser=o.text("advertiser", required=False),
        product_line=o.text("product_line", required=False),
        new_commercial=o.flag("new_commercial"),
        notice_at=o.moment("notice_at", bare_date=False),
        engaged_at=o.moment("engaged_at", bare_date=False),
        services_at=o.moment("services_at", bare_date=False),
        business_reason=o.text("business_reason", required=False) or "",
        dubbing=o.flag("dubbing"),
        expressive_use=o.choice("expressive_use", ExpressiveUse, required=False),
        union_notified_at=o.moment("union_notified_at", bare_date=False),
    )


def _days(given: Decimal | None) -> Decimal:
    """Days the use stands for: one when not given (an explicit 0 stays 0)."""
    return Decimal(1) if given is None else given
