"""What every rulebook module provides, and the findings they report into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

from likeness.domain.consent import Case, ConsentTerms
from likeness.domain.decision import Reason

# Topics a generic consent check belongs to; each rulebook cites its own clause.
GRANTED = "granted"
SCOPE = "scope"
KIND = "kind"
MODALITY = "modality"
SCENES = "scenes"
CHARACTER = "character"
MEDIA = "media"
TERRITORY = "territory"
ADVERTISER = "advertiser"
PURPOSE = "purpose"
TERM = "term"
REVOCATION = "revocation"
SUSPENSION = "suspension"
FORM = "form"
SPECIFIC = "specific"
GRANTOR = "grantor"  # who may consent for a deceased performer
SIGNER = "signer"  # who may sign for a living performer
MINOR = "minor"  # a minor's consent
NOTICE = "notice"
CONTENT = "content"  # nudity or sexual content
# Topics of the engine's own reasons and of findings beyond one consent's terms.
COVERS = "covers"
EXEMPTION = "exemption"
CASE = "case"
COMPENSATION = "compensation"


@dataclass(frozen=True)
class Rulebook:
    id: str
    title: str
    effective_from: date
    effective_until: date | None
    status: str  # "in force", "bill (not law)", ...
    clauses: dict[str, str] = field(default_factory=dict)  # topic -> citation
    uncertain: frozenset[str] = frozenset()  # topics whose rule is tagged UNCERTAIN
    # Under this regime a use needs consent unless it exempts the use: every such regime
    # in force must exempt a use for it to be exempt (the strictest decides, M.6).
    requires_consent: bool = False
    agreement: str | None = None  # the collective agreement this rulebook is a term of

    def cite(self, clause: str) -> str:
        return f"{self.title} {clause}"

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_until is None or day <= self.effective_until
        )


@dataclass
class Findings:
    """Denials and warnings for one consent (or for the case as a whole), each with its
    topic: the one given, or this collection's (``""``: a rulebook's own requirement)."""

    topic: str = ""
    denials: list[Reason] = field(default_factory=list)
    warnings: list[Reason] = field(default_factory=list)

    def deny(self, rule: str, message: str, *, topic: str | None = None) -> None:
        self.denials.append(Reason(rule, message, self.topic if topic is None else topic))

    def warn(self, rule: str, message: str, *, topic: str | None = None) -> None:
        self.warnings.append(Reason(rule, message, self.topic if topic is None else topic))

    def report(self, rule: str, message: str, *, uncertain: bool) -> None:
        """A rule tagged uncertain in the reference warns; a settled one denies."""
        if uncertain:
            self.warn(rule, f"{message} [uncertain rule: warning only]")
        else:
            self.deny(rule, message)


class RulebookModule(Protocol):
    RULEBOOK: Rulebook

    def applies(self, case: Case) -> bool: ...

    def exemption(self, case: Case) -> Reason | None: ...

    def check_case(self, case: Case, findings: Findings) -> None: ...

    def check_consent(self, case: Case, consent: ConsentTerms, findings: Findings) -> None: ...


def protection_ends(start: date, years: int) -> date:
    """The last day of a protection lasting ``years`` from ``start`` (a post-mortem right,
    counted from the date of death to the day). 29 February maps to 1 March in a year
    without one: the later day, so a protection is never cut short. (A deadline to
    destroy data maps it to 28 February instead: ``il_bipa.years_after``.)"""
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a year that has none
        return start.replace(year=start.year + years, day=28) + timedelta(days=1)
