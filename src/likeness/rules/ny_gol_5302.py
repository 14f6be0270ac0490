"""New York General Obligations Law §5-302, effective 2025-01-01 (rules.md H.4, PRIMARY)."""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import Case, ConsentTerms
from likeness.domain.decision import Reason
from likeness.rules import base
from likeness.rules.base import Findings, Rulebook
from likeness.rules.ca_labor_927 import unenforceable_provision

JURISDICTION = "US-NY"
RULEBOOK = Rulebook(
    id="NY-GOL-5-302",
    title="N.Y. Gen. Oblig. Law §5-302",
    effective_from=date(2025, 1, 1),
    effective_until=None,
    status="in force (statute)",
    clauses={base.SPECIFIC: "(1)(b) (reasonably specific description of the intended use)"},
)


def applies(case: Case) -> bool:
    return case.production.jurisdiction == JURISDICTION and RULEBOOK.in_force_on(case.use.date)


def exemption(case: Case) -> Reason | None:
    return None


def check_case(case: Case, findings: Findings) -> None:
    return None


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    unenforceable_provision(case, consent, findings, RULEBOOK, "(1)")
