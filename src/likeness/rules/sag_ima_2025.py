"""SAG-AFTRA 2025 Interactive Media (video game) Agreement (rules.md Part E), from 2025-07-09."""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import Alteration, Case, ConsentTerms, ReplicaKind
from likeness.domain.decision import Reason
from likeness.rules import base
from likeness.rules.base import Findings, Rulebook

AGREEMENT = "sag-aftra-interactive"
RULEBOOK = Rulebook(
    id="SAG-IMA-2025",
    title="SAG-AFTRA Interactive Media 2025",
    effective_from=date(2025, 7, 9),
    # "Governs through 2028 (Oct/Nov 2028)" (rules.md Part E): the exact day is not in
    # the reference, so the earlier reading is used and later uses are warned.
    effective_until=date(2028, 10, 31),
    status="in force (collective agreement, through 2028)",
    clauses={
        base.FORM: "E3 (separate, written, clear and conspicuous, separately signed)",
        base.SPECIFIC: "E3 (reasonably specific consent)",
        base.GRANTED: "E3 (consent before creation and use)",
        base.SCOPE: "E4 (consent for all ways AI is used)",
        base.PURPOSE: "E4 (consent for all ways AI is used)",
        base.SUSPENSION: "E6 (consent suspended during a strike)",
    },
    requires_consent=True,
    agreement=AGREEMENT,
)

# E2: the "Processing Practices" the reference lists (noise reduction, pitch adjustment,
# character rigging) are not replica uses; nothing else is exempt under that heading.
PROCESSING_PRACTICES = frozenset(
    {Alteration.NOISE_REDUCTION, Alteration.PITCH, Alteration.CHARACTER_RIGGING}
)


def applies(case: Case) -> bool:
    return case.production.agreement == AGREEMENT and RULEBOOK.in_force_on(case.use.date)


def exemption(case: Case) -> Reason | None:
    use = case.use
    if (
        use.replica_kind is ReplicaKind.DIGITAL_ALTERATION
        and use.alteration in PROCESSING_PRACTICES
        and not use.sexual_or_nude
    ):
        assert use.alteration is not None
        return Reason(
            RULEBOOK.cite("E2"),
            f"{use.alteration.value.replace('_', ' ')} is a processing practice, not a digital "
            "replica use: no consent is needed",
        )
    return None


def check_case(case: Case, findings: Findings) -> None:
    return None


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    if case.use.real_time_generation and not consent.real_time_generation:
        findings.report(
            RULEBOOK.cite("E5"),
            f"consent {consent.id} does not say the replica may drive real-time generation",
            uncertain=True,
        )
    if case.use.strike_in_effect and not case.use.creation:
        findings.warn(
            RULEBOOK.cite("E6"),
            "a strike is in effect: the performer may suspend consent to generate new material",
        )
