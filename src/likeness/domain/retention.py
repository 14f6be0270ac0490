"""Retention of biometric data: what counts as a performer's interaction, and where a
performer stands against the retention schedule (``services/retention.py`` applies it,
``docs/retention.md`` publishes it). Pure: dates are passed in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class InteractionKind(StrEnum):
    """An act in the performer's relationship with the ledger that restarts the clock."""

    ENROLMENT = "enrolment"  # photos or recordings enrolled (not a re-embedding)
    CONSENT = "consent"  # their answer to a consent request: granted, denied, revoked
    USE = "use"  # a reported use their consent covers
    SIGN_IN = "sign_in"  # a portal sign-in by their own or their representative's account


@dataclass(frozen=True)
class Interaction:
    kind: InteractionKind
    at: datetime


def last_of(interactions: Iterable[Interaction]) -> Interaction | None:
    """The latest interaction (on a tie, the first kind in ``InteractionKind`` order)."""
    order = list(InteractionKind)
    found = sorted(interactions, key=lambda i: (i.at, -order.index(i.kind)))
    return found[-1] if found else None


class RetentionAction(StrEnum):
    KEEP = "keep"
    WARN = "warn"  # inside the warning window and not yet warned for this deadline
    DESTROY = "destroy"


@dataclass(frozen=True)
class RetentionMark:
    """What the schedule remembers of a performer between runs."""

    performer_id: str
    warned_for: date | None = None  # the destruction date the last warning announced
    warned_at: datetime | None = None
    destroyed_at: datetime | None = None  # the last destruction by the schedule


@dataclass(frozen=True)
class Holding:
    """A performer whose biometric data is kept, and where they stand on a given day."""

    performer_id: str
    templates: int
    last_interaction: Interaction
    destroy_on: date  # destroyed on this day at the latest
    warn_from: date
    warned_for: date | None
    action: RetentionAction

    @property
    def warned(self) -> bool:
        """Whether this deadline (not an earlier one) has been announced to the performer."""
        return self.warned_for == self.destroy_on
