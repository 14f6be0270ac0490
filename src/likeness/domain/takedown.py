"""Takedown notices and the steps a person records for each (docs/enforcement.md).

The system sends nothing itself: a notice is drafted here, a person sends it and
records what happened, and each step is a log event. The states:

    drafted -> sent -> acknowledged -> removed | refused
                    \\-> removed | refused (a platform may act without acknowledging)
    removed -> reinstated (the uploader's counter-notice succeeded)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from likeness.domain.consent import Modality
from likeness.errors import StepOutOfOrderError

NOTICE_FORMAT = "likeness-takedown-notice/1"


class TakedownStatus(StrEnum):
    DRAFTED = "drafted"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    REMOVED = "removed"
    REFUSED = "refused"
    REINSTATED = "reinstated"


# The steps a person may record after each state; an empty set: the notice is closed.
NEXT_STEPS: dict[TakedownStatus, tuple[TakedownStatus, ...]] = {
    TakedownStatus.DRAFTED: (TakedownStatus.SENT,),
    TakedownStatus.SENT: (
        TakedownStatus.ACKNOWLEDGED,
        TakedownStatus.REMOVED,
        TakedownStatus.REFUSED,
    ),
    TakedownStatus.ACKNOWLEDGED: (TakedownStatus.REMOVED, TakedownStatus.REFUSED),
    TakedownStatus.REMOVED: (TakedownStatus.REINSTATED,),
    TakedownStatus.REFUSED: (),
    TakedownStatus.REINSTATED: (),
}


def check_step(current: TakedownStatus, step: TakedownStatus) -> None:
    allowed = NEXT_STEPS[current]
    if step in allowed:
        return
    listed = ", ".join(s.value for s in allowed) or "none: this notice is closed"
    raise StepOutOfOrderError(
        f"a notice that is {current.value} cannot be marked {step.value}",
        hint=f"allowed next steps: {listed}",
    )


@dataclass(frozen=True)
class TakedownStep:
    seq: int
    status: TakedownStatus
    at: datetime  # when it happened, as the person recording it says
    note: str | None
    recorded_by: str | None  # the account; None: the operator at the console
    log_index: int


@dataclass(frozen=True)
class NoticeAppearance:
    flag_id: int  # the log index of its appearance.flagged entry
    modality: Modality
    start: Decimal
    end: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "flag_id": self.flag_id,
            "modality": self.modality.value,
            "start": float(self.start),
            "end": float(self.end),
        }


@dataclass(frozen=True)
class Still:
    flag_id: int
    image: str  # a data: URI (image/jpeg or image/png), from the sealed scan report

    def to_json(self) -> dict[str, Any]:
        return {"flag_id": self.flag_id, "image": self.image}


@dataclass(frozen=True)
class NoticeReason:
    rule: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "message": self.message}


GOOD_FAITH = (
    "I have a good-faith belief that the use of the performer's likeness in the material "
    "identified above is not authorised by the performer, their representative or the law, "
    "and that no exclusion (news, documentary, comment, criticism, scholarship, satire or "
    "parody) applies to it."
)
ACCURACY = (
    "I state that the information in this notice is accurate and complete and, under "
    "penalty of perjury, that I am the rights holder or authorised to act for the rights "
    "holder named above."
)


@dataclass(frozen=True)
class Notice:
    """What a notice says (docs/enforcement.md maps each part to its legal source). It is
    stored sealed under the performer's personal key; its SHA-256 is logged."""

    id: str
    drafted_at: datetime
    performer_id: str
    rights_holder: str  # the performer's name as registered
    acting_for: tuple[tuple[str, str, str | None], ...]  # representatives: name, capacity, contact
    drafted_by: str  # who drafted it (an account's name, or "operator")
    signer: str
    contact: str
    location: str
    media: str
    media_sha256: str | None
    appearances: tuple[NoticeAppearance, ...]
    production: str | None  # the production the media was decided against, by title
    decision: str
    reasons: tuple[NoticeReason, ...]
    stills: tuple[Still, ...]
    stills_note: str | None  # why there is no still, when there is none

    def to_json(self) -> dict[str, Any]:
        return {
            "format": NOTICE_FORMAT,
            "id": self.id,
            "drafted_at": self.drafted_at.isoformat(),
            "rights_holder": {"performer_id": self.performer_id, "name": self.rights_holder},
            "acting_for": [
                {"name": n, "capacity": c, "contact": contact} for n, c, contact in self.acting_for
            ],
            "drafted_by": self.drafted_by,
            "signer": self.signer,
            "contact": self.contact,
            "material": {
                "location": self.location,
                "media": self.media,
                "media_sha256": self.media_sha256,
                "appearances": [a.to_json() for a in self.appearances],
            },
            "not_authorised": {
                "production": self.production,
                "decision": self.decision,
                "reasons": [r.to_json() for r in self.reasons],
            },
            "statements": {
                "good_faith": GOOD_FAITH,
                "accuracy": ACCURACY,
                "confirmed_by_signer": False,  # the signer confirms by signing the copy sent
            },
            "evidence": {
                "stills": [s.to_json() for s in self.stills],
                "stills_note": self.stills_note,
            },
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> Notice:
        material, why = data["material"], data["not_authorised"]
        return Notice(
            id=data["id"],
            drafted_at=datetime.fromisoformat(data["drafted_at"]),
            performer_id=data["rights_holder"]["performer_id"],
            rights_holder=data["rights_holder"]["name"],
            acting_for=tuple((r["name"], r["capacity"], r["contact"]) for r in data["acting_for"]),
            drafted_by=data["drafted_by"],
            signer=data["signer"],
            contact=data["contact"],
            location=material["location"],
            media=material["media"],
            media_sha256=material["media_sha256"],
            appearances=tuple(
                NoticeAppearance(
                    a["flag_id"],
                    Modality(a["modality"]),
                    Decimal(str(a["start"])),
                    Decimal(str(a["end"])),
                )
                for a in material["appearances"]
            ),
            production=why["production"],
            decision=why["decision"],
            reasons=tuple(NoticeReason(r["rule"], r["message"]) for r in why["reasons"]),
            stills=tuple(Still(s["flag_id"], s["image"]) for s in data["evidence"]["stills"]),
            stills_note=data["evidence"]["stills_note"],
        )


@dataclass(frozen=True)
class Takedown:
    id: str
    flag_id: int
    performer_id: str
    location: str
    status: TakedownStatus
    notice: Notice
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    steps: tuple[TakedownStep, ...] = ()

    @property
    def next_steps(self) -> tuple[TakedownStatus, ...]:
        return NEXT_STEPS[self.status]
