"""The coverage decision (rules.md M.3), in a fixed order:

1. which rulebooks apply (M.1) — agreement, jurisdiction, dates, the performer's death;
2. exemptions (substantially as scripted, listed alterations, processing practices);
3. each consent on file, checked for scope (production, replica kind, modalities,
   scenes, purpose), term, revocation and suspension, who granted it, its form and
   the specificity of its description, then each rulebook's own checks;
4. the first consent (by id) with no denial covers the use and its compensation is
   computed; otherwise the use is not covered, with every consent's reasons.

Fail-closed: with no rulebook in force, Likeness Ledger's own policy (informed,
specific, separately signed consent) still applies. Nothing allows by default.
"""

from __future__ import annotations

import dataclasses

from likeness.domain.consent import Case, ConsentTerms, Grantor
from likeness.domain.decision import CompensationLine, Decision, Outcome, Reason
from likeness.domain.money import zero
from likeness.rules import (
    RULEBOOK_VERSION,
    base,
    ca_civil_3344_1,
    ca_labor_927,
    eu_ai_act,
    il_bipa,
    nofakes,
    ny_gol_5302,
    sag_commercials_2025,
    sag_ima_2025,
    sag_tvt_2023,
    sag_tvt_2026,
)
from likeness.rules.base import Findings, Rulebook, RulebookModule
from likeness.rules.compensation import compensate
from likeness.rules.specificity import specificity_problems

MODULES: tuple[RulebookModule, ...] = (
    sag_tvt_2023,
    sag_tvt_2026,
    sag_ima_2025,
    sag_commercials_2025,
    ca_labor_927,
    ny_gol_5302,
    ca_civil_3344_1,
    il_bipa,
    nofakes,
    eu_ai_act,
)
POLICY = "Likeness Ledger policy"
POLICY_CLAUSES = {
    base.GRANTED: "informed consent before use",
    base.SCOPE: "consent per production",
    base.KIND: "consent per replica kind",
    base.MODALITY: "consent per modality",
    base.SCENES: "consent per scene",
    base.PURPOSE: "consent per purpose",
    base.TERM: "consent term",
    base.REVOCATION: "revocation",
    base.SUSPENSION: "suspension",
    base.FORM: "separately signed, clear and conspicuous consent",
    base.SPECIFIC: "reasonably specific description",
    base.GRANTOR: "who may consent",
}


def applicable(case: Case) -> list[RulebookModule]:
    return [module for module in MODULES if module.applies(case)]


def evaluate(case: Case) -> Decision:
    modules = applicable(case)
    books: list[Rulebook] = [m.RULEBOOK for m in modules]
    regimes = tuple(book.id for book in books)
    case_findings = Findings(topic=base.CASE)
    for module in modules:
        module.check_case(case, case_findings)
    for module in modules:
        exempt = module.exemption(case)
        if exempt is not None:
            exempt = dataclasses.replace(exempt, topic=base.EXEMPTION)
            return _decision(Outcome.EXEMPT, None, (exempt,), case_findings, [], regimes)
    reasons: list[Reason] = []
    for consent in sorted(case.consents, key=lambda c: c.id):
        findings = Findings()
        _check(case, consent, books, findings)
        for module in modules:
            module.check_consent(case, consent, findings)
        if not findings.denials:
            case_findings.warnings.extend(findings.warnings)
            paid = Findings(topic=base.COMPENSATION)
            lines = compensate(case, consent, books, paid)
            case_findings.warnings.extend(paid.warnings)
            return _decision(
                Outcome.COVERED,
                consent.id,
                (_covered(consent, books),),
                case_findings,
                lines,
                regimes,
            )
        reasons.extend(findings.denials)
    if not case.consents:
        reasons.append(
            Reason(
                _cite(books, base.GRANTED),
                f"no consent from performer {case.performer.id} is on file for this use",
                base.GRANTED,
            )
        )
    return _decision(Outcome.NOT_COVERED, None, tuple(reasons), case_findings, [], regimes)


def _decision(
    outcome: Outcome,
    consent_id: str | None,
    reasons: tuple[Reason, ...],
    findings: Findings,
    lines: list[CompensationLine],
    regimes: tuple[str, ...],
) -> Decision:
    total = zero(lines[0].amount.currency) if lines else zero()
    for line in lines:
        total = total + line.amount
    return Decision(
        outcome=outcome,
        consent_id=consent_id,
        reasons=reasons,
        warnings=tuple(findings.warnings),
        compensation=tuple(lines),
        total=total,
        regimes=regimes,
        rulebook_version=RULEBOOK_VERSION,
    )


def _cite(books: list[Rulebook], topic: str) -> str:
    for book in books:
        clause = book.clauses.get(topic)
        if clause is not None:
            return book.cite(clause)
    return f"{POLICY}: {POLICY_CLAUSES[topic]}"


