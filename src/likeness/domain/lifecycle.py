"""A consent's lifecycle as a fold of events (requested → granted | denied; granted →
revoked; granted ⇄ suspended; expiry is the end of the term, not an event).

Pure: every event carries its own time; ``fold(events)`` rebuilds the state exactly,
and ``apply`` refuses a transition the lifecycle does not allow.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from likeness.domain.consent import (
    CompensationBasis,
    CompensationTerms,
    ConsentTerms,
    Grantor,
    Interval,
    Modality,
    ReplicaKind,
    Representation,
    UseDescription,
    utc_day,
)
from likeness.errors import ConflictError, InvalidInputError


class Status(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    DENIED = "denied"
    REVOKED = "revoked"


class EventType(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    DENIED = "denied"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    RESUMED = "resumed"


@dataclass(frozen=True)
class ConsentRequest:
    """What a production asks for: the terms M.2 requires, before anyone answers."""

    replica_kind: ReplicaKind
    modalities: frozenset[Modality]
    description: UseDescription
    valid_from: date
    valid_until: date | None = None
    compensation: CompensationTerms | None = None
    representation: Representation | None = None
    real_time_generation: bool = False
    created_for_production_id: str | None = None
    dubbing: bool = False
    max_period_of_use_ends: date | None = None
    nudity: bool = False

    def to_json(self) -> dict[str, Any]:
        d = self.description
        return {
            "replica_kind": self.replica_kind.value,
            "modalities": sorted(m.value for m in self.modalities),
            "description": {
                "project": d.project,
                "purposes": list(d.purposes),
                "character": d.character,
                "scenes": list(d.scenes),
                "media": list(d.media),
                "territory": d.territory,
                "advertiser": d.advertiser,
                "product_line": d.product_line,
            },
            "valid_from": self.valid_from.isoformat(),
            "valid_until": None if self.valid_until is None else self.valid_until.isoformat(),
            "compensation": None
            if self.compensation is None
            else {
                "basis": self.compensation.basis.value,
                "amount": None
                if self.compensation.amount is None
                else str(self.compensation.amount),
                "currency": self.compensation.currency,
                "scale": None if self.compensation.scale is None else str(self.compensation.scale),
            },
            "representation": None if self.representation is None else self.representation.value,
            "real_time_generation": self.real_time_generation,
            "created_for_production_id": self.created_for_production_id,
            "dubbing": self.dubbing,
            "nudity": self.nudity,
            "max_period_of_use_ends": None
            if self.max_period_of_use_ends is None
            else self.max_period_of_use_ends.isoformat(),
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> ConsentRequest:
        """A request as an event holds it. Requests logged before consents held a list
        of purposes carry one ``purpose``: they read as a list of one (the log itself is
        never rewritten)."""
        d, c = data["description"], data["compensation"]
        mpu = data.get("max_period_of_use_ends")
        return ConsentRequest(
            replica_kind=ReplicaKind(data["replica_kind"]),
            modalities=frozenset(Modality(m) for m in data["modalities"]),
            description=UseDescription(
                project=d["project"],
                purposes=tuple(d["purposes"]) if "purposes" in d else (d["purpose"],),
                character=d["character"],
                scenes=tuple(d["scenes"]),
                media=tuple(d["media"]),
                territory=d["territory"],
                advertiser=d.get("advertiser"),
                product_line=d.get("product_line"),
            ),
            valid_from=date.fromisoformat(data["valid_from"]),
            valid_until=None
            if data["valid_until"] is None
            else date.fromisoformat(data["valid_until"]),
            compensation=None
            if c is None
            else CompensationTerms(
                basis=CompensationBasis(c["basis"]),
                amount=None if c["amount"] is None else Decimal(c["amount"]),
                currency=c["currency"],
                scale=None if c.get("scale") is None else Decimal(c["scale"]),
            ),
            representation=None
            if data["representation"] is None
            else Representation(data["representation"]),
            real_time_generation=data["real_time_generation"],
            created_for_production_id=data["created_for_production_id"],
            dubbing=data.get("dubbing", False),
            nudity=data.get("nudity", False),
            max_period_of_use_ends=None if mpu is None else date.fromisoformat(mpu),
        )


@dataclass(frozen=True)
class ConsentEvent:
    consent_id: str
    seq: int
    type: EventType
    at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class ConsentRecord:
    id: str
    performer_id: str
    production_id: str
    request: ConsentRequest
    requested_at: datetime
    status: Status = Status.REQUESTED
    granted_by: Grantor | None = None
    signer: str | None = None
    signed_separately: bool = False
    clear_and_conspicuous: bool = False
    granted_at: datetime | None = None
    answered_at: datetime | None = None
    revoked_at: datetime | None = None
    suspended: tuple[Interval, ...] = ()
    suspended_since: datetime | None = None
    version: int = 0  # events folded so far

    def expired_on(self, day: date) -> bool:
        return self.request.valid_until is not None and day > self.request.valid_until

    def state_on(self, day: date) -> str:
        """A person's view: requested, granted, denied, revoked, suspended or expired."""
        if self.status is Status.GRANTED and self.suspended_since is not None:
            return "suspended"
        if self.status is Status.GRANTED and self.expired_on(day):
            return "expired"
        return self.status.value

    def terms(self) -> ConsentTerms:
        """The consent as the rules engine reads it."""
        r = self.request
        suspended = self.suspended
        if self.suspended_since is not None:
            suspended = (*suspended, Interval(utc_day(self.suspended_since)))
        return ConsentTerms(
            id=self.id,
            production_id=self.production_id,
            replica_kind=r.replica_kind,
            modalities=r.modalities,
            description=r.description,
            valid_from=r.valid_from,
            valid_until=r.valid_until,
            signed_separately=self.signed_separately,
            clear_and_conspicuous=self.clear_and_conspicuous,
            granted_by=self.granted_by if self.status in (Status.GRANTED, Status.REVOKED) else None,
            granted_at=self.granted_at,
            revoked_at=None if self.revoked_at is None else utc_day(self.revoked_at),
            suspended=suspended,
            compensation=r.compensation,
            representation=r.representation,
            real_time_generation=r.real_time_generation,
            created_for_production_id=r.created_for_production_id,
            dubbing=r.dubbing,
            nudity=r.nudity,
            max_period_of_use_ends=r.max_period_of_use_ends,
        )


