"""The event catalogue: every kind of log event (``domain.log_events.LogEventType``), each
built here and nowhere else, and the notifications (webhook events) some of them send.

A builder returns a ``PendingEvent``: the ``LogEvent`` to append and the key of the
record whose salt commits to its personal fields (``None`` when nobody can be named
by them: a fresh salt is used and thrown away). Record fields are committed to, never
written in clear (docs/ledger.md).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from likeness.domain.calibration import Calibration
from likeness.domain.consent import Modality, UseFacts
from likeness.domain.decision import Decision, Outcome, Reason
from likeness.domain.flag import Flag
from likeness.domain.lifecycle import ConsentEvent, ConsentRecord, Status
from likeness.domain.log_events import LogEventType
from likeness.domain.money import Money
from likeness.domain.performer import Performer
from likeness.domain.production import Production
from likeness.domain.retention import Interaction
from likeness.domain.takedown import Takedown, TakedownStatus, TakedownStep
from likeness.domain.use import ReportedUse, UseReport
from likeness.domain.witness import Witness
from likeness.ledger.canonical import JsonValue
from likeness.ledger.entry import SALT_SIZE, LogEvent
from likeness.provenance.clearance import ClearedRecord
from likeness.store.record_keys import biometric, personal

T = TypeVar("T")


@dataclass(frozen=True)
class PendingEvent:
    """A log event waiting to be appended, and whose salt commits to its fields."""

    event: LogEvent
    salt_key: str | None  # the record's key (``consent:<id>``); None: a throwaway salt
    # A salt chosen here and handed to the caller instead (checks: the caller keeps it
    # to show what it was told); None: the salt of ``salt_key``, or a throwaway one.
    salt: bytes | None = None
    # Whose record key derives the salt (``personal:<performer>``, ``biometric:<performer>``):
    # destroying that key on erasure leaves the commitments unopenable. None: a salt of its
    # own, stored (records no performer owns: productions).
    salt_owner: str | None = None


@dataclass(frozen=True)
class Recorded(Generic[T]):
    """A result and the indexes of the log entries that record it."""

    value: T
    log_indexes: tuple[int, ...]


# -- what notifications say ------------------------------------------------------------


@dataclass(frozen=True)
class ConsentNotice:
    consent_id: str
    status: Status
    log_index: int
    project: str


@dataclass(frozen=True)
class UseNotice:
    use_id: str
    date: date
    outcome: Outcome
    total: Money
    log_index: int


@dataclass(frozen=True)
class FlagNotice:
    media_sha256: str | None
    modality: Modality
    start: Decimal
    end: Decimal
    log_index: int


@dataclass(frozen=True)
class TakedownNotice:
    takedown_id: str
    flag_log_index: int
    status: TakedownStatus
    at: datetime  # when the step happened, as recorded
    log_index: int


@dataclass(frozen=True)
class Notification:
    """Something a subscriber may want to hear about (a webhook event)."""

    type: LogEventType
    at: datetime
    performer_id: str | None
    production_id: str | None
    notice: ConsentNotice | UseNotice | FlagNotice | TakedownNotice


def modality_list(modalities: frozenset[Modality]) -> str:
    """``face,voice``: modalities as one text, in a stable order."""
    return ",".join(sorted(m.value for m in modalities))


# -- record keys -----------------------------------------------------------------------


def performer_key(performer_id: str) -> str:
    return f"performer:{performer_id}"


def production_key(production_id: str) -> str:
    return f"production:{production_id}"


def consent_key(consent_id: str) -> str:
    return f"consent:{consent_id}"


def use_key(use_id: str) -> str:
    return f"use:{use_id}"


def template_key(template_id: str) -> str:
    return f"template:{template_id}"


def takedown_key(takedown_id: str) -> str:
    return f"takedown:{takedown_id}"


# -- the registry ----------------------------------------------------------------------


def _date(value: date | None) -> JsonValue:
    return None if value is None else str(value)


def performer_event(kind: LogEventType, performer: Performer) -> PendingEvent:
    """``performer.added`` / ``performer.updated`` / ``performer.imported``: every field
    is personal data, so all of them are committed to and none is written."""
    assert kind.value.startswith("performer.") and kind is not LogEventType.PERFORMER_ERASED
    record: dict[str, JsonValue] = {
        "legal_name": performer.legal_name,
        "professional_name": performer.professional_name,
        "union": performer.union,
        "member_number": performer.member_number,
        "date_of_birth": _date(performer.date_of_birth),
        "status": performer.status.value,
        "date_of_death": _date(performer.date_of_death),
        "domicile": performer.domicile,
        "representatives": [
            {"name": r.name, "capacity": r.capacity.value, "contact": r.contact}
            for r in performer.representatives
        ],
    }
    event = LogEvent(
        type=kind.value, at=performer.updated_at, ids={"performer": performer.id}, record=record
    )
    return PendingEvent(event, performer_key(performer.id), salt_owner=personal(performer.id))


def production_added(production: Production) -> PendingEvent:
    record: dict[str, JsonValue] = {
        "title": production.title,
        "company": production.company,
        "kind": production.kind.value,
        "agreement": production.agreement.value,
        "jurisdiction": production.jurisdiction,
        "start_date": _date(production.start_date),
        "end_date": _date(production.end_date),
    }
    event = LogEvent(
        type=LogEventType.PRODUCTION_ADDED.value,
        at=production.created_at,
        ids={"production": production.id},
        record=record,
    )
    return PendingEvent(event, production_key(production.id))


def performer_erased(performer_id: str, at: datetime) -> PendingEvent:
    event = LogEvent(
        type=LogEventType.PERFORMER_ERASED.value, at=at, ids={"performer": performer_id}
    )
    return PendingEvent(event, None)


# -- consents and uses -----------------------------------------------------------------


def consent_step(record: ConsentRecord, step: ConsentEvent) -> PendingEvent:
    """``consent.<step>``: each step of a consent's lifecycle, committing to its data."""
    event = LogEvent(
        type=LogEventType.of_consent(step).value,
        at=step.at,
        ids={
            "consent": record.id,
            "performer": record.performer_id,
            "production": record.production_id,
        },
        record={"seq": step.seq, **step.data},
    )
    return PendingEvent(event, consent_key(record.id), salt_owner=personal(record.performer_id))


