"""Illinois Digital Voice and Likeness Protection Act (HB 4762, P.A. 103-0830), effective
2024-08-09 (rules.md H.5 IL6 and M.6 #2, SECONDARY: vulcanbills, billsponsor, regulon;
rules_constants.yaml il_dvlpa_effective).

A CA-927-style rule: a digital-replica provision is unenforceable when it allows a
replica in place of work the individual would otherwise have performed in person, lacks
a reasonably specific description of the intended uses, and the individual had neither
counsel (terms in writing) nor a union whose agreement expressly addresses digital
replicas. It concerns agreements entered after the effective date, read here as
consents granted on or after 2024-08-09; an earlier consent is not affected.

It is about the enforceability of the consent, not a requirement of consent for a use,
so it exempts nothing and requires nothing beyond the consent it judges.
"""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import Case, ConsentTerms, utc_day
from likeness.domain.decision import Reason
from likeness.rules import base
from likeness.rules.base import Findings, Rulebook
from likeness.rules.ca_labor_927 import unenforceable_provision

JURISDICTION = "US-IL"
UNENFORCEABLE = "(digital-replica provision unenforceable)"

RULEBOOK = Rulebook(
    id="IL-DVLPA",
    title="Ill. Digital Voice and Likeness Protection Act (P.A. 103-0830)",
    effective_from=date(2024, 8, 9),
    effective_until=None,
    status="in force (statute)",
    clauses={base.SPECIFIC: "(reasonably specific description of the intended uses)"},
)


def entered_under_the_act(consent: ConsentTerms) -> bool:
    """Whether the consent was granted on or after the Act's effective date."""
    granted = consent.granted_at
    return granted is not None and RULEBOOK.in_force_on(utc_day(granted))


def applies(case: Case) -> bool:
    in_illinois = case.production.jurisdiction == JURISDICTION
    return in_illinois and any(entered_under_the_act(c) for c in case.consents)


def exemption(case: Case) -> Reason | None:
    return None


def check_case(case: Case, findings: Findings) -> None:
    return None


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    if entered_under_the_act(consent):
        unenforceable_provision(case, consent, findings, RULEBOOK, UNENFORCEABLE)
