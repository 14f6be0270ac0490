"""A consent as outsiders can check it: its terms and the steps of its lifecycle up to a
chosen one, each step with the log receipt of the entry that recorded it, and the
performer named only by the salted commitment of the consent's ``consent.requested``
entry (docs/provenance.md, "Consent receipts (ISO/IEC TS 27560)").

The ISO/IEC TS 27560 JSON-LD form of the result is made at the edge
(``api/iso27560.py``); this module gathers the typed facts and the proofs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from likeness.domain.consent import Grantor
from likeness.domain.lifecycle import ConsentRequest, EventType, Status, fold
from likeness.domain.log_events import LogEventType
from likeness.domain.production import Production
from likeness.errors import InvalidInputError, LogIntegrityError, NotFoundError
from likeness.ledger.entry import decode_entry
from likeness.ledger.receipt import Receipt
from likeness.rules.territory import read_territory
from likeness.services.ledger import LedgerService
from likeness.services.ports import Clock
from likeness.store.consent_store import ConsentEventRepository
from likeness.store.database import Database
from likeness.store.repositories import ProductionRepository

# The field of a ``consent.requested`` record whose commitment stands for the performer
# (services/events.consent_step commits every field of the requested event's data).
PERFORMER_FIELD = "performer_id"


@dataclass(frozen=True)
class ProvenStep:
    """One step of a consent's lifecycle and the receipt of the log entry recording it."""

    seq: int
    type: EventType
    at: datetime
    by: Grantor | None  # who acted, for grants, denials and revocations
    signed_separately: bool
    clear_and_conspicuous: bool
    receipt: Receipt


@dataclass(frozen=True)
class ConsentProof:
    """What a consent receipt says: no name, no registry id of the performer."""

    consent_id: str
    status: Status  # after the last step included
    request: ConsentRequest  # the terms asked for and, once granted, agreed
    production: Production  # the controller: a company, not a person
    territory_codes: tuple[str, ...]  # the ISO 3166 codes the territory reads as, if any
    data_subject: str  # base64 commitment to the performer id in the requested entry
    steps: tuple[ProvenStep, ...]  # from the request to the chosen step, in order
    issued_at: datetime


class ConsentReceiptService:
    def __init__(self, *, database: Database, ledger: LedgerService, clock: Clock) -> None:
        self._database = database
        self._ledger = ledger
        self._clock = clock

    def prove(self, consent_id: str, through: int | None = None) -> ConsentProof:
        """The consent as it stood after the step recorded at log index ``through`` (the
        latest step when None), with a receipt for every step up to it."""
        with self._database.read() as connection:
            repository = ConsentEventRepository(connection)
            events = repository.events(consent_id)
            indexes = repository.log_indexes(consent_id)
            if not events:
                raise NotFoundError(
                    "consent", consent_id, hint="'likeness consent list' shows them"
                )
            production_id = str(events[0].data["production_id"])
            production = ProductionRepository(connection).get(production_id)
        if production is None:  # a consent row outliving its production is damage
            raise NotFoundError("production", production_id)
        count = len(events) if through is None else _position(consent_id, indexes, through) + 1
        chosen = events[:count]
        record = fold(chosen)
        steps = tuple(
            ProvenStep(
                seq=event.seq,
                type=event.type,
                at=event.at,
                by=None if "by" not in event.data else Grantor(event.data["by"]),
                signed_separately=bool(event.data.get("signed_separately", False)),
                clear_and_conspicuous=bool(event.data.get("clear_and_conspicuous", False)),
                receipt=self._ledger.receipt(index),
            )
            for event, index in zip(chosen, indexes[:count], strict=True)
        )
        return ConsentProof(
            consent_id=consent_id,
            status=record.status,
            request=record.request,
            production=production,
            territory_codes=_territory_codes(record.request.description.territory),
            data_subject=_performer_commitment(consent_id, steps[0].receipt),
            steps=steps,
            issued_at=self._clock.now(),
        )


def _territory_codes(territory: str | None) -> tuple[str, ...]:
    """Codes only where the whole territory reads as regions: a part left unread would
    make a list of codes claim less than the consent says."""
    if territory is None:
        return ()
    read = read_territory(territory)
    return () if read.world or read.unread else tuple(sorted(read.codes))


def _position(consent_id: str, indexes: list[int], through: int) -> int:
    if through not in indexes:
        listed = ", ".join(str(i) for i in indexes)
        raise InvalidInputError(
            f"log entry {through} does not record a step of consent {consent_id}",
            hint=f"its steps are at log indexes {listed} ('likeness consent show ID')",
        )
    return indexes.index(through)


def _performer_commitment(consent_id: str, requested: Receipt) -> str:
    """The commitment the ``consent.requested`` entry holds for the performer id."""
    try:
        entry = decode_entry(requested.entry)
    except ValueError as exc:
        raise LogIntegrityError(f"log entry {requested.index} is unreadable: {exc}") from None
    commitments = entry.get("commitments")
    value = commitments.get(PERFORMER_FIELD) if isinstance(commitments, dict) else None
    if entry.get("type") != LogEventType.CONSENT_REQUESTED.value or not isinstance(value, str):
        raise LogIntegrityError(
            f"log entry {requested.index} is not the request of consent {consent_id}",
            hint="run 'likeness log audit'",
        )
    return value
