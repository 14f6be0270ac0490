"""Takedown notices: drafted from a flag with its evidence, then tracked step by step.

The system sends nothing: a person sends the notice and records each step (sent,
acknowledged, removed, refused, reinstated), each one a log event with its date and a
webhook. Only the flag's performer side (the performer, their representatives) and
admins may draft or track a notice about it; the operator at the console (``account``
None) may do all of it. docs/enforcement.md says what a notice holds and why.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

from likeness.domain.account import Account
from likeness.domain.consent import ReplicaKind, UseFacts
from likeness.domain.decision import Audience, Decision, Outcome
from likeness.domain.flag import Flag
from likeness.domain.takedown import (
    Notice,
    NoticeAppearance,
    NoticeReason,
    Still,
    Takedown,
    TakedownStatus,
    TakedownStep,
    check_step,
)
from likeness.errors import AppearanceCoveredError, InvalidInputError, NotFoundError
from likeness.ledger.receipt import Receipt
from likeness.services.access import require_performer, require_role
from likeness.services.events import takedown_event, takedown_notification
from likeness.services.ledger import LedgerService
from likeness.services.ports import Clock, IdFactory, NoOutbox, Outbox
from likeness.services.registry import RegistryService
from likeness.services.uses import UseService
from likeness.store.database import Database
from likeness.store.takedowns import TakedownRepository

MAX_LOCATION = 2048
MAX_TEXT = 2000
# The kinds a scan decides an appearance as by default (ScanOptions: replica_kind for
# filmed media, synthetic_as for media taken as AI-generated).
_SCAN_KINDS = (ReplicaKind.EMPLOYMENT_BASED, ReplicaKind.INDEPENDENTLY_CREATED)
_FLAG_HINT = "a flag id is the flag_id of a not_covered appearance in a scan report"


# Where the face stills are kept: the sealed reports of scan jobs (ScanJobService.stills).
Stills = Callable[[str | None, Collection[int]], dict[int, str]]


@dataclass(frozen=True)
class NoticeBundle:
    """A notice with its evidence from the log: the entry that drafted it and the
    flags' entries, each with an inclusion proof and a signed checkpoint."""

    takedown: Takedown
    notice_sha256: str
    notice_receipt: Receipt
    flag_receipts: tuple[Receipt, ...]