def consent_notification(record: ConsentRecord, step: ConsentEvent, index: int) -> Notification:
    """Every step of a consent is news to its parties."""
    return Notification(
        type=LogEventType.of_consent(step),
        at=step.at,
        performer_id=record.performer_id,
        production_id=record.production_id,
        notice=ConsentNotice(record.id, record.status, index, record.request.description.project),
    )


def use_reported(use_id: str, report: UseReport, decision: Decision, at: datetime) -> PendingEvent:
    event = LogEvent(
        type=LogEventType.USE_REPORTED.value,
        at=at,
        ids={
            "use": use_id,
            "performer": report.performer_id,
            "production": report.use.production_id,
        },
        record={"facts": report.to_json(), "decision": decision.to_json()},
    )
    return PendingEvent(event, use_key(use_id), salt_owner=personal(report.performer_id))


def use_notification(use: ReportedUse) -> Notification:
    return Notification(
        type=LogEventType.USE_REPORTED,
        at=use.reported_at,
        performer_id=use.performer_id,
        production_id=use.production_id,
        notice=UseNotice(
            use.id, use.use_date, use.decision.outcome, use.decision.total, use.log_index
        ),
    )


class Checked(Protocol):
    """One likeness a check found (``checks.Finding``)."""

    @property
    def performer_id(self) -> str | None: ...

    @property
    def modalities(self) -> frozenset[Modality]: ...

    @property
    def decision(self) -> Decision | None: ...


def _reasons(reasons: Sequence[Reason]) -> list[JsonValue]:
    return [dict(r.to_json()) for r in reasons]


def check_performed(
    use: UseFacts, findings: Sequence[Checked], covered: bool, at: datetime
) -> PendingEvent:
    """``check.performed``: who was found, and what was decided, for an intended use, as
    the caller was told it (the findings' decisions are already cut to the caller). Its
    salt is fresh and goes back to the caller with the answer, so that the caller can
    open the commitment and show what it asked and was told (docs/api.md)."""
    event = LogEvent(
        type=LogEventType.CHECK_PERFORMED.value,
        at=at,
        ids={"production": use.production_id},
        record={
            "use": use.to_json(),
            "covered": covered,
            "findings": [
                {
                    "performer_id": f.performer_id,
                    "modality": modality_list(f.modalities),
                    "decision": None if f.decision is None else f.decision.outcome.value,
                    "consent_id": None if f.decision is None else f.decision.consent_id,
                    "reasons": [] if f.decision is None else _reasons(f.decision.reasons),
                }
                for f in findings
            ],
        },
    )
    return PendingEvent(event, None, salt=secrets.token_bytes(SALT_SIZE))


# -- recognition and scans -------------------------------------------------------------


