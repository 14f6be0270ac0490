"""What an outsider (a platform) is told of a decision: the outcome, the rules and each
reason's topic in its own terms, never a consent id, a consented purpose, a date or pay."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from likeness.domain.consent import (
    Case,
    ConsentTerms,
    Grantor,
    Modality,
    PerformerCategory,
    PerformerFacts,
    ProductionFacts,
    ReplicaKind,
    UseDescription,
    UseFacts,
)
from likeness.domain.decision import Audience, Decision, Outcome, Reason
from likeness.domain.money import Money
from likeness.rules import base
from likeness.rules.engine import evaluate

CONSENT = "01J5CONSENT0000000000000AA"
PURPOSE = "walk through the night market in scene 12"
START, END = date(2026, 2, 3), date(2026, 9, 30)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _case(*, purpose: str, day: date, modalities: frozenset[Modality]) -> Case:
    consent = ConsentTerms(
        id=CONSENT,
        production_id="01J5PRODUCTION0000000000AA",
        replica_kind=ReplicaKind.EMPLOYMENT_BASED,
        modalities=frozenset({Modality.FACE}),
        description=UseDescription(
            project="Night Market",
            purposes=(PURPOSE,),
            media=("theatrical release",),
            territory="worldwide",
        ),
        valid_from=START,
        valid_until=END,
        granted_by=Grantor.PERFORMER,
        granted_at=None,
        signed_separately=False,
        clear_and_conspicuous=True,
    )
    return Case(
        as_of=day,
        performer=PerformerFacts(
            id="01J5PERFORMER00000000000AA",
            category=PerformerCategory.PRINCIPAL,
            date_of_birth=date(1990, 1, 1),
            pro_rata_daily_rate=Decimal("1500"),
        ),
        production=ProductionFacts(
            id="01J5PRODUCTION0000000000AA",
            kind="theatrical",
            agreement="sag_aftra_tv_theatrical",
            jurisdiction="US-CA",
        ),
        consents=(consent,),
        use=UseFacts(
            production_id="01J5PRODUCTION0000000000AA",
            replica_kind=ReplicaKind.EMPLOYMENT_BASED,
            modalities=modalities,
            purpose=purpose,
            date=day,
        ),
    )


def test_a_party_reads_the_decision_whole() -> None:
    decision = evaluate(
        _case(purpose="sell cars", day=date(2026, 11, 1), modalities=frozenset({Modality.VOICE}))
    )
    assert decision.seen_by(Audience.PARTY) is decision
    assert any(CONSENT in r.message for r in decision.reasons)


def test_an_outsider_reads_no_consent_id_purpose_or_date() -> None:
    case = _case(purpose="sell cars", day=date(2026, 11, 1), modalities=frozenset({Modality.VOICE}))
    decision = evaluate(case)
    told = decision.seen_by(Audience.OUTSIDER)
    assert told.outcome is Outcome.NOT_COVERED
    text = repr(told)
    assert CONSENT not in text and PURPOSE not in text
    assert DATE.findall(" ".join(r.message for r in (*told.reasons, *told.warnings))) == []
    topics = {r.topic for r in told.reasons}
    # Each failed check is told once, by topic: purpose, modality, term, grant and form.
    assert topics >= {base.PURPOSE, base.MODALITY, base.TERM, base.GRANTED, base.FORM}
    assert len(told.reasons) == len({(r.rule, r.message) for r in told.reasons})
    assert told.consent_id is None
    assert told.compensation == () and told.total.amount == 0


def test_every_consent_check_topic_has_its_own_outsider_words() -> None:
    topics = [base.GRANTED, base.SCOPE, base.KIND, base.MODALITY, base.SCENES, base.PURPOSE]
    topics += [base.TERM, base.REVOCATION, base.SUSPENSION, base.FORM, base.SPECIFIC]
    topics += [base.GRANTOR, base.COVERS, base.CHARACTER, base.MEDIA, base.TERRITORY]
    topics += [base.ADVERTISER, base.SIGNER, base.MINOR, base.NOTICE, base.CONTENT]
    told = [
        Reason("rule", f"consent {CONSENT} ({topic})", topic).for_outsider() for topic in topics
    ]
    messages = [r.message for r in told if r is not None]
    assert len(messages) == len(topics)
    assert len(set(messages)) == len(topics)  # none falls back to the generic sentence
    assert all(CONSENT not in m for m in messages)


@pytest.mark.parametrize(
    ("topic", "verbatim"),
    [(base.EXEMPTION, True), (base.CASE, True), ("", False)],
)
def test_an_outsider_reads_exemptions_and_case_findings_as_they_are(
    topic: str, verbatim: bool
) -> None:
    reason = Reason("NY GOL 5-302", "the performer was a minor at recording", topic)
    told = reason.for_outsider()
    assert told is not None
    assert (told == reason) is verbatim


def test_an_outsider_is_not_told_what_is_paid() -> None:
    paid = Reason("B5.2", f"consent {CONSENT} records no amount", base.COMPENSATION)
    decision = Decision(
        outcome=Outcome.COVERED,
        consent_id=CONSENT,
        reasons=(Reason("B2.1", f"consent {CONSENT} covers this use", base.COVERS),),
        warnings=(paid,),
        compensation=(),
        total=Money(Decimal("2500.00"), "USD"),
        regimes=("SAG-TVT-2023",),
        rulebook_version="v",
    )
    told = decision.seen_by(Audience.OUTSIDER)
    assert told.warnings == ()
    assert told.reasons == (Reason("B2.1", "a consent on file covers this use", base.COVERS),)
    assert told.total == Money(Decimal(0), "USD")


def test_a_reason_round_trips_its_topic_and_reads_old_records_without_one() -> None:
    reason = Reason("r", "m", base.TERM)
    assert Reason.from_json(reason.to_json()) == reason
    assert Reason.from_json({"rule": "r", "message": "m"}) == Reason("r", "m", "")