def _covered(consent: ConsentTerms, books: list[Rulebook]) -> Reason:
    return Reason(
        _cite(books, base.GRANTED),
        f"consent {consent.id} covers this production, replica kind, modalities, scenes and "
        "purpose, and was in force, unrevoked and unsuspended on the date of use",
        base.COVERS,
    )


def _check(case: Case, consent: ConsentTerms, books: list[Rulebook], f: Findings) -> None:
    """The checks every rulebook shares; each reason cites the governing clause."""
    use, cid = case.use, consent.id
    if consent.production_id != use.production_id:
        _deny(
            f,
            books,
            base.SCOPE,
            f"consent {cid} covers production "
            f"{consent.production_id}, not {use.production_id}: another production needs "
            "its own consent",
        )
    if consent.replica_kind is not use.replica_kind:
        _deny(
            f,
            books,
            base.KIND,
            f"consent {cid} is for a {consent.replica_kind.value} "
            f"replica, not {use.replica_kind.value}",
        )
    missing = use.modalities - consent.modalities
    if missing:
        _deny(
            f,
            books,
            base.MODALITY,
            f"consent {cid} does not cover {', '.join(sorted(m.value for m in missing))}",
        )
    if use.scenes and consent.description.scenes:
        outside = [s for s in use.scenes if s not in consent.description.scenes]
        if outside:
            _deny(
                f,
                books,
                base.SCENES,
                f"scene(s) {', '.join(outside)} are outside consent {cid}",
            )
    if _norm(use.purpose) != _norm(consent.description.purpose):
        _deny(
            f,
            books,
            base.PURPOSE,
            f"the use's purpose {use.purpose!r} is not the "
            f"consented purpose {consent.description.purpose!r}",
        )
    _check_time(case, consent, books, f)
    _check_grant(case, consent, books, f)
    if not consent.signed_separately:
        _deny(f, books, base.FORM, f"consent {cid} was not a separately signed writing")
    if not consent.clear_and_conspicuous:
        _deny(f, books, base.FORM, f"consent {cid} is not attested clear and conspicuous")
    for problem in specificity_problems(consent.description, consent.replica_kind):
        _deny(f, books, base.SPECIFIC, f"consent {cid}: {problem}")


def _deny(f: Findings, books: list[Rulebook], topic: str, message: str) -> None:
    f.deny(_cite(books, topic), message, topic=topic)


def _warn(f: Findings, books: list[Rulebook], topic: str, message: str) -> None:
    f.warn(_cite(books, topic), message, topic=topic)


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _check_time(case: Case, consent: ConsentTerms, books: list[Rulebook], f: Findings) -> None:
    day, cid = case.use.date, consent.id
    if day < consent.valid_from:
        _deny(
            f,
            books,
            base.TERM,
            f"the use on {day.isoformat()} is before consent {cid} "
            f"starts ({consent.valid_from.isoformat()})",
        )
    if consent.valid_until is not None and day > consent.valid_until:
        _deny(f, books, base.TERM, f"consent {cid} expired on {consent.valid_until.isoformat()}")
    if consent.revoked_at is not None and consent.revoked_at <= day:
        _deny(
            f,
            books,
            base.REVOCATION,
            f"consent {cid} was revoked on {consent.revoked_at.isoformat()}",
        )
    for interval in consent.suspended:
        if interval.contains(day):
            _deny(
                f,
                books,
                base.SUSPENSION,
                f"consent {cid} is suspended from "
                f"{interval.start.isoformat()}"
                + (f" to {interval.end.isoformat()}" if interval.end else ""),
            )


def _check_grant(case: Case, consent: ConsentTerms, books: list[Rulebook], f: Findings) -> None:
    cid, by = consent.id, consent.granted_by
    if by is None or consent.granted_at is None:
        _deny(f, books, base.GRANTED, f"consent {cid} has not been granted")
        return
    granted_on = consent.granted_at.date()
    if granted_on > case.use.date:
        _deny(
            f,
            books,
            base.GRANTED,
            f"consent {cid} was granted on "
            f"{granted_on.isoformat()}, after the use on {case.use.date.isoformat()}",
        )
    dead_then = case.performer.deceased_by(granted_on)
    if not dead_then and by in (Grantor.ESTATE, Grantor.UNION):
        _deny(
            f,
            books,
            base.GRANTOR,
            f"consent {cid} was granted by the {by.value}, but the performer was alive: "
            "only the performer may consent",
        )
    elif not dead_then and by is Grantor.REPRESENTATIVE:
        _warn(
            f,
            books,
            base.GRANTOR,
            f"consent {cid} was signed by a representative for a living performer; "
            "valid only if the performer's contract authorises it [uncertain rule]",
        )
    elif dead_then and by is Grantor.PERFORMER:
        _deny(
            f,
            books,
            base.GRANTOR,
            f"consent {cid} is recorded as the performer's own, dated after their death",
        )
    elif dead_then and by is Grantor.UNION:
        _warn(
            f,
            books,
            base.GRANTOR,
            f"consent {cid} came from the union: allowed only when no representative "
            "of the deceased performer can be identified or located",
        )