def appearance_flagged(flag: Flag) -> PendingEvent:
    """A scanned appearance no consent covers (``flag.log_index`` is not yet known). A
    scan submitted over HTTP names its account, in the clear like the other ids, so
    that a flag raised on a platform's upload is attributable to that platform."""
    ids = {"performer": flag.performer_id}
    if flag.production_id is not None:  # none for a watcher's find outside any production
        ids["production"] = flag.production_id
    if flag.submitted_by is not None:
        ids["account"] = flag.submitted_by
    event = LogEvent(
        type=LogEventType.APPEARANCE_FLAGGED.value,
        at=flag.flagged_at,
        ids=ids,
        record={
            "media_sha256": flag.media_sha256,
            "modality": flag.modality.value,
            "start": str(flag.start),
            "end": str(flag.end),
            "submitted_by": flag.submitted_by,
        },
    )
    return PendingEvent(event, None)


def flag_notification(flag: Flag) -> Notification:
    return Notification(
        type=LogEventType.APPEARANCE_FLAGGED,
        at=flag.flagged_at,
        performer_id=flag.performer_id,
        production_id=flag.production_id,
        notice=FlagNotice(flag.media_sha256, flag.modality, flag.start, flag.end, flag.log_index),
    )


def enrolment_added(
    *,
    performer_id: str,
    template_id: str,
    modality: Modality,
    model_id: str,
    source_sha256: str,
    template_sha256: str,
    at: datetime,
    liveness: Mapping[str, str] | None = None,
) -> PendingEvent:
    """``enrolment.added``; ``liveness``: the check the sample passed and its verdict, as
    text (measures, never landmarks or pixels), when it was enrolled live."""
    record: dict[str, JsonValue] = {
        "modality": modality.value,
        "model_id": model_id,
        "source_sha256": source_sha256,
        "template_sha256": template_sha256,
    }
    if liveness is not None:
        record["liveness"] = dict(liveness)
    event = LogEvent(
        type=LogEventType.ENROLMENT_ADDED.value,
        at=at,
        ids={"performer": performer_id, "template": template_id},
        record=record,
    )
    return PendingEvent(event, template_key(template_id), salt_owner=biometric(performer_id))


def enrolment_removed(
    performer_id: str, *, modalities: Sequence[Modality], template_ids: Sequence[str], at: datetime
) -> PendingEvent:
    """``enrolment.removed``: the performer (or their representative) removed their
    templates of these modalities; which templates, committed. Their ``enrolment.added``
    commitments can no longer be opened (the salts are erased with the templates)."""
    event = LogEvent(
        type=LogEventType.ENROLMENT_REMOVED.value,
        at=at,
        ids={"performer": performer_id},
        record={
            "modalities": sorted(m.value for m in modalities),
            "template_ids": sorted(template_ids),
        },
    )
    return PendingEvent(event, performer_key(performer_id), salt_owner=personal(performer_id))


def match_rejected(performer_id: str, media_sha256: str, at: datetime) -> PendingEvent:
    event = LogEvent(
        type=LogEventType.MATCH_REJECTED.value,
        at=at,
        ids={"performer": performer_id},
        record={"media_sha256": media_sha256},
    )
    return PendingEvent(event, None)


def calibration_activated(
    calibration: Calibration, previous: str | None, at: datetime
) -> PendingEvent:
    """``calibration.activated``: the threshold that decides matches of one model changed.
    Counts, the dataset's digest and the threshold; never the operator's labels (people's
    names), files or embeddings. Numbers as decimal text (the log refuses floats)."""
    event = LogEvent(
        type=LogEventType.CALIBRATION_ACTIVATED.value,
        at=at,
        ids={"calibration": calibration.id},
        record={
            "modality": calibration.modality.value,
            "model_id": calibration.model_id,
            "detector_id": calibration.detector_id,
            "dataset_sha256": calibration.dataset_sha256,
            "people": calibration.people,
            "files": calibration.files,
            "genuine_pairs": calibration.genuine_pairs,
            "impostor_pairs": calibration.impostor_pairs,
            "threshold": repr(calibration.threshold),
            "target_fmr": repr(calibration.target_fmr),
            "previous": previous,
        },
    )
    return PendingEvent(event, None)


# -- clearance credentials (services/credentials.py) -----------------------------------


def scan_cleared(
    production_id: str, record: ClearedRecord, salt: bytes, at: datetime
) -> PendingEvent:
    """``scan.cleared``: a file about to be signed, every appearance cleared. The record
    (performers as commitments only) and its salt travel in the credential, so that
    anyone holding the file can recompute the entry's ``record_sha256``."""
    event = LogEvent(
        type=LogEventType.SCAN_CLEARED.value,
        at=at,
        ids={"production": production_id},
        record=record.fields,
    )
    return PendingEvent(event, None, salt=salt)


