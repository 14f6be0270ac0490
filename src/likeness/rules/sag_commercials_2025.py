"""SAG-AFTRA 2025 Commercials Contracts (rules.md Part F), from 2025-04-01."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from likeness.domain.consent import Case, ConsentTerms
from likeness.domain.decision import Reason
from likeness.rules import base
from likeness.rules.base import Findings, Rulebook

AGREEMENT = "sag-aftra-commercials"
NOTICE = timedelta(hours=48)
RULEBOOK = Rulebook(
    id="SAG-COMM-2025",
    title="SAG-AFTRA Commercials 2025",
    effective_from=date(2025, 4, 1),
    effective_until=None,
    status="in force (collective agreement, three years)",
    clauses={
        base.FORM: "F3 (Digital Replica Rider or separate signed writing)",
        base.SPECIFIC: "F2 (reasonably specific description disclosed 48 h ahead)",
        base.SCOPE: "F4/F5 (new consent outside the description; same advertiser and line)",
        base.PURPOSE: "F4 (new consent outside the description)",
        base.SCENES: "F4 (new consent outside the description)",
    },
)


def applies(case: Case) -> bool:
    return case.production.agreement == AGREEMENT and RULEBOOK.in_force_on(case.use.date)


def exemption(case: Case) -> Reason | None:
    return None  # F4: alterations need consent unless the consent already included them


def check_case(case: Case, findings: Findings) -> None:
    return None


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    if consent.granted_at is None:
        return
    services = datetime.combine(case.use.date, datetime.min.time(), tzinfo=UTC)
    if consent.granted_at > services - NOTICE:
        findings.deny(
            RULEBOOK.cite("F1/F2"),
            f"consent {consent.id} was given {consent.granted_at.isoformat()}, less than 48 hours "
            f"before the services on {case.use.date.isoformat()}",
        )
