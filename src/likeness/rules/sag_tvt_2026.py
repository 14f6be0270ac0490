"""SAG-AFTRA 2026 TV/Theatrical Agreement (rules.md Part C): 2026-07-01 to 2030-06-30.

Carries the 2023 replica rules forward and adds strike protection (C2, SECONDARY),
minors (C3, detail UNCERTAIN) and ICDR minimums (C5, UNCERTAIN).
"""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import Case, ConsentTerms
from likeness.domain.decision import Reason
from likeness.rules import sag_tvt_2023
from likeness.rules.base import Findings, Rulebook

RULEBOOK = Rulebook(
    id="SAG-TVT-2026",
    title="SAG-AFTRA TV/Theatrical 2026",
    effective_from=date(2026, 7, 1),
    effective_until=date(2030, 6, 30),
    status="in force (collective agreement)",
    clauses={
        topic: f"{citation}, carried forward"
        for topic, citation in sag_tvt_2023.RULEBOOK.clauses.items()
    },
)


def applies(case: Case) -> bool:
    return case.production.agreement == sag_tvt_2023.AGREEMENT and RULEBOOK.in_force_on(
        case.use.date
    )


def exemption(case: Case) -> Reason | None:
    return sag_tvt_2023.scripted_or_listed_alteration(case, RULEBOOK)


def check_case(case: Case, findings: Findings) -> None:
    if case.use.sexual_or_nude and case.performer.age_on(case.use.date) < 18:
        findings.warn(
            RULEBOOK.cite("C3"),
            "a minor's replica may reportedly not depict nudity or sexual activity, including "
            "by aging up [uncertain rule: warning only]",
        )


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    if case.use.strike_in_effect:
        findings.deny(
            RULEBOOK.cite("C2"),
            "a replica may not cross a picket line: no use that needs consent during a "
            "SAG-AFTRA strike",
        )
    sag_tvt_2023.check_background_and_death(case, consent, findings, RULEBOOK)