def requested_event(
    consent_id: str, performer_id: str, production_id: str, request: ConsentRequest, at: datetime
) -> ConsentEvent:
    data = {"performer_id": performer_id, "production_id": production_id, **request.to_json()}
    return ConsentEvent(consent_id, 1, EventType.REQUESTED, at, data)


def apply(record: ConsentRecord | None, event: ConsentEvent) -> ConsentRecord:
    """The state after ``event``; refuses transitions the lifecycle does not allow."""
    if event.type is EventType.REQUESTED:
        if record is not None:
            raise ConflictError(f"consent {event.consent_id} was already requested")
        data = event.data
        return ConsentRecord(
            id=event.consent_id,
            performer_id=data["performer_id"],
            production_id=data["production_id"],
            request=ConsentRequest.from_json(data),
            requested_at=event.at,
            version=1,
        )
    if record is None:
        raise ConflictError(f"consent {event.consent_id} has no request to {event.type.value}")
    if event.seq != record.version + 1:
        raise ConflictError(f"consent {record.id}: event {event.seq} out of order")
    step = event.seq
    if event.type in (EventType.GRANTED, EventType.DENIED):
        _require(record, Status.REQUESTED, f"{event.type.value}: it is already {record.status}")
        if event.type is EventType.GRANTED and record.expired_on(utc_day(event.at)):
            raise InvalidInputError(
                f"consent {record.id} cannot be granted: its term ended on "
                f"{record.request.valid_until}",
                hint="request a new consent with a current term",
            )
        granted = event.type is EventType.GRANTED
        return dataclasses.replace(
            record,
            version=step,
            status=Status.GRANTED if granted else Status.DENIED,
            answered_at=event.at,
            granted_at=event.at if granted else None,
            granted_by=Grantor(event.data["by"]) if granted else None,
            signer=event.data.get("signer"),
            signed_separately=bool(event.data.get("signed_separately", False)),
            clear_and_conspicuous=bool(event.data.get("clear_and_conspicuous", False)),
        )
    if event.type is EventType.REVOKED:
        if record.status is Status.REVOKED:
            assert record.revoked_at is not None
            raise ConflictError(
                f"consent {record.id} was already revoked on {record.revoked_at.date()}"
            )
        _require(record, Status.GRANTED, f"revoke: it is {record.status}, not granted")
        return dataclasses.replace(record, version=step, status=Status.REVOKED, revoked_at=event.at)
    if event.type is EventType.SUSPENDED:
        _require(record, Status.GRANTED, f"suspend: it is {record.status}")
        if record.suspended_since is not None:
            raise ConflictError(f"consent {record.id} is already suspended")
        return dataclasses.replace(record, version=step, suspended_since=event.at)
    # RESUMED
    if record.suspended_since is None:
        raise ConflictError(f"consent {record.id} is not suspended")
    closed = Interval(utc_day(record.suspended_since), utc_day(event.at))
    return dataclasses.replace(
        record, version=step, suspended=(*record.suspended, closed), suspended_since=None
    )


@dataclass(frozen=True)
class Stage:
    """Where a consent stands as the types of its events alone decide it: what someone
    holding only the log entries (which show each step's type, not its data) can
    follow. ``apply`` allows exactly the transitions ``next_stage`` does."""

    status: Status
    suspended: bool = False

    def __str__(self) -> str:
        return f"{self.status.value} and suspended" if self.suspended else self.status.value


def next_stage(stage: Stage | None, event: EventType) -> Stage | None:
    """The stage after an ``event`` step, or None where the lifecycle does not allow
    that step (``stage`` None: nothing recorded yet). The same rules as ``apply``, less
    the ones that need the event's data (a grant after the term ended)."""
    if stage is None:
        return Stage(Status.REQUESTED) if event is EventType.REQUESTED else None
    if event in (EventType.GRANTED, EventType.DENIED):
        if stage.status is not Status.REQUESTED:
            return None
        return Stage(Status.GRANTED if event is EventType.GRANTED else Status.DENIED)
    if event is EventType.REVOKED:
        # A suspended consent can be revoked: it stays suspended in the record.
        return Stage(Status.REVOKED, stage.suspended) if stage.status is Status.GRANTED else None
    if event is EventType.SUSPENDED:
        allowed = stage.status is Status.GRANTED and not stage.suspended
        return Stage(Status.GRANTED, suspended=True) if allowed else None
    if event is EventType.RESUMED:
        # As apply: resuming needs a suspension only (one revoked while suspended too).
        return Stage(stage.status) if stage.suspended else None
    return None  # a second request


def _require(record: ConsentRecord, status: Status, message: str) -> None:
    if record.status is not status:
        raise ConflictError(f"cannot {message} (consent {record.id})")


def fold(events: Iterable[ConsentEvent]) -> ConsentRecord:
    record: ConsentRecord | None = None
    for event in events:
        record = apply(record, event)
    if record is None:
        raise InvalidInputError("no events to fold")
    return record