def credential_issued(
    production_id: str, *, scan_index: int, media_sha256: str, signed_sha256: str, at: datetime
) -> PendingEvent:
    """``credential.issued``: the signed copy of the file the ``scan.cleared`` entry at
    ``scan_index`` cleared; nothing personal in it."""
    event = LogEvent(
        type=LogEventType.CREDENTIAL_ISSUED.value,
        at=at,
        ids={"production": production_id},
        record={
            "scan_index": scan_index,
            "media_sha256": media_sha256,
            "signed_sha256": signed_sha256,
        },
    )
    return PendingEvent(event, None)


# -- retention (services/retention.py) ------------------------------------------------


def _retention_record(destroy_on: date, last: Interaction) -> dict[str, JsonValue]:
    return {
        "destroy_on": destroy_on.isoformat(),
        "last_interaction": {"kind": last.kind.value, "at": last.at.isoformat()},
    }


def retention_warned(
    performer_id: str, *, destroy_on: date, last: Interaction, at: datetime
) -> PendingEvent:
    """``retention.warned``: the performer was told their biometric data goes on
    ``destroy_on``; when and why are committed under the performer's salt."""
    event = LogEvent(
        type=LogEventType.RETENTION_WARNED.value,
        at=at,
        ids={"performer": performer_id},
        record=_retention_record(destroy_on, last),
    )
    return PendingEvent(event, performer_key(performer_id), salt_owner=personal(performer_id))


def retention_destroyed(
    performer_id: str,
    *,
    template_ids: Sequence[str],
    destroy_on: date,
    last: Interaction,
    at: datetime,
) -> PendingEvent:
    """``retention.destroyed``: the schedule destroyed the performer's templates, vault data
    and index entries; which templates, and the deadline, are committed."""
    event = LogEvent(
        type=LogEventType.RETENTION_DESTROYED.value,
        at=at,
        ids={"performer": performer_id},
        record={
            **_retention_record(destroy_on, last),
            "template_ids": sorted(template_ids),
        },
    )
    return PendingEvent(event, performer_key(performer_id), salt_owner=personal(performer_id))


# -- the log's witnesses -----------------------------------------------------------------


def witness_added(witness: Witness) -> PendingEvent:
    """A witness the log's checkpoints go to from now on: its key in clear (anyone may
    check its cosignatures), its URL committed to."""
    event = LogEvent(
        type=LogEventType.WITNESS_ADDED.value,
        at=witness.added_at,
        ids={"witness": witness.verifier_key},
        record={"url": witness.url},
    )
    return PendingEvent(event, None)


def witness_removed(witness: Witness, at: datetime) -> PendingEvent:
    event = LogEvent(
        type=LogEventType.WITNESS_REMOVED.value, at=at, ids={"witness": witness.verifier_key}
    )
    return PendingEvent(event, None)


# -- takedown notices (services/takedowns.py) ----------------------------------------


def takedown_event(
    takedown: Takedown, step: TakedownStep, notice_sha256: str | None = None
) -> PendingEvent:
    """``takedown.<status>``: a step of a notice, on the date the person recording it
    gives. ``takedown.drafted`` commits to the notice's SHA-256 (the notice itself is
    personal data, stored sealed); where the material is and any note are committed to,
    under a salt the performer's personal key derives (erasure leaves them unopenable)."""
    record: dict[str, JsonValue] = {
        "seq": step.seq,
        "flag": takedown.flag_id,
        "location": takedown.location,
        "note": step.note,
    }
    if notice_sha256 is not None:
        record["notice_sha256"] = notice_sha256
    ids = {"takedown": takedown.id, "performer": takedown.performer_id}
    if step.recorded_by is not None:
        ids["account"] = step.recorded_by
    event = LogEvent(
        type=LogEventType(f"takedown.{step.status.value}").value, at=step.at, ids=ids, record=record
    )
    return PendingEvent(
        event, takedown_key(takedown.id), salt_owner=personal(takedown.performer_id)
    )


def takedown_notification(takedown: Takedown, step: TakedownStep) -> Notification:
    """News to the performer's side only: the production the flag was decided against is
    not a party to the notice (which is sent to whoever hosts the material)."""
    return Notification(
        type=LogEventType(f"takedown.{step.status.value}"),
        at=step.at,
        performer_id=takedown.performer_id,
        production_id=None,
        notice=TakedownNotice(takedown.id, takedown.flag_id, step.status, step.at, step.log_index),
    )
