"""New York Civil Rights Law §50-f: a deceased performer's digital replica (rules.md H.4
NY3 and M.6 #3, #5).

Sources and their tags in the reference:

- the amendment S.8391/A.8882, signed 2025-12-11, removes the disclaimer route: the
  prior consent of the right holder is needed for a deceased performer's digital
  replica in an audiovisual work, a sound recording or a live performance
  [PRIMARY: bill text and memo];
- the right lasts 40 years after death, only for persons who died on or after
  2021-05-29 (not retroactive), domiciled in New York at death; successors must
  register their claim with the Secretary of State before enforcing it [SECONDARY:
  Morse, TAG Alliances, Eric Goldman blog; rules_constants.yaml ny_50f_postmortem_years];
- before the amendment a conspicuous disclaimer that the use was not authorised was an
  alternative to consent [PRIMARY: bill memo].

What is not encoded, and why:

- the amendment's effective date: the reference gives only the signing date, so the
  amendment is taken to govern uses from 2025-12-11; an earlier use is judged under the
  disclaimer route, which warns instead of refusing (disclaimers are not recorded);
- the statute's own exceptions: the reference lists none for §50-f, so an attested
  expressive use is reported for a person's review, never exempted;
- the damages floor ($2,000 or actual damages) is RECALLED and decides nothing here.

``PerformerFacts.domicile`` is read, for a deceased performer, as the domicile at death.
A statute, so a union agreement's own exemptions do not remove it (M.6).
"""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import Case, ConsentTerms, Grantor
from likeness.domain.decision import Reason
from likeness.rules import base
from likeness.rules.base import Findings, Rulebook, protection_ends

DOMICILE = "US-NY"
TERM_YEARS = 40
# Signed 2025-12-11; the reference gives no separate effective date (see above).
AMENDED = date(2025, 12, 11)
CONSENT = "(prior consent of the right holder, as amended by S.8391/A.8882)"
DISCLAIMER = "(conspicuous disclaimer, before S.8391/A.8882)"
REGISTRATION = "(successors' registration with the Secretary of State)"

RULEBOOK = Rulebook(
    id="NY-CRL-50-F",
    title="N.Y. Civ. Rights Law §50-f",
    # Not retroactive: only persons who died on or after this day hold the right.
    effective_from=date(2021, 5, 29),
    effective_until=None,
    status="in force (statute)",
    clauses={base.GRANTED: CONSENT},
    requires_consent=True,
)


def term_ends(deceased_on: date) -> date:
    """The last day of the right: 40 years after death, to the day."""
    return protection_ends(deceased_on, TERM_YEARS)


def applies(case: Case) -> bool:
    performer, day = case.performer, case.use.date
    died = performer.deceased_on
    if died is None or not performer.deceased_by(day) or performer.domicile != DOMICILE:
        return False
    return died >= RULEBOOK.effective_from and day <= term_ends(died)


def exemption(case: Case) -> Reason | None:
    return None  # the reference lists no §50-f exceptions: none is invented


def check_case(case: Case, findings: Findings) -> None:
    findings.warn(
        RULEBOOK.cite(REGISTRATION),
        "the deceased performer's successors must register their claim with the New York "
        "Secretary of State before they can enforce the right; registration is a condition "
        "of enforcing it, not of their consent [secondary source]",
    )
    if case.use.date < AMENDED:
        findings.warn(
            RULEBOOK.cite(DISCLAIMER),
            f"this use is dated before the amendment ({AMENDED.isoformat()}, its signing; "
            "the effective date is not recorded): §50-f then allowed the replica without "
            "the right holder's consent if the work carried a conspicuous disclaimer that the "
            "use was not authorised; disclaimers are not recorded, so consent is still asked",
        )
    attested = case.use.expressive_use
    if attested is not None:
        findings.warn(
            RULEBOOK.cite(CONSENT),
            f"the production attests a {attested.value.replace('_', ' ')} use: §50-f's own "
            "exceptions are not encoded, so it is not exempted; a person must review whether "
            "the statute excepts it",
        )


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    if consent.granted_by is not Grantor.UNION:
        return
    not_right_holder = (
        f"consent {consent.id} came from the union; the §50-f right belongs to the deceased "
        "performer's successors (M.6 #5: a union consent is a contractual layer, not a "
        "substitute)"
    )
    if case.use.date >= AMENDED:
        findings.deny(RULEBOOK.cite(CONSENT), not_right_holder)
        return
    findings.warn(
        RULEBOOK.cite(DISCLAIMER),
        f"{not_right_holder}; for a use before {AMENDED.isoformat()} a conspicuous "
        "disclaimer was the alternative, and none is recorded: check that the work carried "
        "one, or obtain the successors' consent",
    )
