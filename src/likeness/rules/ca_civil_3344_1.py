"""California Civil Code §3344.1 as amended by AB 1836: deceased personalities' digital
replicas, effective 2025-01-01, for 70 years after death counted from the date of death
(rules.md H.3 and "Re-checked against primary texts", PRIMARY).

A statute, so a union agreement's own exemptions ("substantially as scripted") do not
remove it (M.6): its exceptions are its own, attested by the production.
"""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import Case, ConsentTerms, ExpressiveUse, Grantor
from likeness.domain.decision import Reason
from likeness.rules import base
from likeness.rules.base import Findings, Rulebook, protection_ends

JURISDICTION = "US-CA"
TERM_YEARS = 70
# The AB 1836 exceptions: news, public affairs, sports broadcasts, documentary,
# biographical or historical works, satire and parody, fleeting or incidental use.
EXCEPTIONS = frozenset(
    {
        ExpressiveUse.NEWS,
        ExpressiveUse.PUBLIC_AFFAIRS,
        ExpressiveUse.SPORTS,
        ExpressiveUse.DOCUMENTARY,
        ExpressiveUse.BIOGRAPHICAL,
        ExpressiveUse.HISTORICAL,
        ExpressiveUse.SATIRE,
        ExpressiveUse.PARODY,
        ExpressiveUse.FLEETING,
        ExpressiveUse.INCIDENTAL,
    }
)
RULEBOOK = Rulebook(
    id="CA-CIV-3344.1",
    title="Cal. Civil Code §3344.1",
    effective_from=date(2025, 1, 1),
    effective_until=None,
    status="in force (statute)",
    clauses={base.GRANTED: "(prior consent of the rights holder, AB 1836)"},
    requires_consent=True,
)


def term_ends(deceased_on: date) -> date:
    """The last day of the right: 70 years after death, to the day."""
    return protection_ends(deceased_on, TERM_YEARS)


def applies(case: Case) -> bool:
    performer, use = case.performer, case.use
    if performer.deceased_on is None or not performer.deceased_by(use.date):
        return False
    nexus = JURISDICTION in (case.production.jurisdiction, performer.domicile)
    return nexus and use.date <= term_ends(performer.deceased_on) and RULEBOOK.in_force_on(use.date)


def exemption(case: Case) -> Reason | None:
    attested = case.use.expressive_use
    if attested in EXCEPTIONS:
        assert attested is not None
        return Reason(
            RULEBOOK.cite("(AB 1836 exceptions)"),
            f"the production attests a {attested.value.replace('_', ' ')} use, an exception "
            "of the statute: no consent of the rights holder is needed",
        )
    return None


def check_case(case: Case, findings: Findings) -> None:
    attested = case.use.expressive_use
    if attested is not None and attested not in EXCEPTIONS:
        findings.warn(
            RULEBOOK.cite("(AB 1836 exceptions)"),
            f"a {attested.value} use is not one of the statute's exceptions (news, public "
            "affairs, sports, documentary, biographical or historical works, satire, parody, "
            "fleeting or incidental use): the rights holder's consent is still needed",
        )


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    if consent.granted_by is Grantor.UNION:
        findings.deny(
            RULEBOOK.cite("(a), (c)"),
            f"consent {consent.id} came from the union; the statutory right belongs to the "
            "persons who hold the deceased personality's rights (M.6 #5: a union consent is a "
            "contractual layer, not a substitute)",
        )
