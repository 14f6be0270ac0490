"""Properties of the coverage decision over generated cases (Hypothesis)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from likeness.domain.consent import (
    Case,
    CompensationBasis,
    CompensationTerms,
    ConsentTerms,
    Grantor,
    Interval,
    Modality,
    PerformerCategory,
    PerformerFacts,
    ProductionFacts,
    ReplicaKind,
    UseDescription,
    UseFacts,
)
from likeness.domain.decision import Outcome
from likeness.rules.engine import evaluate

AGREEMENTS = ["sag-aftra-tv-theatrical", "sag-aftra-interactive", "sag-aftra-commercials", "none"]
JURISDICTIONS = [None, "US-CA", "US-NY", "US-IL", "DK"]
days = st.dates(min_value=date(2023, 11, 9), max_value=date(2029, 12, 31))
kinds = st.sampled_from(list(ReplicaKind))
modalities = st.frozensets(st.sampled_from(list(Modality)), min_size=1)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    use_day = draw(days)
    kind = draw(kinds)
    mods = draw(modalities)
    scenes = tuple(draw(st.lists(st.sampled_from(["1", "2", "3"]), min_size=1, unique=True)))
    purpose = draw(st.sampled_from(["complete reshoot scenes", "promotional trailer"]))
    start = use_day - timedelta(days=draw(st.integers(-30, 400)))
    consent = ConsentTerms(
        id="C1",
        production_id=draw(st.sampled_from(["F1", "F2"])),
        replica_kind=draw(st.sampled_from([kind, *list(ReplicaKind)])),
        modalities=draw(st.sampled_from([mods, frozenset(Modality)])),
        description=UseDescription(
            project="Night Shift",
            purpose="complete reshoot scenes",
            scenes=("1", "2", "3"),
            media=("streaming",),
            territory="worldwide",
            character="Vale",
        ),
        valid_from=start,
        valid_until=draw(st.sampled_from([None, start + timedelta(days=800)])),
        signed_separately=draw(st.booleans()),
        clear_and_conspicuous=draw(st.booleans()),
        granted_by=draw(st.sampled_from([None, *list(Grantor)])),
        granted_at=datetime.combine(start - timedelta(days=3), datetime.min.time(), tzinfo=UTC),
        revoked_at=draw(
            st.sampled_from(
                [None, use_day - timedelta(days=1), use_day, use_day + timedelta(days=1)]
            )
        ),
        suspended=tuple(
            draw(
                st.lists(
                    st.builds(
                        Interval,
                        start=st.just(use_day - timedelta(days=2)),
                        end=st.sampled_from([None, use_day + timedelta(days=2)]),
                    ),
                    max_size=1,
                )
            )
        ),
        compensation=draw(
            st.sampled_from(
                [
                    None,
                    CompensationTerms(CompensationBasis.FLAT, Decimal("800")),
                    CompensationTerms(CompensationBasis.PER_DAY, Decimal("1500")),
                ]
            )
        ),
    )
    return Case(
        as_of=use_day,
        performer=PerformerFacts(
            id="P1",
            category=draw(st.sampled_from(list(PerformerCategory))),
            date_of_birth=date(1990, 1, 1),
            deceased_on=draw(st.sampled_from([None, date(2024, 6, 1)])),
            pro_rata_daily_rate=draw(st.sampled_from([None, Decimal("900"), Decimal("2500")])),
        ),
        production=ProductionFacts(
            id="F1",
            kind="theatrical",
            agreement=draw(st.sampled_from(AGREEMENTS)),
            jurisdiction=draw(st.sampled_from(JURISDICTIONS)),
        ),
        consents=(consent,),
        use=UseFacts(
            production_id="F1",
            replica_kind=kind,
            modalities=mods,
            purpose=purpose,
            date=use_day,
            scenes=scenes,
            days_equivalent=Decimal(draw(st.integers(0, 20))) / 2,
            as_principal=draw(st.booleans()),
            substantially_as_scripted=draw(st.booleans()),
            creation=draw(st.booleans()),
            background_headcount_met=draw(st.sampled_from([None, True, False])),
        ),
    )


@settings(max_examples=400, deadline=None)
@given(cases())
def test_a_use_on_or_after_revocation_is_never_covered(case: Case) -> None:
    consent = case.consents[0]
    decision = evaluate(case)
    if consent.revoked_at is not None and consent.revoked_at <= case.use.date:
        assert decision.outcome is not Outcome.COVERED


@settings(max_examples=400, deadline=None)
@given(cases())
def test_decisions_are_deterministic(case: Case) -> None:
    assert evaluate(case) == evaluate(case)


@settings(max_examples=400, deadline=None)
@given(cases(), st.integers(1, 10))
def test_compensation_is_never_negative_and_never_falls_as_days_rise(case: Case, more: int) -> None:
    decision = evaluate(case)
    longer = dataclasses.replace(
        case, use=dataclasses.replace(case.use, days_equivalent=case.use.days_equivalent + more)
    )
    later = evaluate(longer)
    assert decision.total.amount >= 0
    assert all(line.amount.amount >= 0 for line in decision.compensation)
    assert sum((line.amount.amount for line in decision.compensation), Decimal(0)) == (
        decision.total.amount
    )
    if decision.outcome is later.outcome:
        assert later.total.amount >= decision.total.amount


@settings(max_examples=200, deadline=None)
@given(cases())
def test_every_reason_names_a_rule(case: Case) -> None:
    decision = evaluate(case)
    assert decision.reasons, "a decision always says why"
    for reason in (*decision.reasons, *decision.warnings):
        assert reason.rule.strip() and reason.message.strip()
    if decision.outcome is Outcome.COVERED:
        assert decision.consent_id == "C1"
    else:
        assert decision.consent_id is None
