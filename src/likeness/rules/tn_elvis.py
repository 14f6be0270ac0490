"""Tennessee ELVIS Act (HB 2091/SB 2096), amending the Personal Rights Protection Act,
Tenn. Code Ann. §47-25-1101 et seq.; effective 2024-07-01 (rules.md H.1 and M.6 #5;
rules_constants.yaml tn_elvis_effective, tn_postmortem).

Sources and their tags in the reference:

- making an individual's voice or likeness available to the public without the
  authorization of the individual (or of the person authorized) is a violation,
  §47-25-1105 (TN2) [SECONDARY: quoted by Manatt];
- fair-use, First Amendment and news exemptions, §47-25-1107 (TN3) [SECONDARY]: the
  production's attestation of news, public affairs, sports, commentary, criticism,
  scholarship, satire or parody exempts the use; any other attested use is reported
  for a person's review;
- after death the right belongs to the executors, heirs, assigns or devisees for ten
  years, is maintained by their commercial exploitation, and ends on proof of two
  years' non-use after the initial ten (§47-25-1104, TN4) [PRIMARY];
- no writing or content of the authorization is prescribed (TN5) [DERIVED]: the
  form Likeness Ledger asks for is its own policy, not this statute's.

Tennessee nexus: a production in Tennessee, distribution there (a release to the whole
United States included), or a performer domiciled there. Commercial use and non-use
after death are not recorded, so beyond the initial ten years the right is reported as
possibly continuing or lapsed: consent is still asked, and a union's consent only warns.
"""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import Case, ConsentTerms, ExpressiveUse, Grantor, ReplicaKind
from likeness.domain.decision import Reason
from likeness.rules import base
from likeness.rules.base import Findings, Rulebook, protection_ends

JURISDICTION = "US-TN"
POST_MORTEM_YEARS = 10  # rules_constants.yaml tn_postmortem.initial_years
NON_USE_YEARS = 2  # tn_postmortem.lost_after_nonuse_years
AUTHORIZATION = "§47-25-1105 (authorization of the individual)"
EXEMPTIONS = "§47-25-1107 (fair use, First Amendment and news exemptions)"
POST_MORTEM = "§47-25-1104 (executors, heirs, assigns or devisees after death)"
EXEMPT_USES = frozenset(
    {
        ExpressiveUse.NEWS,
        ExpressiveUse.PUBLIC_AFFAIRS,
        ExpressiveUse.SPORTS,
        ExpressiveUse.COMMENTARY,
        ExpressiveUse.CRITICISM,
        ExpressiveUse.SCHOLARSHIP,
        ExpressiveUse.SATIRE,
        ExpressiveUse.PARODY,
    }
)

RULEBOOK = Rulebook(
    id="TN-ELVIS",
    title="ELVIS Act, Tenn. Code Ann.",
    effective_from=date(2024, 7, 1),
    effective_until=None,
    status="in force (statute)",
    clauses={base.GRANTED: AUTHORIZATION},
    requires_consent=True,
)


def initial_term_ends(deceased_on: date) -> date:
    """The last day of the initial post-mortem term: ten years after death, to the day."""
    return protection_ends(deceased_on, POST_MORTEM_YEARS)


def applies(case: Case) -> bool:
    # A release to the United States as a whole reaches Tennessee too.
    nexus = JURISDICTION in (case.production.jurisdiction, case.performer.domicile) or any(
        region in (JURISDICTION, "US") for region in case.use.distribution
    )
    return nexus and RULEBOOK.in_force_on(case.use.date)


def exemption(case: Case) -> Reason | None:
    use = case.use
    if _performed_as_employed(case):
        return Reason(
            RULEBOOK.cite("§47-25-1105 (TN5: authorization in no prescribed form)"),
            "the living performer's own performance, substantially as scripted, performed or "
            "recorded under their engagement on this production: the engagement authorizes it",
        )
    attested = use.expressive_use
    if attested not in EXEMPT_USES:
        return None
    assert attested is not None
    return Reason(
        RULEBOOK.cite(EXEMPTIONS),
        f"the production attests a {_label(attested)} use, within the statute's fair-use, "
        "First Amendment and news exemptions: no authorization is needed [secondary source]",
    )


def check_case(case: Case, findings: Findings) -> None:
    attested = case.use.expressive_use
    if attested is not None and attested not in EXEMPT_USES:
        findings.warn(
            RULEBOOK.cite(EXEMPTIONS),
            f"a {_label(attested)} use is not among the exemptions encoded (news, public "
            "affairs, sports, commentary, criticism, scholarship, satire, parody); whether the "
            "statute's fair-use or First Amendment exemption reaches it needs a person's "
            "review: authorization is still asked",
        )
    if _beyond_initial_term(case):
        findings.warn(
            RULEBOOK.cite(POST_MORTEM),
            f"the performer died more than {POST_MORTEM_YEARS} years before this use: the "
            "right continues while the heirs exploit it commercially and ends on proof of "
            f"{NON_USE_YEARS} years' non-use after the initial {POST_MORTEM_YEARS}; neither is "
            "recorded, so the right may continue or have lapsed: the heirs' consent is still "
            "asked",
        )


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    if consent.granted_by is not Grantor.UNION or not case.performer.deceased_by(case.use.date):
        return
    message = (
        f"consent {consent.id} came from the union; after death the right belongs to the "
        "executors, heirs, assigns or devisees (M.6 #5: a union consent is a contractual "
        "layer, not a substitute)"
    )
    # Beyond the initial term the right may have lapsed: unsettled, so a warning.
    findings.report(RULEBOOK.cite(POST_MORTEM), message, uncertain=_beyond_initial_term(case))


def _performed_as_employed(case: Case) -> bool:
    """A living performer's engagement is their authorization of what they performed for
    it: the statute prescribes no form (TN5). Never for a scan, a new performance, or
    added nudity or sexual content."""
    use = case.use
    return (
        use.substantially_as_scripted
        and use.replica_kind in (ReplicaKind.EMPLOYMENT_BASED, ReplicaKind.DIGITAL_ALTERATION)
        and not use.creation
        and not use.sexual_or_nude
        and not case.performer.deceased_by(use.date)
    )


def _beyond_initial_term(case: Case) -> bool:
    died = case.performer.deceased_on
    return (
        died is not None
        and case.performer.deceased_by(case.use.date)
        and case.use.date > initial_term_ends(died)
    )


def _label(attested: ExpressiveUse) -> str:
    return attested.value.replace("_", " ")