def notice_sha256(notice: Notice) -> str:
    """What ``takedown.drafted`` commits to: the notice's JSON, sorted and compact."""
    text = json.dumps(notice.to_json(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class TakedownService:
    def __init__(
        self,
        *,
        database: Database,
        ledger: LedgerService,
        registry: RegistryService,
        uses: UseService,
        clock: Clock,
        ids: IdFactory,
        stills: Stills,
        outbox: Outbox | None = None,
    ) -> None:
        self._database = database
        self._ledger = ledger
        self._registry = registry
        self._uses = uses
        self._clock = clock
        self._ids = ids
        self._stills = stills
        self._outbox = outbox or NoOutbox()

    # -- drafting -----------------------------------------------------------------

    def draft(
        self,
        account: Account | None,
        flag_id: int,
        location: str,
        *,
        contact: str | None = None,
        signer: str | None = None,
    ) -> NoticeBundle:
        """Draft a notice for the material at ``location`` showing the flagged appearance
        (and every other flag of the performer in the same content); logged as
        ``takedown.drafted``. Refused for another party's flag and for an appearance a
        consent covers now, saying which consent's rule covers it."""
        where = _location(location)
        with self._database.read() as connection:
            repository = TakedownRepository(connection)
            flag = repository.flag(flag_id)
            if flag is None:
                raise NotFoundError("flag", str(flag_id), hint=_FLAG_HINT)
            if account is not None:
                require_performer(account, flag.performer_id)
            same = (
                [flag.log_index]
                if flag.media_sha256 is None
                else repository.flags_in_media(flag.performer_id, flag.media_sha256)
            )
            flagged = [f for f in (repository.flag(i) for i in same) if f is not None]
        decision = self._not_covered(flag)
        notice = self._notice(account, flag, flagged, decision, where, contact, signer)
        digest = notice_sha256(notice)
        now = self._clock.now()
        takedown = Takedown(
            id=notice.id,
            flag_id=flag.log_index,
            performer_id=flag.performer_id,
            location=where,
            status=TakedownStatus.DRAFTED,
            notice=notice,
            created_by=None if account is None else account.id,
            created_at=now,
            updated_at=now,
        )
        step = TakedownStep(1, TakedownStatus.DRAFTED, now, None, takedown.created_by, -1)
        with self._database.write() as connection:
            [index] = self._ledger.record(connection, [takedown_event(takedown, step, digest)])
            step = replace(step, log_index=index)
            takedown = replace(takedown, steps=(step,))
            TakedownRepository(connection).add(takedown)
            self._outbox.emit(connection, takedown_notification(takedown, step))
        return self._bundle(takedown)

    def bundle(self, account: Account | None, takedown_id: str) -> NoticeBundle:
        """A drafted notice again, with receipts against the latest checkpoint."""
        return self._bundle(self.get(account, takedown_id))

    def _bundle(self, takedown: Takedown) -> NoticeBundle:
        drafted = takedown.steps[0]
        return NoticeBundle(
            takedown=takedown,
            notice_sha256=notice_sha256(takedown.notice),
            notice_receipt=self._ledger.receipt(drafted.log_index),
            flag_receipts=tuple(
                self._ledger.receipt(a.flag_id) for a in takedown.notice.appearances
            ),
        )

    def _not_covered(self, flag: Flag) -> Decision | None:
        """The decision a notice gives as its reason (None: the media was decided against
        no production, so no consent can cover it). Decided again now, as of the day of
        the flag: a consent found since (a late grant covering that day) refuses it."""
        if flag.production_id is None:
            return None
        decisions = [
            self._uses.decide(
                flag.performer_id,
                UseFacts(
                    production_id=flag.production_id,
                    replica_kind=kind,
                    modalities=frozenset({flag.modality}),
                    purpose="",
                    date=flag.flagged_at.date(),
                    appearance=True,
                ),
            )
            for kind in _SCAN_KINDS
        ]
        # Refused when a consent covers it as any kind a scan decides (the flag does not
        # say which): a notice must not be filed for a use a consent may cover.
        covering = next((d for d in decisions if d.outcome is not Outcome.NOT_COVERED), None)
        if covering is None:
            return decisions[0]
        why = "; ".join(f"{r.rule}: {r.message}" for r in covering.reasons)
        raise AppearanceCoveredError(
            f"flag {flag.log_index} is {covering.outcome.value}: {why or 'no reason given'}",
            hint="a notice is drafted only for an appearance no consent covers",
        )

    def _notice(
        self,
        account: Account | None,
        flag: Flag,
        flagged: Sequence[Flag],
        decision: Decision | None,
        location: str,
        contact: str | None,
        signer: str | None,
    ) -> Notice:
        performer = self._registry.get_performer(flag.performer_id)
        name = performer.professional_name or performer.legal_name
        acting = tuple((r.name, r.capacity.value, r.contact) for r in performer.representatives)
        contact = _text(contact, "contact") or next((c for _, _, c in acting if c), None)
        if contact is None:
            raise InvalidInputError(
                "a notice needs a contact (an email address or postal address)",
                hint="give --contact, or record a representative's contact on the performer",
            )
        stills = self._stills(flag.production_id, [f.log_index for f in flagged])
        kept = tuple(Still(i, stills[i]) for i in sorted(stills))
        return Notice(
            id=self._ids.new(),
            drafted_at=self._clock.now(),
            performer_id=performer.id,
            rights_holder=name,
            acting_for=acting,
            drafted_by="operator" if account is None else account.name,
            signer=_text(signer, "signer") or ("" if account is None else account.name) or name,
            contact=contact,
            location=location,
            media=flag.media,
            media_sha256=flag.media_sha256,
            appearances=tuple(
                NoticeAppearance(f.log_index, f.modality, f.start, f.end) for f in flagged
            ),
            production=None
            if flag.production_id is None
            else self._registry.get_production(flag.production_id).title,
            decision=Outcome.NOT_COVERED.value,
            reasons=_reasons(decision),
            stills=kept,
            stills_note=None
            if kept
            else "no still is kept for this appearance (the scan was run at the console or "
            "its report is gone); the flag's log entry and the times above identify it",
        )

    # -- tracking -----------------------------------------------------------------

    def record_step(
        self,
        account: Account | None,
        takedown_id: str,
        status: TakedownStatus,
        *,
        on: date | datetime | None = None,
        note: str | None = None,
    ) -> Takedown:
        """Record what happened to a notice (a person did it: the system sends nothing),
        on the date given (today when none): a step out of order is refused with the
        steps that may follow, and nothing is written."""
        now = self._clock.now()
        at = _when(on, now)
        note = _text(note, "note")
        with self._database.write() as connection:
            repository = TakedownRepository(connection)
            takedown = repository.get(takedown_id)
            if takedown is None:
                raise NotFoundError("takedown", takedown_id, hint="see 'likeness takedown list'")
            if account is not None:
                require_performer(account, takedown.performer_id)
            check_step(takedown.status, status)
            last = takedown.steps[-1]
            if at.date() < last.at.date():
                raise InvalidInputError(
                    f"the date {at.date()} is before the notice's last step "
                    f"({last.status.value} on {last.at.date()})"
                )
            at = max(at, last.at)  # the same day as the last step: after it
            step = TakedownStep(
                last.seq + 1, status, at, note, None if account is None else account.id, -1
            )
            [index] = self._ledger.record(connection, [takedown_event(takedown, step)])
            step = replace(step, log_index=index)
            repository.add_step(takedown, step)
            repository.set_status(takedown.id, status, now)
            takedown = replace(
                takedown, status=status, updated_at=now, steps=(*takedown.steps, step)
            )
            self._outbox.emit(connection, takedown_notification(takedown, step))
        return takedown

    # -- reading ------------------------------------------------------------------

    def get(self, account: Account | None, takedown_id: str) -> Takedown:
        with self._database.read() as connection:
            takedown = TakedownRepository(connection).get(takedown_id)
        if takedown is None:
            raise NotFoundError("takedown", takedown_id, hint="see 'likeness takedown list'")
        if account is not None:
            require_performer(account, takedown.performer_id)
        return takedown

    def listed(self, account: Account | None, performer_id: str | None = None) -> list[Takedown]:
        """Newest first: a performer's side sees its own; an admin or the operator every
        performer's (or one: ``performer_id``)."""
        if account is not None and account.performer_id is not None:
            require_performer(account, account.performer_id)
            performer_id = account.performer_id
        elif account is not None:
            require_role(account)  # an admin; no other role lists notices
        with self._database.read() as connection:
            return TakedownRepository(connection).listed(performer_id)


def _reasons(decision: Decision | None) -> tuple[NoticeReason, ...]:
    """Why the use is not authorised, in the terms an outsider may read (the notice goes
    to whoever hosts the material): the rules cited, no consent's or production's terms."""
    if decision is None:
        return (
            NoticeReason(
                "likeness",
                "the media was found outside any production; no consent on file covers it",
            ),
        )
    told = decision.seen_by(Audience.OUTSIDER).reasons
    return tuple(dict.fromkeys(NoticeReason(r.rule, r.message) for r in told))


def _location(text: str) -> str:
    where = text.strip()
    if not where:
        raise InvalidInputError("a notice needs the material's location (its URL or file)")
    if len(where) > MAX_LOCATION or any(ord(c) < 32 or ord(c) == 127 for c in where):
        raise InvalidInputError(
            f"a location is one line of at most {MAX_LOCATION} characters (a URL or a file)"
        )
    return where


def _text(value: str | None, field: str) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > MAX_TEXT:
        raise InvalidInputError(f"the {field} is longer than {MAX_TEXT} characters")
    return value.strip()


def _when(on: date | datetime | None, now: datetime) -> datetime:
    """A step's time: a date a person gives is that day (noon UTC, so it reads as the
    same day everywhere it is shown); never in the future."""
    if on is None:
        return now
    at = on if isinstance(on, datetime) else datetime.combine(on, time(12), tzinfo=UTC)
    if at.tzinfo is None:
        raise InvalidInputError("a step's time needs a time zone")
    if at.date() > now.date():
        raise InvalidInputError(f"the date {at.date()} is in the future")
    return min(at, now)
