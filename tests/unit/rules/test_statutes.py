"""The issue-13 statutes' date arithmetic and consent details at their edges (rules.md
H.1, H.4, H.5). Expected days written out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from likeness.domain.consent import (
    Case,
    CompensationBasis,
    CompensationTerms,
    ConsentTerms,
    Modality,
    PerformerCategory,
    PerformerFacts,
    ProductionFacts,
    ReplicaKind,
    UseDescription,
    UseFacts,
)
from likeness.rules import il_dvlpa, ny_civil_50f, ny_fashion_workers, tn_elvis
from likeness.rules.base import Findings

DESCRIPTION = UseDescription(
    project="Aurelle spring 2026 campaign",
    purposes=("model the spring collection in online lookbook images",),
    media=("brand website",),
    territory="United States",
)


def consent(
    *,
    granted_at: datetime | None = None,
    compensation: CompensationTerms | None = None,
    valid_until: date | None = date(2026, 3, 31),
) -> ConsentTerms:
    return ConsentTerms(
        id="C1",
        production_id="M1",
        replica_kind=ReplicaKind.INDEPENDENTLY_CREATED,
        modalities=frozenset({Modality.FACE}),
        description=DESCRIPTION,
        valid_from=date(2025, 8, 10),
        valid_until=valid_until,
        signed_separately=True,
        clear_and_conspicuous=True,
        granted_at=granted_at,
        compensation=compensation,
    )


def test_50f_runs_40_years_to_the_day() -> None:
    assert ny_civil_50f.term_ends(date(2021, 6, 1)) == date(2061, 6, 1)
    assert ny_civil_50f.term_ends(date(2024, 2, 29)) == date(2064, 2, 29)  # a leap year


def test_elvis_initial_term_is_ten_years_and_29_february_runs_to_1_march() -> None:
    assert tn_elvis.initial_term_ends(date(2020, 2, 2)) == date(2030, 2, 2)
    # A protection is never cut short: 2034 has no 29 February, so it runs to 1 March.
    assert tn_elvis.initial_term_ends(date(2024, 2, 29)) == date(2034, 3, 1)


@pytest.mark.parametrize(
    ("granted_at", "under_the_act"),
    [
        (datetime(2024, 8, 9, 0, 0, tzinfo=UTC), True),
        (datetime(2024, 8, 8, 23, 59, tzinfo=UTC), False),
        # 2024-08-09 01:00 in Tokyo is 2024-08-08 16:00 UTC: before the Act.
        (datetime(2024, 8, 9, 1, 0, tzinfo=timezone(timedelta(hours=9))), False),
        (None, False),
    ],
)
def test_dvlpa_reaches_consents_granted_from_its_effective_day_in_utc(
    granted_at: datetime | None, under_the_act: bool
) -> None:
    assert il_dvlpa.entered_under_the_act(consent(granted_at=granted_at)) is under_the_act


@pytest.mark.parametrize(
    ("compensation", "refused"),
    [
        (None, True),
        (CompensationTerms(CompensationBasis.SCALE), True),  # "at scale", no figure
        (CompensationTerms(CompensationBasis.SCALE, scale=Decimal("1246")), False),
        (CompensationTerms(CompensationBasis.PER_DAY, Decimal("900")), False),
    ],
)
def test_fwa_rate_of_pay_needs_a_figure(
    compensation: CompensationTerms | None, refused: bool
) -> None:
    findings = Findings()
    ny_fashion_workers.check_consent(_case(), consent(compensation=compensation), findings)
    assert any("rate of pay" in r.message for r in findings.denials) is refused


def _case() -> Case:
    """A New York model's replica used on 2025-10-01 (the Act in force since 2025-06-19)."""
    return Case(
        as_of=date(2025, 10, 1),
        performer=PerformerFacts("P1", PerformerCategory.MODEL, date(1990, 1, 1)),
        production=ProductionFacts("M1", "commercial", "none", "US-NY"),
        use=UseFacts(
            production_id="M1",
            replica_kind=ReplicaKind.INDEPENDENTLY_CREATED,
            modalities=frozenset({Modality.FACE}),
            purpose="model the spring collection in online lookbook images",
            date=date(2025, 10, 1),
        ),
    )
