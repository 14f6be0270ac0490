"""Illinois Biometric Information Privacy Act, 740 ILCS 14/15 (rules.md H.5, PRIMARY).

It governs collecting biometric identifiers (a face-geometry scan, a voiceprint): a
scan or recording session in Illinois or of an Illinois resident, not every use of a
replica."""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import Case, ConsentTerms
from likeness.domain.decision import Reason
from likeness.rules.base import Findings, Rulebook

JURISDICTION = "US-IL"
RULEBOOK = Rulebook(
    id="IL-BIPA",
    title="740 ILCS 14/15 (BIPA)",
    effective_from=date(2008, 10, 3),
    effective_until=None,
    status="in force (statute)",
    requires_consent=True,
)


def applies(case: Case) -> bool:
    """A collection (a scan or recording session) in Illinois or of an Illinois
    resident (rules.md M.1: "biometric capture of IL resident / in IL")."""
    nexus = JURISDICTION in (case.production.jurisdiction, case.performer.domicile)
    return nexus and case.use.creation


def exemption(case: Case) -> Reason | None:
    return None


def check_case(case: Case, findings: Findings) -> None:
    return None


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    if consent.valid_until is None:
        findings.deny(
            RULEBOOK.cite("15(b)(2)"),
            f"consent {consent.id} states no length of term for the face or voice scan",
        )


# -- retention, 15(a) -----------------------------------------------------------------

# 15(a): a written, public retention schedule, and destruction "when the initial purpose
# for collecting or obtaining such identifiers or information has been satisfied or
# within 3 years of the individual's last interaction with the private entity, whichever
# occurs first" (rules.md IL1, PRIMARY; rules_constants.yaml
# il_bipa.destroy_within_years_of_last_interaction).
RETENTION_CLAUSE = "15(a)"
MAX_YEARS_AFTER_LAST_INTERACTION = 3


def years_after(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February (the
    earlier day, so the deadline is never past the statute's)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def destroy_by(
    last_interaction: date,
    *,
    years: int = MAX_YEARS_AFTER_LAST_INTERACTION,
    purpose_satisfied_on: date | None = None,
) -> date:
    """The day by which biometric identifiers must be destroyed (15(a)): ``years`` after
    the last interaction, or the day the purpose was satisfied, whichever comes first. A
    schedule longer than the statute's three years is refused, not shortened silently."""
    if not 1 <= years <= MAX_YEARS_AFTER_LAST_INTERACTION:
        raise ValueError(
            f"{RULEBOOK.cite(RETENTION_CLAUSE)} allows at most "
            f"{MAX_YEARS_AFTER_LAST_INTERACTION} years after the last interaction, not {years}"
        )
    cap = years_after(last_interaction, years)
    return cap if purpose_satisfied_on is None else min(cap, purpose_satisfied_on)
