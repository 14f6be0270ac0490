"""Illinois Biometric Information Privacy Act, 740 ILCS 14/15 (rules.md H.5, PRIMARY)."""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import Case, ConsentTerms
from likeness.domain.decision import Reason
from likeness.rules.base import Findings, Rulebook

JURISDICTION = "US-IL"
RULEBOOK = Rulebook(
    id="IL-BIPA",
    title="740 ILCS 14/15 (BIPA)",
    effective_from=date(2008, 10, 3),
    effective_until=None,
    status="in force (statute)",
)


def applies(case: Case) -> bool:
    return case.production.jurisdiction == JURISDICTION


def exemption(case: Case) -> Reason | None:
    return None


def check_case(case: Case, findings: Findings) -> None:
    return None


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    if consent.valid_until is None:
        findings.deny(
            RULEBOOK.cite("15(b)(2)"),
            f"consent {consent.id} states no length of term for the face or voice scan",
        )
