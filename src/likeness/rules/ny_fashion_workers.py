"""New York Fashion Workers Act (S.9832/A.5631, N.Y. Labor Law art. 36, §1030 et seq.),
effective 2025-06-19: a model's digital replica (rules.md H.4 NY2 and M.2, SECONDARY:
ADP, Mondaq, Littler, Fashion Counsel; rules_constants.yaml
ny_fashion_workers_act_effective).

A client must "obtain clear and conspicuous prior written consent for any creation or
use of a model's digital replica, detailing the scope, purpose, rate of pay and duration
of the use". Each missing element refuses the consent (SECONDARY, encoded as the text
says). A consent always names a purpose (``UseDescription`` refuses one without), so
the purpose needs no check of its own here.

That a representative's power of attorney cannot give the model's consent is RECALLED
in the reference, so a representative's signature is only warned.

New York nexus: a production in New York or a model domiciled there. The reference names
no exceptions: none is encoded.
"""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import Case, ConsentTerms, Grantor, PerformerCategory
from likeness.domain.decision import Reason
from likeness.rules import base
from likeness.rules.base import Findings, Rulebook

JURISDICTION = "US-NY"
CONSENT = "(clear and conspicuous prior written consent of the model)"
DETAILS = "(consent detailing scope, purpose, rate of pay and duration)"
NO_POWER_OF_ATTORNEY = "(no consent by power of attorney)"

RULEBOOK = Rulebook(
    id="NY-FWA",
    title="N.Y. Fashion Workers Act (Labor Law art. 36)",
    effective_from=date(2025, 6, 19),
    effective_until=None,
    status="in force (statute)",
    clauses={base.GRANTED: CONSENT},
    requires_consent=True,
)


def applies(case: Case) -> bool:
    if case.performer.category is not PerformerCategory.MODEL:
        return False
    nexus = JURISDICTION in (case.production.jurisdiction, case.performer.domicile)
    return nexus and RULEBOOK.in_force_on(case.use.date)


def exemption(case: Case) -> Reason | None:
    return None


def check_case(case: Case, findings: Findings) -> None:
    return None


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    for missing in _missing_details(consent):
        findings.deny(
            RULEBOOK.cite(DETAILS),
            f"consent {consent.id} does not detail the {missing}, which a consent to a "
            "model's digital replica must detail",
        )
    if not consent.signed_separately:
        findings.deny(
            RULEBOOK.cite(CONSENT),
            f"consent {consent.id} is not a separately signed writing: the model's consent "
            "must be written and given before the creation or use",
        )
    if not consent.clear_and_conspicuous:
        findings.deny(
            RULEBOOK.cite(CONSENT),
            f"consent {consent.id} is not attested clear and conspicuous",
        )
    if consent.granted_by is Grantor.REPRESENTATIVE:
        findings.report(
            RULEBOOK.cite(NO_POWER_OF_ATTORNEY),
            f"consent {consent.id} was signed by a representative; a model's digital-replica "
            "consent reportedly cannot be given under a power of attorney",
            uncertain=True,  # RECALLED in the reference
        )


def _missing_details(consent: ConsentTerms) -> list[str]:
    """The elements the Act asks the consent to detail that it does not."""
    d, pay = consent.description, consent.compensation
    missing: list[str] = []
    if not d.project.strip():
        missing.append("scope (no project)")
    if not d.media:
        missing.append("scope (no media)")
    if not (d.territory or "").strip():
        missing.append("scope (no territory)")
    # A scale basis names a rate only where the scale figure is recorded.
    if pay is None or (pay.amount is None and pay.scale is None):
        missing.append("rate of pay")
    if consent.valid_until is None:
        missing.append("duration (no end date)")
    return missing
