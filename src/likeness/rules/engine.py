"""The coverage decision (rules.md M.3), in a fixed order:

1. which rulebooks apply (M.1): agreement, jurisdiction, dates, the performer's death;
   an agreement that has ended with no successor encoded is a warning, and its terms
   are not applied;
2. exemptions: a use is exempt only when every regime in force that requires consent
   exempts it (the strictest decides, M.6): a union agreement's exemption ("as
   scripted") waives the contractual consent, never a statute's;
3. each consent on file, checked for scope (the use must lie within the description:
   production, replica kind, modalities, character, scenes, media, territory, and the
   purpose it relies on where the structure cannot decide), term, revocation and
   suspension, who granted it, its form and the specificity of its description, then
   each rulebook's own checks;
4. the first consent (by id) with no denial covers the use and its compensation is
   computed; otherwise the use is not covered, with every consent's reasons.

Fail-closed: with no rulebook in force, Likeness Ledger's own policy (informed,
specific, separately signed consent) still applies. Nothing allows by default.
"""

from __future__ import annotations

import dataclasses

from likeness.domain.consent import ADULT_AGE, Case, ConsentTerms, Grantor, utc_day
from likeness.domain.decision import CompensationLine, Decision, Outcome, Reason
from likeness.domain.money import zero
from likeness.rules import (
    RULEBOOK_VERSION,
    base,
    ca_civil_3344_1,
    ca_labor_927,
    eu_ai_act,
    il_bipa,
    il_dvlpa,
    nofakes,
    ny_civil_50f,
    ny_fashion_workers,
    ny_gol_5302,
    sag_commercials_2025,
    sag_ima_2025,
    sag_tvt_2023,
    sag_tvt_2026,
    tn_elvis,
)
from likeness.rules.base import Findings, Rulebook, RulebookModule
from likeness.rules.compensation import compensate
from likeness.rules.scope import scope_problems
from likeness.rules.specificity import specificity_problems

MODULES: tuple[RulebookModule, ...] = (
    sag_tvt_2023,
    sag_tvt_2026,
    sag_ima_2025,
    sag_commercials_2025,
    ca_labor_927,
    ny_gol_5302,
    il_dvlpa,
    ca_civil_3344_1,
    ny_civil_50f,
    ny_fashion_workers,
    tn_elvis,
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
    base.CHARACTER: "consent per character",
    base.MEDIA: "consent per medium",
    base.TERRITORY: "consent per territory",
    base.ADVERTISER: "consent per advertiser and product line",
    base.PURPOSE: "consent per purpose",
    base.TERM: "consent term",
    base.REVOCATION: "revocation",
    base.SUSPENSION: "suspension",
    base.FORM: "separately signed, clear and conspicuous consent",
    base.SPECIFIC: "reasonably specific description",
    base.GRANTOR: "who may consent for a deceased performer",
    base.SIGNER: "the performer signs their own consent",
    base.MINOR: "a parent or guardian consents for a minor",
}
# Each collective agreement's encoded terms (a constant, built once).
AGREEMENT_TERMS: dict[str, tuple[Rulebook, ...]] = {
    agreement: tuple(m.RULEBOOK for m in MODULES if m.RULEBOOK.agreement == agreement)
    for agreement in {m.RULEBOOK.agreement for m in MODULES}
    if agreement is not None
}


# The agreements' modules come first (their clauses are cited before a statute's), and
# only the production's own agreement's are asked whether they apply (a constant).
_STATUTES = tuple(m for m in MODULES if m.RULEBOOK.agreement is None)
_CANDIDATES: dict[str, tuple[RulebookModule, ...]] = {
    agreement: tuple(m for m in MODULES if m.RULEBOOK.agreement == agreement) + _STATUTES
    for agreement in {m.RULEBOOK.agreement for m in MODULES}
    if agreement is not None
}


def applicable(case: Case) -> list[RulebookModule]:
    candidates = _CANDIDATES.get(case.production.agreement, _STATUTES)
    return [module for module in candidates if module.applies(case)]


