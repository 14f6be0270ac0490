"""NO FAKES Act (H.R. 2794 / S. 4591) — a bill, not law (rules.md Part G).

Its licence limits are reported as warnings only, so productions can prepare.
"""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import ADULT_AGE, Case, ConsentTerms
from likeness.domain.decision import Reason
from likeness.rules.base import Findings, Rulebook
from likeness.rules.il_bipa import years_after

ADULT_MAX_YEARS = 10
MINOR_MAX_YEARS = 5
RULEBOOK = Rulebook(
    id="US-NOFAKES",
    title="NO FAKES Act (bill)",
    effective_from=date(9999, 1, 1),
    effective_until=None,
    status="bill (not law as of 2026-06)",
)


def applies(case: Case) -> bool:
    return case.production.jurisdiction is None or case.production.jurisdiction.startswith("US")


def exemption(case: Case) -> Reason | None:
    return None


def check_case(case: Case, findings: Findings) -> None:
    return None


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    if case.production.agreement.startswith("sag-aftra"):
        return  # §2(b)(2)(B)(iii): licences under a CBA that addresses replicas are carved out
    start = consent.valid_from
    minor = case.performer.age_on(start) < ADULT_AGE
    cap = MINOR_MAX_YEARS if minor else ADULT_MAX_YEARS
    limit = years_after(start, cap)
    if minor:  # §2(b)(2)(B)(ii): "but in any case terminates when the individual reaches 18"
        limit = min(limit, years_after(case.performer.date_of_birth, ADULT_AGE))
    if consent.valid_until is None or consent.valid_until > limit:
        findings.warn(
            RULEBOOK.cite("§2(b)(2)(B)"),
            f"consent {consent.id} would be valid only until {limit.isoformat()} "
            f"({cap}-year cap{', ending at 18, for minors' if minor else ''}) if the bill "
            "became law",
        )
