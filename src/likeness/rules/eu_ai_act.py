"""EU AI Act, Regulation (EU) 2024/1689, Article 50 transparency (rules.md Part I).

A realistic replica of a real performer is a deep fake even when licensed (Art. 3(60));
from 2026-08-02 its deployer must disclose it (Art. 50(4)). Consent never replaces the
disclosure (M.6 #4), so this is an obligation reported with the decision, not a denial.
"""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import Case, ConsentTerms
from likeness.domain.decision import Reason
from likeness.rules.base import Findings, Rulebook

EU_MEMBERS = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
EU = frozenset(["EU", *EU_MEMBERS.split(" ")])
RULEBOOK = Rulebook(
    id="EU-AIA-50",
    title="EU AI Act Art. 50",
    effective_from=date(2026, 8, 2),
    effective_until=None,
    status="in force (regulation)",
)


def applies(case: Case) -> bool:
    regions = {code.split("-")[0] for code in case.use.distribution}
    return bool(regions & EU) and RULEBOOK.in_force_on(case.use.date)


def exemption(case: Case) -> Reason | None:
    return None


def check_case(case: Case, findings: Findings) -> None:
    if not case.use.creation:
        findings.warn(
            RULEBOOK.cite("50(4)"),
            "distribution in the EU: disclose that the content is artificially generated or "
            "manipulated (a consent does not replace the disclosure)",
        )


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    return None
