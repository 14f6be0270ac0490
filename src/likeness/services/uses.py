"""Reporting uses (each decided by the rulebooks and logged) and performers' statements."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.engine import Connection

from likeness.domain.consent import (
    Case,
    PerformerCategory,
    PerformerFacts,
    ProductionFacts,
    UseFacts,
)
from likeness.domain.decision import Decision
from likeness.domain.lifecycle import ConsentRecord, fold
from likeness.domain.money import Money
from likeness.domain.performer import Performer
from likeness.domain.use import ReportedUse, UseReport
from likeness.errors import InvalidInputError, NotFoundError
from likeness.rules.engine import evaluate
from likeness.services.caching import VersionedCache
from likeness.services.events import Recorded, use_notification, use_reported
from likeness.services.ledger import LedgerService
from likeness.services.ports import Clock, IdFactory, NoOutbox, Outbox
from likeness.store.change_counter import ChangeWatch
from likeness.store.consent_store import ConsentEventRepository, UseRepository
from likeness.store.database import Database
from likeness.store.repositories import PerformerRepository, ProductionRepository


@dataclass(frozen=True)
class Statement:
    performer_id: str
    start: date
    end: date
    uses: tuple[ReportedUse, ...]
    totals: tuple[Money, ...]  # one per currency, by currency

    def lines_total(self) -> tuple[Money, ...]:
        """The same totals, summed line by line: a statement reconciles when they agree."""
        return _by_currency(line.amount for use in self.uses for line in use.decision.compensation)

    def reconciles(self) -> bool:
        def nonzero(sums: tuple[Money, ...]) -> tuple[Money, ...]:
            return tuple(m for m in sums if m.amount)

        return nonzero(self.lines_total()) == nonzero(self.totals)


def _by_currency(amounts: Iterable[Money]) -> tuple[Money, ...]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for money in amounts:
        sums[money.currency] += money.amount
    return tuple(Money(amount, currency) for currency, amount in sorted(sums.items()))


class UseService:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        ids: IdFactory,
        ledger: LedgerService,
        outbox: Outbox | None = None,
        counter: Callable[[], Hashable] | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._ids = ids
        self._ledger = ledger
        self._outbox = outbox or NoOutbox()
        self._counter = counter or ChangeWatch(database)
        # Decisions are a pure function of the store's state and the use: cached under
        # the change counter, which every consent, performer and production write bumps.
        self._decisions: VersionedCache[Decision] = VersionedCache()

    def report(self, report: UseReport) -> Recorded[ReportedUse]:
        now = self._clock.now()
        use = report.use
        with self._database.write() as connection:
            performer, production, records = _context(
                connection, report.performer_id, use.production_id
            )
            if report.consent_id is not None:
                named = next((r for r in records if r.id == report.consent_id), None)
                if named is None:
                    raise NotFoundError(
                        "consent",
                        report.consent_id,
                        hint=f"performer {performer.id} has no such consent with production "
                        f"{use.production_id}",
                    )
                _refuse_use_before(named.request.valid_from, use, named.id)
            case = Case(
                as_of=use.date,
                performer=_facts(performer, report),
                production=production,
                consents=tuple(r.terms() for r in records),
                use=use,
                relied_on=report.consent_id,
            )
            decision = evaluate(case)
            use_id = self._ids.new()
            [index] = self._ledger.record(connection, [use_reported(use_id, report, decision, now)])
            stored = ReportedUse(use_id, report, decision, now, index)
            UseRepository(connection).add(stored)
            self._outbox.emit(connection, use_notification(stored))
        return Recorded(stored, (index,))

    def decide(
        self,
        performer_id: str,
        use: UseFacts,
        *,
        category: PerformerCategory = PerformerCategory.PRINCIPAL,
        relied_on: str | None = None,
    ) -> Decision:
        """The decision for a use, recording nothing (previews, clearance scans and
        checks, which ask of an ``appearance``)."""
        cache_key = (performer_id, use, category, relied_on)
        version = self._counter()
        cached = self._decisions.get(cache_key, version)
        if cached is not None:
            return cached
        with self._database.read() as connection:
            performer, facts, records = _context(connection, performer_id, use.production_id)
        person = _facts(performer, UseReport(performer.id, use, category=category))
        terms = tuple(r.terms() for r in records)
        decision = evaluate(Case(use.date, person, facts, use, terms, relied_on))
        self._decisions.put(cache_key, version, decision)
        return decision

    def get(self, use_id: str) -> ReportedUse:
        with self._database.read() as connection:
            found = UseRepository(connection).get(use_id)
        if found is None:
            raise NotFoundError("use", use_id)
        return found

    def recent(
        self, *, performer_id: str | None = None, production_id: str | None = None, limit: int = 100
    ) -> list[ReportedUse]:
        with self._database.read() as connection:
            return UseRepository(connection).recent(
                performer_id=performer_id, production_id=production_id, limit=limit
            )

    def count(self) -> int:
        with self._database.read() as connection:
            return UseRepository(connection).count()

    def statement(self, performer_id: str, start: date, end: date) -> Statement:
        if end < start:
            raise InvalidInputError(f"the period ends ({end}) before it starts ({start})")
        with self._database.read() as connection:
            if not PerformerRepository(connection).exists(performer_id):
                raise NotFoundError("performer", performer_id)
            found = UseRepository(connection).for_performer(performer_id, start, end)
        totals = _by_currency(use.decision.total for use in found)
        return Statement(performer_id, start, end, tuple(found), totals)


def _context(
    connection: Connection, performer_id: str, production_id: str
) -> tuple[Performer, ProductionFacts, list[ConsentRecord]]:
    """What every decision about a performer's use reads: the performer, the production
    as the rules see it, and the performer's consents with that production, folded from
    their events. Another production's consent can never cover the use, so it is not
    read at all: its id, purpose and dates cannot reach a reason (each party sees only
    its own terms; DESIGN.md)."""
    performer = PerformerRepository(connection).get(performer_id)
    if performer is None:
        raise NotFoundError("performer", performer_id)
    production = ProductionRepository(connection).get(production_id)
    if production is None:
        raise NotFoundError("production", production_id)
    events = ConsentEventRepository(connection).events_for_performer(performer.id)
    facts = ProductionFacts(
        id=production.id,
        kind=production.kind.value,
        agreement=production.agreement.value,
        jurisdiction=production.jurisdiction,
    )
    records = [fold(e) for e in events.values()]
    return performer, facts, [r for r in records if r.production_id == production.id]


def _facts(performer: Performer, report: UseReport) -> PerformerFacts:
    return PerformerFacts(
        id=performer.id,
        category=report.category,
        date_of_birth=performer.date_of_birth,
        deceased_on=performer.date_of_death,
        pro_rata_daily_rate=report.pro_rata_daily_rate,
        domicile=performer.domicile,
    )


def _refuse_use_before(valid_from: date, use: UseFacts, consent_id: str) -> None:
    if use.date < valid_from:
        raise InvalidInputError(
            f"the use on {use.date.isoformat()} is dated before consent {consent_id} starts "
            f"({valid_from.isoformat()}); nothing was recorded",
            hint="check the use's date, or the consent it relies on",
        )
