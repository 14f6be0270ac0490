"""California Labor Code §927 (AB 2602), effective 2025-01-01 (rules.md H.2, PRIMARY digest).

A digital-replica provision is unenforceable for a new performance by replica when it
replaces in-person work, lacks a reasonably specific description, and the performer was
represented neither by counsel nor by a union whose agreement addresses replicas.
"""

from __future__ import annotations

from datetime import date

from likeness.domain.consent import Case, ConsentTerms, ReplicaKind
from likeness.domain.decision import Reason
from likeness.rules import base
from likeness.rules.base import Findings, Rulebook
from likeness.rules.specificity import specificity_problems

JURISDICTION = "US-CA"
# Agreements that "expressly address" digital replicas (rules.md M.6 #2).
SAG_AGREEMENTS = frozenset(
    {"sag-aftra-tv-theatrical", "sag-aftra-interactive", "sag-aftra-commercials"}
)

RULEBOOK = Rulebook(
    id="CA-LC-927",
    title="Cal. Labor Code §927",
    effective_from=date(2025, 1, 1),
    effective_until=None,
    status="in force (statute)",
    clauses={base.SPECIFIC: "(a)(2) (reasonably specific description of intended uses)"},
)


def applies(case: Case) -> bool:
    return case.production.jurisdiction == JURISDICTION and RULEBOOK.in_force_on(case.use.date)


def exemption(case: Case) -> Reason | None:
    return None


def check_case(case: Case, findings: Findings) -> None:
    return None


def check_consent(case: Case, consent: ConsentTerms, findings: Findings) -> None:
    unenforceable_provision(case, consent, findings, RULEBOOK, "(a)")


def unenforceable_provision(
    case: Case, consent: ConsentTerms, findings: Findings, book: Rulebook, clause: str
) -> None:
    replaces_in_person_work = consent.replica_kind is not ReplicaKind.DIGITAL_ALTERATION
    represented = consent.representation is not None or case.production.agreement in SAG_AGREEMENTS
    if replaces_in_person_work and not represented:
        problems = specificity_problems(consent.description, consent.replica_kind)
        if problems:
            findings.deny(
                book.cite(clause),
                f"consent {consent.id} is unenforceable: it replaces in-person work, its "
                f"description is not reasonably specific ({problems[0]}), and the performer had "
                "neither counsel nor a union agreement that addresses digital replicas",
            )
