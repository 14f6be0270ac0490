"""SAG-AFTRA 2023 TV/Theatrical Agreement (rules.md Part B): 2023-11-09 to 2026-06-30.

Sources as tagged in the reference: Digital Replicas 101 [OFFICIAL-SUMMARY];
TheWrap, Backstage, DLA Piper, WIRED quoting the MOA [SECONDARY].
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from likeness.domain.consent import Alteration, Case, ConsentTerms, Grantor, ReplicaKind
from likeness.domain.decision import Reason
from likeness.rules import base
from likeness.rules.base import Findings, Rulebook

AGREEMENT = "sag-aftra-tv-theatrical"
AI_TERMS_REPORTED_FROM = date(2024, 3, 4)  # ~90 days after 2023-12-05 ratification [UNCERTAIN]
NOTICE = timedelta(hours=48)  # B3.1, rules_constants.yaml sag_notice_hours_before_dr_services

RULEBOOK = Rulebook(
    id="SAG-TVT-2023",
    title="SAG-AFTRA TV/Theatrical 2023",
    effective_from=date(2023, 11, 9),
    effective_until=date(2026, 6, 30),
    status="in force (collective agreement)",
    clauses={
        base.GRANTED: "B2.1 (informed consent)",
        base.SCOPE: "B2.5/B5.1 (new consent for each other project)",
        base.KIND: "B1 (replica definitions)",
        base.MODALITY: "B2.1 (consent to the specific use)",
        base.SCENES: "B2.4 (reasonably specific description)",
        base.PURPOSE: "B2.4 (reasonably specific description)",
        base.TERM: "B2.9 (no blanket licence)",
        base.REVOCATION: "B2.9 (no blanket licence)",
        base.CHARACTER: "B2.4 (reasonably specific description)",
        base.MEDIA: "B2.4 (reasonably specific description)",
        base.TERRITORY: "B2.4 (reasonably specific description)",
        base.FORM: "B2.3 (clear and conspicuous, separately signed)",
        base.SPECIFIC: "B2.4 (reasonably specific description)",
        base.GRANTOR: "B2.7 (deceased performers: representative, else union)",
        base.SIGNER: "B2.3 (a separate writing signed by the performer)",
        base.NOTICE: "B3.1 (48 hours' notice before creation services)",
    },
    requires_consent=True,
    agreement=AGREEMENT,
)

# B7.2: alteration purposes that need no consent when the result also remains
# substantially as scripted, performed or recorded (B.7 machine form). Character
# rigging is an Interactive Media processing practice, not a listed purpose here.
EXEMPT_ALTERATIONS = frozenset(Alteration) - {Alteration.CHARACTER_RIGGING}
SCRIPTED_KINDS = frozenset({ReplicaKind.EMPLOYMENT_BASED, ReplicaKind.DIGITAL_ALTERATION})


def applies(case: Case) -> bool:
    return case.production.agreement == AGREEMENT and RULEBOOK.in_force_on(case.use.date)


def exemption(case: Case) -> Reason | None:
    return scripted_or_listed_alteration(case, RULEBOOK)


def scripted_or_listed_alteration(case: Case, book: Rulebook) -> Reason | None:
    """B4.2 / B7.1 / B7.2. Never for a scan, and never when the use adds nudity or sexual
    content: that is not "substantially as recorded" whatever is attested."""
    use = case.use
    if use.creation or use.sexual_or_nude or not use.substantially_as_scripted:
        return None
    if use.replica_kind is ReplicaKind.EMPLOYMENT_BASED:
        return Reason(
            book.cite("B4.2"),
            "the photography or soundtrack remains substantially as scripted, performed or "
            "recorded (producer's attestation): no consent or payment is needed",
        )
    if use.replica_kind is not ReplicaKind.DIGITAL_ALTERATION:
        return None
    # B.7 machine form: an alteration needs consent unless its purpose is a listed one
    # *and* the result stays substantially as recorded; as recorded alone is not enough.
    if use.alteration in EXEMPT_ALTERATIONS:
        return Reason(
            book.cite("B7.2"),
            f"an alteration for {use.alteration.value.replace('_', ' ')} is a listed purpose, "
            "and the result remains substantially as recorded: no consent is needed",
        )
    return None


def check_case(case: Case, findings: Findings) -> None:
    synthetic_notice(case, findings, RULEBOOK, "B9.1")
    if case.use.date < AI_TERMS_REPORTED_FROM:
        findings.warn(
            RULEBOOK.cite("status"),
            "the AI terms reportedly took effect about 90 days after ratification "
            f"({AI_TERMS_REPORTED_FROM.isoformat()}); this use is dated earlier [uncertain rule: "
            "warning only]",
        )


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    check_background_and_death(case, consent, findings, RULEBOOK)
    check_notice(case, findings, RULEBOOK, "B3.1")
    if case.use.dubbing:
        findings.warn(
            RULEBOOK.cite("B7.3"),
            "foreign-language dubbing by replica reportedly needs no consent under the 2023 "
            "terms; that is not applied, so a consent is still required [uncertain rule]",
        )


def check_notice(case: Case, findings: Findings, book: Rulebook, clause: str) -> None:
    """48 hours' notice before the services that create a replica, or notice at
    engagement when the performer is engaged less than 48 hours ahead (B3.1; the same
    formula in Commercials F1). Only scans are held to it here."""
    use = case.use
    if not use.creation:
        return
    services = use.services_start()
    if use.notice_at is None:
        findings.warn(
            book.cite(clause),
            "no notice time is recorded for this scan: the performer must be told at least "
            "48 hours before the services (or at engagement, if engaged later)",
            topic=base.NOTICE,
        )
        return
    late = notice_problem(use.notice_at, use.engaged_at, services)
    if late:
        findings.deny(book.cite(clause), late, topic=base.NOTICE)


def notice_problem(notice: datetime, engaged: datetime | None, services: datetime) -> str:
    """Why the notice was too late; "" when it was in time."""
    required_by = services - NOTICE
    if notice <= required_by:
        return ""
    if engaged is not None and engaged > required_by:
        if notice <= engaged:
            return ""
        return (
            f"the performer was engaged {engaged.isoformat()}, less than 48 hours before the "
            f"services ({services.isoformat()}), but told only at {notice.isoformat()}, after "
            "engagement"
        )
    return (
        f"the performer was told {notice.isoformat()}, less than 48 hours before the services "
        f"({services.isoformat()})"
    )


def check_background_and_death(
    case: Case, consent: ConsentTerms, findings: Findings, book: Rulebook
) -> None:
    use = case.use
    if use.replica_kind is ReplicaKind.BACKGROUND and not use.creation:
        if use.background_headcount_met is False:
            findings.deny(
                book.cite("B8.4"),
                "background replicas may not replace the background actors the production must "
                "engage that day, and the required headcount is not met",
            )
        elif use.background_headcount_met is None:
            findings.warn(
                book.cite("B8.4"),
                "the use does not attest that the required human background headcount is met",
            )
    if consent.granted_by is Grantor.PERFORMER and case.performer.deceased_by(use.date):
        findings.warn(
            book.cite("B2.8"),
            f"consent {consent.id} was given in life; that it continues after death unless "
            "limited is reported but unverified [uncertain rule: warning only]",
        )


def synthetic_notice(case: Case, findings: Findings, book: Rulebook, clause: str) -> None:
    """A synthetic performer needs the union's notice and a chance to bargain (B9.1;
    2026 C1 adds "significant additional value"): an obligation to the union reported
    with the decision, beside the performer's own consent (B9.2)."""
    use = case.use
    if use.replica_kind is not ReplicaKind.SYNTHETIC:
        return
    if use.union_notified_at is None or use.union_notified_at > use.services_start():
        findings.warn(
            book.cite(clause),
            "a synthetic performer: give SAG-AFTRA written notice and an opportunity to "
            "bargain before it is used; no notice before the use is recorded",
        )
