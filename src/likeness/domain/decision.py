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


class Audience(StrEnum):
    """Who is told a decision, and so how much of it.

    A party to the use (the production it is for, the performer's side, an admin)
    reads every reason about that production's consents. An outsider (a platform,
    which acts for no production) is told whether the use is covered and why in
    the terms of its own question: no consent id, consented purpose, date or pay.
    """

    PARTY = "party"
    OUTSIDER = "outsider"


# What an outsider is told for each topic of a reason (``rules.base`` topics and the
# engine's own): the rule stays cited, the message names nothing of the consent.
_OUTSIDER_MESSAGES = {
    "covers": "a consent on file covers this use",
    "granted": "no consent granted before the use covers it",
    "scope": "no consent covers this production",
    "kind": "no consent covers this kind of replica",
    "modality": "no consent covers every modality of this use",
    "scenes": "the use's scenes are outside the consented scenes",
    "character": "the use's character is not the consented character",
    "media": "the use's media are outside the consented media",
    "territory": "the use's distribution is outside the consented territory",
    "advertiser": "the use's advertiser or product line is not the consented one",
    "purpose": "the use's purpose is not a consented purpose",
    "term": "the use's date is outside the consent's term",
    "revocation": "the consent was revoked by the date of the use",
    "suspension": "the consent is suspended on the date of the use",
    "form": "the consent's form does not meet the rule",
    "specific": "the consent's description of the use is not specific enough",
    "grantor": "the consent was not given by someone who may give it",
    "signer": "the consent was not signed by someone who may sign it",
    "minor": "a minor's consent was not given by a parent or guardian",
    "notice": "the performer was not given the notice the rule requires",
    "content": "no consent on file covers this content",
}
_OUTSIDER_DEFAULT = "a requirement of this rule is not met by the consent on file"
# Reasons an outsider reads as they are: about the use asked of (an exemption) or the
# case as a whole, never about a consent's terms.
OUTSIDER_VERBATIM = frozenset({"exemption", "case"})
# Reasons an outsider is not told at all: what is paid is between the parties.
OUTSIDER_HIDDEN = frozenset({"compensation"})


@dataclass(frozen=True)
class Reason:
    """Why: the rule (agreement or statute and clause), a message a person can act on,
    and its topic (what kind of check it is: ``scope``, ``term``, ...; "" for a
    rulebook's own requirement), which says how much of it an outsider may read."""

    rule: str
    message: str
    topic: str = ""

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "message": self.message, "topic": self.topic}

    @staticmethod
    def from_json(data: dict[str, str]) -> Reason:
        return Reason(data["rule"], data["message"], data.get("topic", ""))

    def for_outsider(self) -> Reason | None:
        if self.topic in OUTSIDER_HIDDEN:
            return None
        if self.topic in OUTSIDER_VERBATIM:
            return self
        return Reason(self.rule, _OUTSIDER_MESSAGES.get(self.topic, _OUTSIDER_DEFAULT), self.topic)


def reasons_for(audience: Audience, reasons: tuple[Reason, ...]) -> tuple[Reason, ...]:
    """The reasons ``audience`` may read: all of them for a party; for an outsider each
    in outsider terms, once (several consents failing one check read as one reason)."""
    if audience is Audience.PARTY:
        return reasons
    told = (r.for_outsider() for r in reasons)
    return tuple(dict.fromkeys(r for r in told if r is not None))


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

    def seen_by(self, audience: Audience) -> Decision:
        """This decision as ``audience`` may read it (see ``Audience``)."""
        if audience is Audience.PARTY:
            return self
        return Decision(
            outcome=self.outcome,
            consent_id=None,
            reasons=reasons_for(audience, self.reasons),
            warnings=reasons_for(audience, self.warnings),
            compensation=(),
            total=Money(Decimal(0), self.total.currency),
            regimes=self.regimes,
            rulebook_version=self.rulebook_version,
        )

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
            return tuple(Reason.from_json(r) for r in items)

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