def evaluate(case: Case) -> Decision:
    modules = applicable(case)
    books: list[Rulebook] = [m.RULEBOOK for m in modules]
    regimes = tuple(book.id for book in books)
    case_findings = Findings(topic=base.CASE)
    _agreement_in_force(case, books, case_findings)
    for module in modules:
        module.check_case(case, case_findings)
    exemptions, waived = _exemptions(case, modules, case_findings)
    if exemptions:
        return _decision(Outcome.EXEMPT, None, exemptions, case_findings, [], regimes)
    # A regime whose exemption applies asks nothing more of the use, pay included, and
    # is not the one a reason cites.
    binding = [b for b in books if b.id not in waived]
    reasons: list[Reason] = []
    for consent in _in_order(case):
        findings = Findings()
        _check(case, consent, binding, findings)
        for module in modules:
            if module.RULEBOOK.id not in waived:
                module.check_consent(case, consent, findings)
        if not findings.denials:
            _another_than_named(case, consent, books, case_findings)
            case_findings.warnings.extend(findings.warnings)
            paid = Findings(topic=base.COMPENSATION)
            lines = compensate(case, consent, binding, paid)
            case_findings.warnings.extend(paid.warnings)
            return _decision(
                Outcome.COVERED,
                consent.id,
                (_covered(consent, binding),),
                case_findings,
                lines,
                regimes,
            )
        reasons.extend(findings.denials)
    if not case.consents:
        reasons.append(
            Reason(
                _cite(binding, base.GRANTED),
                f"no consent from performer {case.performer.id} is on file for this use",
                base.GRANTED,
            )
        )
    return _decision(Outcome.NOT_COVERED, None, tuple(reasons), case_findings, [], regimes)


def _in_order(case: Case) -> list[ConsentTerms]:
    """The consent the production names first, then the others by id."""
    return sorted(case.consents, key=lambda c: (c.id != case.relied_on, c.id))


def _another_than_named(
    case: Case, consent: ConsentTerms, books: list[Rulebook], findings: Findings
) -> None:
    named = case.relied_on
    if named is not None and named != consent.id:
        _warn(
            findings,
            books,
            base.GRANTED,
            f"the use names consent {named}, which does not cover it; consent {consent.id} "
            "does, and its terms are the ones applied",
        )


def _exemptions(
    case: Case, modules: list[RulebookModule], findings: Findings
) -> tuple[tuple[Reason, ...], frozenset[str]]:
    """The exemptions, when every regime that requires consent exempts the use; else
    none, and the ids of the regimes that did exempt it, each exemption kept as a
    warning that names what still binds.

    Where no collective agreement governs the production, Likeness Ledger's own policy
    (consent for every use) is one of the layers, and no statute's exception waives it:
    a statute in force never makes consent less needed than no statute at all.
    """
    requiring = [m for m in modules if m.RULEBOOK.requires_consent]
    granted = {
        m.RULEBOOK.id: dataclasses.replace(r, topic=base.EXEMPTION)
        for m in requiring
        if (r := m.exemption(case)) is not None
    }
    if not granted:
        return (), frozenset()
    policy_binds = not any(m.RULEBOOK.agreement is not None for m in modules)
    if len(granted) == len(requiring) and not policy_binds:
        return tuple(granted.values()), frozenset()
    still = [m.RULEBOOK.title for m in requiring if m.RULEBOOK.id not in granted]
    if policy_binds:
        still.append(f"{POLICY} (no collective agreement governs this production)")
    for reason in granted.values():
        findings.warn(
            reason.rule,
            f"{reason.message}; but that waives only its own regime: {', '.join(still)} "
            "still requires consent (the strictest regime in force decides, rules.md M.6)",
            topic=base.EXEMPTION,
        )
    return (), frozenset(granted)


