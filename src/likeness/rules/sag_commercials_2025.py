"""SAG-AFTRA 2025 Commercials Contracts (rules.md Part F): from 2025-04-01, a three-year
term (to 2028-03-31)."""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import Case, ConsentTerms, ReplicaKind
from likeness.domain.decision import Reason
from likeness.rules import base
from likeness.rules.base import Findings, Rulebook
from likeness.rules.sag_tvt_2023 import notice_problem

AGREEMENT = "sag-aftra-commercials"
RULEBOOK = Rulebook(
    id="SAG-COMM-2025",
    title="SAG-AFTRA Commercials 2025",
    effective_from=date(2025, 4, 1),
    effective_until=date(2028, 3, 31),
    status="in force (collective agreement, three years)",
    clauses={
        base.GRANTED: "F6 (informed consent before creation and use)",
        base.FORM: "F3 (Digital Replica Rider or separate signed writing)",
        base.SPECIFIC: "F2 (reasonably specific description disclosed 48 h ahead)",
        base.SCOPE: "F4/F5 (new consent outside the description; same advertiser and line)",
        base.PURPOSE: "F4 (new consent outside the description)",
        base.SCENES: "F4 (new consent outside the description)",
        base.CHARACTER: "F4 (new consent outside the description)",
        base.MEDIA: "F4 (new consent outside the description)",
        base.TERRITORY: "F4 (new consent outside the description)",
        base.ADVERTISER: "F5 (same advertiser and product line)",
        base.NOTICE: "F1/F2 (48 hours' notice)",
    },
    requires_consent=True,
    agreement=AGREEMENT,
)


def applies(case: Case) -> bool:
    return case.production.agreement == AGREEMENT and RULEBOOK.in_force_on(case.use.date)


def exemption(case: Case) -> Reason | None:
    return None  # F4: alterations need consent unless the consent already included them


def check_case(case: Case, findings: Findings) -> None:
    if case.use.replica_kind is ReplicaKind.SYNTHETIC:
        findings.warn(
            RULEBOOK.cite("F7"),
            "a synthetic performer: notice, and additional compensation to the performer "
            "whose feature it uses or to the SAG-AFTRA Pension and Health fund",
        )


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    _notice(case, consent, findings)
    if case.use.new_commercial:
        _future_commercial(case, consent, findings)


def _notice(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    """F1/F2: 48 hours' notice (and the description) before the services for creation
    or use, or at engagement when engaged less than 48 hours ahead. Without a recorded
    notice, the consent's grant is when the performer last saw the description."""
    use = case.use
    notice = use.notice_at or consent.granted_at
    if notice is None:
        return
    late = notice_problem(notice, use.engaged_at, use.services_start())
    if late:
        findings.deny(RULEBOOK.cite("F1/F2"), f"consent {consent.id}: {late}", topic=base.NOTICE)


def _future_commercial(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    """F5: a consent covers a commercial the performer was not engaged for only if it is
    for the same advertiser and product line and its production starts within the
    original commercial's maximum period of use."""
    use, d, cid = case.use, consent.description, consent.id
    for field, consented, used in (
        ("advertiser", d.advertiser, use.advertiser),
        ("product line", d.product_line, use.product_line),
    ):
        if not consented or not used:
            findings.deny(
                RULEBOOK.cite("F5"),
                f"a commercial the performer was not engaged for is covered only for the same "
                f"{field}: name it on both consent {cid} and the use",
                topic=base.ADVERTISER,
            )
    ends = consent.max_period_of_use_ends
    if ends is None:
        findings.deny(
            RULEBOOK.cite("F5"),
            f"consent {cid} records no maximum period of use, so it cannot cover commercials "
            "the performer was not engaged for",
            topic=base.ADVERTISER,
        )
    elif use.date > ends:
        findings.deny(
            RULEBOOK.cite("F5"),
            f"the commercial's production ({use.date.isoformat()}) starts after the maximum "
            f"period of use of consent {cid} ended ({ends.isoformat()})",
            topic=base.ADVERTISER,
        )
