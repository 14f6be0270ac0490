"""California Civil Code §3344.1 (AB 1836): deceased personalities' digital replicas,
effective 2025-01-01, 70 years after death (rules.md H.3, PRIMARY digest)."""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import Case, ConsentTerms, Grantor
from likeness.domain.decision import Reason
from likeness.rules.base import Findings, Rulebook

JURISDICTION = "US-CA"
TERM_YEARS = 70
RULEBOOK = Rulebook(
    id="CA-CIV-3344.1",
    title="Cal. Civil Code §3344.1",
    effective_from=date(2025, 1, 1),
    effective_until=None,
    status="in force (statute)",
)


def applies(case: Case) -> bool:
    performer, use = case.performer, case.use
    if performer.deceased_on is None or not performer.deceased_by(use.date):
        return False
    nexus = JURISDICTION in (case.production.jurisdiction, performer.domicile)
    within_term = use.date.year - performer.deceased_on.year <= TERM_YEARS
    return nexus and within_term and RULEBOOK.in_force_on(use.date)


def exemption(case: Case) -> Reason | None:
    return None  # news, documentary, satire and the like need a person's review (H.3 CA6)


def check_case(case: Case, findings: Findings) -> None:
    return None


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    if consent.granted_by is Grantor.UNION:
        findings.deny(
            RULEBOOK.cite("(a), (c)"),
            f"consent {consent.id} came from the union; the statutory right belongs to the "
            "persons who hold the deceased personality's rights (M.6 #5: a union consent is a "
            "contractual layer, not a substitute)",
        )
