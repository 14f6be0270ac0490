"""What a covered use or a scan pays (rules.md M.4); every line names its rule and basis."""

from __future__ import annotations

from decimal import Decimal

from likeness.domain.consent import (
    Case,
    CompensationBasis,
    ConsentTerms,
    PerformerCategory,
    ReplicaKind,
)
from likeness.domain.decision import CompensationLine
from likeness.domain.money import Money
from likeness.rules.base import Findings, Rulebook
from likeness.rules.rates import RateRow, sag_tvt_minimums

SAG_TVT = ("SAG-TVT-2023", "SAG-TVT-2026")
SAG_IMA = "SAG-IMA-2025"
BACKGROUND_CATEGORIES = frozenset(
    {
        PerformerCategory.BACKGROUND,
        PerformerCategory.SPECIAL_ABILITY_BACKGROUND,
        PerformerCategory.STAND_IN,
    }
)
RTG_MULTIPLE = Decimal("7.5")  # rules_constants.yaml sag_ima_real_time_generation_min...


def _days(days: Decimal) -> str:
    text = format(days.normalize(), "f")
    return f"{text} day{'' if days == 1 else 's'}"


def compensate(
    case: Case, consent: ConsentTerms | None, books: list[Rulebook], findings: Findings
) -> list[CompensationLine]:
    tvt = next((b for b in books if b.id in SAG_TVT), None)
    if tvt is not None:
        return _sag_tvt(case, consent, tvt, findings)
    ima = next((b for b in books if b.id == SAG_IMA), None)
    if ima is not None and case.use.real_time_generation:
        return _real_time_generation(case, consent, ima, findings)
    return _negotiated(case, consent, "the consent's compensation terms", findings)


def _real_time_generation(
    case: Case, consent: ConsentTerms | None, book: Rulebook, findings: Findings
) -> list[CompensationLine]:
    """E8: real-time generation is bargained, at no less than 7.5 times the applicable
    minimum scale (per day or session, so times the days the use stands for unless the
    pay is flat); a lower agreed amount is raised to the floor."""
    rule = book.cite("E8")
    terms = None if consent is None else consent.compensation
    lines: list[CompensationLine] = []  # paid by the agreement's formula: the floor is the pay
    if terms is None or terms.basis is not CompensationBasis.SCALE or terms.scale is None:
        lines = _negotiated(case, consent, rule, findings)
    if terms is None or terms.scale is None:
        findings.warn(
            rule,
            "real-time generation pays at least 7.5 times the applicable scale; record the "
            "scale in the consent's compensation terms so the floor can be checked",
        )
        return lines
    flat = terms.basis is CompensationBasis.FLAT
    days = Decimal(1) if flat else case.use.days_equivalent
    floor = Money(terms.scale * RTG_MULTIPLE, terms.currency).times(days)
    paid = sum((line.amount.amount for line in lines), Decimal(0))
    if lines and paid >= floor.amount:
        return lines
    unit = "" if flat else f"{_days(days)} × "
    below = "" if not lines else f", which the agreed {Money(paid, terms.currency)} is below"
    basis = f"{unit}7.5 × {Money(terms.scale, terms.currency)} scale: the real-time floor{below}"
    return [CompensationLine(rule, basis, floor)]


def _sag_tvt(
    case: Case, consent: ConsentTerms | None, book: Rulebook, findings: Findings
) -> list[CompensationLine]:
    use, performer = case.use, case.performer
    rates = sag_tvt_minimums().on(use.date)
    if use.creation:
        if performer.category in BACKGROUND_CATEGORIES:
            rate = rates.background[performer.category]
            label = performer.category.value.replace("_", " ")
            return [_line(book.cite("B8.2"), Decimal(1), rate, f"{label} daily rate", rates)]
        findings.warn(
            book.cite("B3.4"),
            "creation-day pay for principals (one day at the higher "
            "of pro-rata and minimum) is reported, not verified [uncertain rule]",
        )
        return [_higher_of(book.cite("B3.4"), Decimal(1), performer.pro_rata_daily_rate, rates)]
    days = use.days_equivalent
    same_picture = consent is None or consent.created_for_production_id in (None, use.production_id)
    if use.replica_kind is ReplicaKind.BACKGROUND and use.as_principal:
        return [_line(book.cite("B8.3"), days, rates.day, "principal (day-performer) rate", rates)]
    if use.replica_kind is ReplicaKind.EMPLOYMENT_BASED and same_picture:
        return [_higher_of(book.cite("B4.3"), days, performer.pro_rata_daily_rate, rates)]
    clause = {
        ReplicaKind.EMPLOYMENT_BASED: "B5.2",
        ReplicaKind.INDEPENDENTLY_CREATED: "B6.2",
        ReplicaKind.BACKGROUND: "B8.5",
        ReplicaKind.DIGITAL_ALTERATION: "B7.1",
        ReplicaKind.SYNTHETIC: "B9.2",
    }[use.replica_kind]
    lines = _negotiated(case, consent, f"bargained under {book.cite(clause)}", findings)
    floor = rates.day.times(days)
    paid = sum((line.amount.amount for line in lines), Decimal(0))
    comparable = all(line.amount.currency == floor.currency for line in lines)
    floored = (ReplicaKind.EMPLOYMENT_BASED, ReplicaKind.INDEPENDENTLY_CREATED)
    if use.replica_kind in floored and comparable and paid < floor.amount:
        findings.warn(
            book.cite("B5.2/C5"),
            f"the agreed {paid:,.2f} is below the day-performer minimum for {_days(days)} "
            f"({floor}), reported by some sources as a floor [uncertain rule: warning only]",
        )
    return lines


def _higher_of(
    rule: str, days: Decimal, pro_rata: Decimal | None, rates: RateRow
) -> CompensationLine:
    minimum = rates.day
    if pro_rata is not None and pro_rata > minimum.amount:
        basis = (
            f"{_days(days)} × {Money(pro_rata, minimum.currency)} pro-rata daily rate "
            f"(above the {minimum} day-performer minimum, effective "
            f"{rates.effective_from.isoformat()})"
        )
        return CompensationLine(rule, basis, Money(pro_rata, minimum.currency).times(days))
    return _line(rule, days, minimum, "day-performer minimum", rates)


def _line(rule: str, days: Decimal, rate: Money, label: str, rates: RateRow) -> CompensationLine:
    basis = f"{_days(days)} × {rate} {label}, effective {rates.effective_from.isoformat()}"
    return CompensationLine(rule, basis, rate.times(days))


def _negotiated(
    case: Case, consent: ConsentTerms | None, rule: str, findings: Findings
) -> list[CompensationLine]:
    if consent is None:
        return []
    terms = consent.compensation
    if terms is None or terms.basis is CompensationBasis.SCALE or terms.amount is None:
        findings.warn(
            "Likeness Ledger: compensation",
            f"consent {consent.id} records no amount for this use; record the bargained terms",
        )
        return []
    amount = Money(terms.amount, terms.currency)
    if terms.basis is CompensationBasis.PER_DAY:
        days = case.use.days_equivalent
        basis = f"{_days(days)} × {amount} per day, as agreed in consent {consent.id}"
        return [CompensationLine(rule, basis, amount.times(days))]
    basis = f"{amount} flat, as agreed in consent {consent.id}"
    return [CompensationLine(rule, basis, amount)]
