"""Decisions: covered, exempt or not covered, with every reason and what is owed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from likeness.domain.money import Money


class Outcome(StrEnum):
    COVERED = "covered"
    EXEMPT = "exempt"
    NOT_COVERED = "not_covered"


class DecisionOutcome(StrEnum):
    """What a check or a scan says of one likeness it found: the outcome of its decision,
    or ``unknown`` when the likeness is nobody registered (there is no one to ask)."""

    COVERED = "covered"
    EXEMPT = "exempt"
    NOT_COVERED = "not_covered"
    UNKNOWN = "unknown"

    @classmethod
    def of(cls, decision: Decision | None) -> DecisionOutcome:
        return cls.UNKNOWN if decision is None else cls(decision.outcome.value)


@dataclass(frozen=True)
class Reason:
    """Why: the rule (agreement or statute and clause) and a message a person can act on."""

    rule: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "message": self.message}


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

    @property
    def refused(self) -> bool:
        return self.outcome is Outcome.NOT_COVERED

    def to_json(self) -> dict[str, Any]:
        """The one JSON form of a decision: in the log, the database and every answer."""
        return {
            "decision": self.outcome.value,
            "consent_id": self.consent_id,
            "reasons": [r.to_json() for r in self.reasons],
            "warnings": [r.to_json() for r in self.warnings],
            "compensation": [
                {
                    "rule": line.rule,
                    "basis": line.basis,
                    "amount": str(line.amount.amount),
                    "currency": line.amount.currency,
                }
                for line in self.compensation
            ],
            "total": {"amount": str(self.total.amount), "currency": self.total.currency},
            "regimes": list(self.regimes),
            "rulebook_version": self.rulebook_version,
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> Decision:
        """The inverse of ``to_json``, for decisions read back from the database."""

        def reasons(items: list[dict[str, str]]) -> tuple[Reason, ...]:
            return tuple(Reason(r["rule"], r["message"]) for r in items)

        total = data["total"]
        return Decision(
            outcome=Outcome(data["decision"]),
            consent_id=data["consent_id"],
            reasons=reasons(data["reasons"]),
            warnings=reasons(data["warnings"]),
            compensation=tuple(
                CompensationLine(
                    line["rule"], line["basis"], Money(Decimal(line["amount"]), line["currency"])
                )
                for line in data["compensation"]
            ),
            total=Money(Decimal(total["amount"]), total["currency"]),
            regimes=tuple(data["regimes"]),
            rulebook_version=data["rulebook_version"],
        )