def _agreement_in_force(case: Case, books: list[Rulebook], findings: Findings) -> None:
    """A production under an agreement none of whose encoded terms is in force on the
    date of use is warned: the old terms are never applied silently."""
    agreement = case.production.agreement
    terms = AGREEMENT_TERMS.get(agreement)
    if not terms or any(b.agreement == agreement for b in books):
        return
    day = case.use.date
    before = [b for b in terms if b.effective_from > day]
    if before and len(before) == len(terms):
        first = min(before, key=lambda b: b.effective_from)
        findings.warn(
            first.cite("status"),
            f"no {agreement} terms are encoded for {day.isoformat()} (the {first.title} terms "
            f"start {first.effective_from.isoformat()}); only Likeness Ledger policy and the "
            "statutes in force are applied",
        )
        return
    last = max(terms, key=lambda b: b.effective_from)
    ended = "" if last.effective_until is None else last.effective_until.isoformat()
    findings.warn(
        last.cite("term"),
        f"the {last.title} agreement ended on {ended} and no successor agreement is encoded "
        f"for {day.isoformat()}: its terms are not applied; record the successor's terms "
        "(only Likeness Ledger policy and the statutes in force are applied)",
    )


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
        f"the use lies within consent {consent.id}: its production, replica kind, "
        "modalities and described scope, and it was in force, unrevoked and unsuspended on "
        "the date of use",
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
    denials, warnings = scope_problems(use, consent)
    for topic, message in denials:
        _deny(f, books, topic, message)
    for topic, message in warnings:
        _warn(f, books, topic, message)
    _check_time(case, consent, books, f)
    _check_grant(case, consent, books, f)
    _check_content(case, consent, f)
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
            f"consent {cid} was revoked on {consent.revoked_at.isoformat()} (UTC)",
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
    granted_on = utc_day(consent.granted_at)
    if granted_on > case.use.date:
        _deny(
            f,
            books,
            base.GRANTED,
            f"consent {cid} was granted on "
            f"{granted_on.isoformat()}, after the use on {case.use.date.isoformat()}",
        )
    performer = case.performer
    if performer.deceased_by(granted_on):
        _check_deceased_grantor(cid, by, books, f)
        return
    minor = performer.age_on(granted_on) < ADULT_AGE
    if minor and by is Grantor.PARENT_OR_GUARDIAN and performer.age_on(case.use.date) >= ADULT_AGE:
        _warn(
            f,
            books,
            base.MINOR,
            f"consent {cid} was given by a parent or guardian while the performer was a "
            f"minor; on {case.use.date.isoformat()} they are an adult: confirm their own "
            "consent",
        )
    if minor and by is not Grantor.PARENT_OR_GUARDIAN:
        _deny(
            f,
            books,
            base.MINOR,
            f"consent {cid} was given by the {by.value} while the performer was "
            f"{performer.age_on(granted_on)}: a minor's consent must come from a parent or "
            "guardian",
        )
    elif not minor and by is Grantor.PARENT_OR_GUARDIAN:
        _deny(
            f,
            books,
            base.MINOR,
            f"consent {cid} was given by a parent or guardian, but the performer was an adult "
            "and must consent themselves",
        )
    elif by in (Grantor.ESTATE, Grantor.UNION):
        _deny(
            f,
            books,
            base.GRANTOR,
            f"consent {cid} was granted by the {by.value}, but the performer was alive: "
            "only the performer may consent",
        )
    elif by is Grantor.REPRESENTATIVE:
        _warn(
            f,
            books,
            base.SIGNER,
            f"consent {cid} was signed by a representative for a living performer; "
            "valid only if the performer's contract authorises it [uncertain rule]",
        )


def _check_content(case: Case, consent: ConsentTerms, f: Findings) -> None:
    """Nudity or sexual content: never in a minor's replica (rules.md M.3 "plus general
    law"; TV/Theatrical 2026 C3), and for an adult only under a consent that says so
    (M.2: an explicit opt-in for sensitive content)."""
    use, performer = case.use, case.performer
    if not use.sexual_or_nude:
        return
    age = performer.age_on(use.date)
    if age < ADULT_AGE:
        f.deny(
            f"{POLICY}: no nudity or sexual content in a minor's replica (rules.md M.3)",
            f"the performer is {age}: no consent can cover nudity or sexual content in a "
            "minor's replica",
            topic=base.MINOR,
        )
    elif not consent.nudity:
        f.deny(
            f"{POLICY}: explicit consent to nudity or sexual content (rules.md M.2)",
            f"consent {consent.id} does not explicitly cover nudity or sexual content",
            topic=base.CONTENT,
        )


def _check_deceased_grantor(cid: str, by: Grantor, books: list[Rulebook], f: Findings) -> None:
    if by is Grantor.PERFORMER:
        _deny(
            f,
            books,
            base.GRANTOR,
            f"consent {cid} is recorded as the performer's own, dated after their death",
        )
    elif by is Grantor.PARENT_OR_GUARDIAN:
        _deny(
            f,
            books,
            base.GRANTOR,
            f"consent {cid} came from a parent or guardian after the performer's death: the "
            "performer's representative or estate must consent",
        )
    elif by is Grantor.UNION:
        _warn(
            f,
            books,
            base.GRANTOR,
            f"consent {cid} came from the union: allowed only when no representative "
            "of the deceased performer can be identified or located",
        )
