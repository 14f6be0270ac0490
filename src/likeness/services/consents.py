"""The consent lifecycle: request, grant, deny, revoke, suspend, resume.

Every transition is an event folded into the consent's state (``domain.lifecycle``),
stored, and appended to the transparency log in the same transaction; each returns
the log indexes that record it (for receipts).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from likeness.domain.consent import ADULT_AGE, Grantor, utc_day
from likeness.domain.lifecycle import (
    ConsentEvent,
    ConsentRecord,
    ConsentRequest,
    EventType,
    Status,
    apply,
    fold,
    requested_event,
)
from likeness.domain.performer import Performer, RepresentativeCapacity
from likeness.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from likeness.rules.specificity import specificity_problems
from likeness.services.events import Recorded, consent_notification, consent_step
from likeness.services.ledger import LedgerService
from likeness.services.ports import Clock, IdFactory, NoOutbox, Outbox
from likeness.store.change_counter import bump
from likeness.store.consent_store import ConsentEventRepository
from likeness.store.database import Database
from likeness.store.repositories import PerformerRepository, ProductionRepository

PERSONAL_CAPACITIES = {
    RepresentativeCapacity.AGENT,
    RepresentativeCapacity.MANAGER,
    RepresentativeCapacity.ATTORNEY,
    RepresentativeCapacity.GUARDIAN,
}


class ConsentService:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        ids: IdFactory,
        ledger: LedgerService,
        outbox: Outbox | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._ids = ids
        self._ledger = ledger
        self._outbox = outbox or NoOutbox()

    def request(
        self, performer_id: str, production_id: str, request: ConsentRequest
    ) -> Recorded[ConsentRecord]:
        """A production asks for consent; the description must be reasonably specific."""
        problems = specificity_problems(request.description, request.replica_kind)
        if problems:
            raise InvalidInputError(
                "the description of the intended use is not reasonably specific: "
                + "; ".join(problems),
                hint="SAG-AFTRA TV/Theatrical B2.4, Cal. Labor Code 927(a)(2) and NY GOL 5-302 "
                "require a reasonably specific description of each use",
            )
        now = self._clock.now()
        with self._database.write() as connection:
            performer = _performer(connection, performer_id)
            if ProductionRepository(connection).get(production_id) is None:
                raise NotFoundError("production", production_id)
            event = requested_event(self._ids.new(), performer.id, production_id, request, now)
            record = apply(None, event)
            ConsentEventRepository(connection).create(record.id, performer.id, production_id, now)
            index = self._store(connection, record, event)
        return Recorded(record, (index,))

    def grant(
        self,
        consent_id: str,
        *,
        by: Grantor,
        signer: str | None = None,
        signed_separately: bool,
        clear_and_conspicuous: bool,
    ) -> Recorded[ConsentRecord]:
        data = {
            "by": by.value,
            "signer": signer,
            "signed_separately": signed_separately,
            "clear_and_conspicuous": clear_and_conspicuous,
        }
        return self._transition(consent_id, EventType.GRANTED, data, by=by, signer=signer)

    def deny(
        self, consent_id: str, *, by: Grantor, signer: str | None = None, reason: str = ""
    ) -> Recorded[ConsentRecord]:
        data = {"by": by.value, "signer": signer, "reason": reason}
        return self._transition(consent_id, EventType.DENIED, data, by=by, signer=signer)

    def revoke(
        self, consent_id: str, *, by: Grantor, signer: str | None = None, reason: str = ""
    ) -> Recorded[ConsentRecord]:
        data = {"by": by.value, "signer": signer, "reason": reason}
        return self._transition(consent_id, EventType.REVOKED, data, by=by, signer=signer)

    def suspend(self, consent_id: str, *, reason: str) -> Recorded[ConsentRecord]:
        """Suspend a granted consent (a strike: IMA 2025 E6, TV/Theatrical 2026 C2)."""
        return self._transition(consent_id, EventType.SUSPENDED, {"reason": reason})

    def resume(self, consent_id: str) -> Recorded[ConsentRecord]:
        return self._transition(consent_id, EventType.RESUMED, {})

    def get(self, consent_id: str) -> ConsentRecord:
        with self._database.read() as connection:
            return _load(connection, consent_id)

    def find(
        self, *, performer_id: str | None = None, production_id: str | None = None
    ) -> list[ConsentRecord]:
        return [record for record, _ in self.find_indexed(performer_id, production_id)]

    def held(self, production_id: str | None = None) -> list[ConsentRecord]:
        """The granted consents of a production (every production's when None): those a
        use may rely on. Revoked, denied and unanswered ones are not held; a suspended or
        expired one still is, since a use on a day it was in force relies on it."""
        return [r for r in self.find(production_id=production_id) if r.status is Status.GRANTED]

    def find_indexed(
        self, performer_id: str | None = None, production_id: str | None = None
    ) -> list[tuple[ConsentRecord, list[int]]]:
        """Consents with the log indexes of their steps (for lists with receipts)."""
        with self._database.read() as connection:
            histories = ConsentEventRepository(connection).histories(
                performer_id=performer_id, production_id=production_id
            )
        return [
            (fold(event for event, _ in history), [index for _, index in history])
            for history in histories.values()
        ]

    def log_indexes(self, consent_id: str) -> list[int]:
        with self._database.read() as connection:
            _load(connection, consent_id)
            return ConsentEventRepository(connection).log_indexes(consent_id)

    def events(self, consent_id: str) -> list[ConsentEvent]:
        with self._database.read() as connection:
            _load(connection, consent_id)
            return ConsentEventRepository(connection).events(consent_id)

    def _transition(
        self,
        consent_id: str,
        kind: EventType,
        data: dict[str, Any],
        *,
        by: Grantor | None = None,
        signer: str | None = None,
    ) -> Recorded[ConsentRecord]:
        now = self._clock.now()
        with self._database.write() as connection:
            current = _load(connection, consent_id)
            if by is not None:
                performer = _performer(connection, current.performer_id)
                by = capacity_of(performer, by, signer, utc_day(now))
                authorise(performer, by, signer, utc_day(now))
                data = {**data, "by": by.value}
            event = ConsentEvent(consent_id, current.version + 1, kind, now, data)
            record = apply(current, event)  # refuses what the lifecycle does not allow
            index = self._store(connection, record, event)
        return Recorded(record, (index,))

    def _store(self, connection: Connection, record: ConsentRecord, event: ConsentEvent) -> int:
        [index] = self._ledger.record(connection, [consent_step(record, event)])
        ConsentEventRepository(connection).append(event, index)
        bump(connection)  # cached decisions about this performer are stale now
        self._outbox.emit(connection, consent_notification(record, event, index))
        return index


def capacity_of(performer: Performer, by: Grantor, signer: str | None, on: date) -> Grantor:
    """A representative who is the recorded guardian of a performer under 18 on ``on``
    acts as their parent or guardian: the capacity a minor's consent needs (rules.md
    Part A ``granted_by``), recorded as such on the consent."""
    if by is not Grantor.REPRESENTATIVE or signer is None or not _minor(performer, on):
        return by
    guardians = {
        r.name.casefold()
        for r in performer.representatives
        if r.capacity is RepresentativeCapacity.GUARDIAN
    }
    return Grantor.PARENT_OR_GUARDIAN if signer.casefold() in guardians else by


def _minor(performer: Performer, on: date) -> bool:
    return performer.age_on(on) < ADULT_AGE


def authorise(performer: Performer, by: Grantor, signer: str | None, on: date) -> None:
    """May ``by`` (named ``signer``) act for ``performer`` on ``on``? (SAG B2.7; CA 3344.1;
    a parent or guardian for a minor.)"""
    dead = performer.date_of_death is not None and performer.date_of_death <= on
    reps = {(r.name.casefold(), r.capacity) for r in performer.representatives}
    who = f"performer {performer.id}"
    if by is Grantor.PARENT_OR_GUARDIAN:
        if dead or not _minor(performer, on):
            raise PermissionDeniedError(
                f"{who} is not a living minor: a parent or guardian does not consent for them"
            )
        if signer is None or (signer.casefold(), RepresentativeCapacity.GUARDIAN) not in reps:
            raise PermissionDeniedError(
                f"{signer!r} is not recorded as the guardian of {who}",
                hint="add them with 'likeness performer update ID -r guardian:NAME'",
            )
        return
    if by is Grantor.PERFORMER:
        if dead:
            raise PermissionDeniedError(
                f"{who} died on {performer.date_of_death}; their estate or representative acts now"
            )
        return
    if by is Grantor.REPRESENTATIVE:
        if dead:
            raise PermissionDeniedError(f"{who} is deceased: the estate acts, not an agent")
        if signer is None or not any(
            name == signer.casefold() and cap in PERSONAL_CAPACITIES for name, cap in reps
        ):
            raise PermissionDeniedError(
                f"{signer!r} is not an authorised representative of {who}",
                hint="add them with 'likeness performer update ID -r agent:NAME'",
            )
        return
    if not dead:
        raise PermissionDeniedError(
            f"{who} is alive: only they (or their authorised representative) may act, "
            f"not the {by.value}"
        )
    estates = {name for name, cap in reps if cap is RepresentativeCapacity.ESTATE}
    if by is Grantor.ESTATE:
        if signer is None or signer.casefold() not in estates:
            raise PermissionDeniedError(
                f"{signer!r} is not recorded as the estate of {who}",
                hint="add it with 'likeness performer update ID -r estate:NAME'",
            )
        return
    if estates:  # the union acts only when no representative can be found (B2.7)
        raise PermissionDeniedError(
            f"{who} has a recorded estate; the union may consent only when no representative "
            "can be identified or located (SAG-AFTRA B2.7)"
        )


def _performer(connection: Connection, performer_id: str) -> Performer:
    performer = PerformerRepository(connection).get(performer_id)
    if performer is None:
        raise NotFoundError("performer", performer_id)
    return performer


def _load(connection: Connection, consent_id: str) -> ConsentRecord:
    events = ConsentEventRepository(connection).events(consent_id)
    if not events:
        raise NotFoundError("consent", consent_id, hint="'likeness consent list' shows them")
    return fold(events)
