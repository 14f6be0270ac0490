"""SAG-AFTRA 2026 TV/Theatrical Agreement (rules.md Part C): 2026-07-01 to 2030-06-30.

Carries the 2023 replica rules forward and adds strike protection (C2, SECONDARY), an
articulable business reason for a scan (C4, SECONDARY), consent for foreign-language
dubbing (C7, SECONDARY; its trigger is in conflict), synthetics (C1, SECONDARY),
minors (C3, detail UNCERTAIN) and ICDR minimums (C5, UNCERTAIN).
"""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import ADULT_AGE, Case, ConsentTerms
from likeness.domain.decision import Reason
from likeness.rules import sag_tvt_2023
from likeness.rules.base import Findings, Rulebook

# C7: dubbing by replica needs consent "for performer contracts from 2027-07-01" or "for
# pictures commencing principal photography on or after 2027-07-01" (the sources
# conflict). Neither date is recorded, so every dub on or after the date needs it.
DUB_CONSENT_FROM = date(2027, 7, 1)

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
    requires_consent=True,
    agreement=sag_tvt_2023.AGREEMENT,
)


def applies(case: Case) -> bool:
    return case.production.agreement == sag_tvt_2023.AGREEMENT and RULEBOOK.in_force_on(
        case.use.date
    )


def exemption(case: Case) -> Reason | None:
    if case.use.dubbing and case.use.date >= DUB_CONSENT_FROM:
        return None  # C7: a dub is not an exempt "dialogue adjustment" any more
    return sag_tvt_2023.scripted_or_listed_alteration(case, RULEBOOK)


def check_case(case: Case, findings: Findings) -> None:
    sag_tvt_2023.synthetic_notice(case, findings, RULEBOOK, "C1")
    if case.use.sexual_or_nude and case.performer.age_on(case.use.date) < ADULT_AGE:
        findings.warn(
            RULEBOOK.cite("C3"),
            "a minor's replica may reportedly not depict nudity or sexual activity, including "
            "by aging up [uncertain rule: warning only]",
        )


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    use = case.use
    if use.strike_in_effect:
        findings.deny(
            RULEBOOK.cite("C2"),
            "a replica may not cross a picket line: no use that needs consent during a "
            "SAG-AFTRA strike",
        )
    sag_tvt_2023.check_background_and_death(case, consent, findings, RULEBOOK)
    sag_tvt_2023.check_notice(case, findings, RULEBOOK, "B3.1, carried forward")
    if use.creation and not use.business_reason.strip():
        findings.deny(
            RULEBOOK.cite("C4"),
            "a scan for a digital replica needs an articulable business reason; record why "
            "this scan is needed",
        )
    if use.dubbing and use.date >= DUB_CONSENT_FROM and not consent.dubbing:
        findings.deny(
            RULEBOOK.cite("C7"),
            f"consent {consent.id} does not cover dubbing the performer's voice into another "
            f"language, which needs consent from {DUB_CONSENT_FROM.isoformat()} (applied to "
            "every dub from that date: the sources differ on the trigger)",
        )
