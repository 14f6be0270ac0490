"""SAG-AFTRA 2023 TV/Theatrical Agreement (rules.md Part B): 2023-11-09 to 2026-06-30.

Sources as tagged in the reference: Digital Replicas 101 [OFFICIAL-SUMMARY];
TheWrap, Backstage, DLA Piper, WIRED quoting the MOA [SECONDARY].
"""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import Alteration, Case, ConsentTerms, Grantor, ReplicaKind
from likeness.domain.decision import Reason
from likeness.rules import base
from likeness.rules.base import Findings, Rulebook

AGREEMENT = "sag-aftra-tv-theatrical"
AI_TERMS_REPORTED_FROM = date(2024, 3, 4)  # ~90 days after 2023-12-05 ratification [UNCERTAIN]

RULEBOOK = Rulebook(
    id="SAG-TVT-2023",
    title="SAG-AFTRA TV/Theatrical 2023",
    effective_from=date(2023, 11, 9),
    effective_until=date(2026, 6, 30),
    status="in force (collective agreement)",
    clauses={
        base.GRANTED: "B2.1 (informed consent)",
        base.SCOPE: "B2.5/B5.1 (new consent for each other project)",
        base.KIND: "B1 (replica definitions)",
        base.MODALITY: "B2.1 (consent to the specific use)",
        base.SCENES: "B2.4 (reasonably specific description)",
        base.PURPOSE: "B2.4 (reasonably specific description)",
        base.TERM: "B2.9 (no blanket licence)",
        base.REVOCATION: "B2.9 (no blanket licence)",
        base.FORM: "B2.3 (clear and conspicuous, separately signed)",
        base.SPECIFIC: "B2.4 (reasonably specific description)",
        base.GRANTOR: "B2.7 (deceased performers: representative, else union)",
    },
)

# B7.2: alterations that need no consent.
EXEMPT_ALTERATIONS = frozenset(Alteration)
SCRIPTED_KINDS = frozenset({ReplicaKind.EMPLOYMENT_BASED, ReplicaKind.DIGITAL_ALTERATION})


def applies(case: Case) -> bool:
    return case.production.agreement == AGREEMENT and RULEBOOK.in_force_on(case.use.date)


def exemption(case: Case) -> Reason | None:
    return scripted_or_listed_alteration(case, RULEBOOK)


def scripted_or_listed_alteration(case: Case, book: Rulebook) -> Reason | None:
    use = case.use
    if use.creation:
        return None
    if use.substantially_as_scripted and use.replica_kind in SCRIPTED_KINDS:
        clause = "B4.2" if use.replica_kind is ReplicaKind.EMPLOYMENT_BASED else "B7.1"
        return Reason(
            book.cite(clause),
            "the photography or soundtrack remains substantially as scripted, performed or "
            "recorded (producer's attestation): no consent or payment is needed",
        )
    if use.replica_kind is ReplicaKind.DIGITAL_ALTERATION and use.alteration in EXEMPT_ALTERATIONS:
        assert use.alteration is not None
        return Reason(
            book.cite("B7.2"),
            f"an alteration for {use.alteration.value.replace('_', ' ')} is a listed purpose "
            "that needs no consent",
        )
    return None


def check_case(case: Case, findings: Findings) -> None:
    if case.use.date < AI_TERMS_REPORTED_FROM:
        findings.warn(
            RULEBOOK.cite("status"),
            "the AI terms reportedly took effect about 90 days after ratification "
            f"({AI_TERMS_REPORTED_FROM.isoformat()}); this use is dated earlier [uncertain rule: "
            "warning only]",
        )


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    check_background_and_death(case, consent, findings, RULEBOOK)


def check_background_and_death(
    case: Case, consent: ConsentTerms, findings: Findings, book: Rulebook
) -> None:
    use = case.use
    if use.replica_kind is ReplicaKind.BACKGROUND and not use.creation:
        if use.background_headcount_met is False:
            findings.deny(
                book.cite("B8.4"),
                "background replicas may not replace the background actors the production must "
                "engage that day, and the required headcount is not met",
            )
        elif use.background_headcount_met is None:
            findings.warn(
                book.cite("B8.4"),
                "the use does not attest that the required human background headcount is met",
            )
    if consent.granted_by is Grantor.PERFORMER and case.performer.deceased_by(use.date):
        findings.warn(
            book.cite("B2.8"),
            f"consent {consent.id} was given in life; that it continues after death unless "
            "limited is reported but unverified [uncertain rule: warning only]",
        )
