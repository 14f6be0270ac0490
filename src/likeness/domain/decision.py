"""Decisions: covered, exempt or not covered, with every reason and what is owed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from likeness.domain.money import Money


class Outcome(StrEnum):
    COVERED = "covered"
    EXEMPT = "exempt"
    NOT_COVERED = "not_covered"


@dataclass(frozen=True)
class Reason:
    """Why: the rule (agreement or statute and clause) and a message a person can act on."""

    rule: str
    message: str


@dataclass(frozen=True)
class CompensationLine:
    rule: str
    basis: str
    amount: Money


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    consent_id: str | None
    reasons: tuple[Reason, ...]
    warnings: tuple[Reason, ...]
    compensation: tuple[CompensationLine, ...]
    total: Money
    regimes: tuple[str, ...]
    rulebook_version: str
