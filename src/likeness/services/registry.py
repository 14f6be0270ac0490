"""Registering performers and productions."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from likeness.domain.ids import PerformerId, ProductionId
from likeness.domain.log_events import LogEventType
from likeness.domain.performer import Performer, PerformerStatus
from likeness.domain.production import Production
from likeness.domain.regions import region_problem
from likeness.errors import (
    ConflictError,
    ImportRejectedError,
    InvalidInputError,
    NotFoundError,
    RowProblem,
)
from likeness.services.biometrics import BiometricShredder
from likeness.services.events import (
    Recorded,
    consent_key,
    performer_erased,
    performer_event,
    performer_key,
    production_added,
    use_key,
)
from likeness.services.inputs import PerformerChanges, PerformerInput, ProductionInput
from likeness.services.ledger import LedgerService
from likeness.services.performer_lookup import (
    ExactQuery,
    LookupThrottle,
    name_matches,
    union_spellings,
)
from likeness.services.ports import Clock, IdFactory
from likeness.services.roster import parse_roster
from likeness.store.change_counter import bump
from likeness.store.consent_store import remove_for_performer
from likeness.store.database import Database
from likeness.store.flags import FlagRepository
from likeness.store.log_store import SaltRepository
from likeness.store.repositories import (
    AccountRepository,
    PerformerRepository,
    ProductionRepository,
)
from likeness.store.takedowns import TakedownRepository
from likeness.store.webhooks import DeliveryRepository

_LIST_HINT = "'likeness {0} list' shows the registered ids"


@dataclass(frozen=True)
class ImportSummary:
    imported: int
    performer_ids: tuple[PerformerId, ...]
    log_indexes: tuple[int, ...]


class RegistryService:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        ids: IdFactory,
        ledger: LedgerService,
        biometrics: BiometricShredder,
    ) -> None:
        self._database = database
        self._clock = clock
        self._ids = ids
        self._ledger = ledger
        self._biometrics = biometrics

    # -- performers -------------------------------------------------------

    def add_performer(self, data: PerformerInput) -> Recorded[Performer]:
        performer = self._new_performer(data, self._clock.now())
        with self._database.write() as connection:
            bump(connection)  # cached keys and decisions are stale now
            repository = PerformerRepository(connection)
            _refuse_taken_memberships(repository, [performer])
            with _membership_race_guard():
                repository.add(performer)
            indexes = self._ledger.record(
                connection, [performer_event(LogEventType.PERFORMER_ADDED, performer)]
            )
        return Recorded(performer, tuple(indexes))

    def update_performer(self, performer_id: str, changes: PerformerChanges) -> Recorded[Performer]:
        now = self._clock.now()
        with self._database.write() as connection:
            bump(connection)  # cached keys and decisions are stale now
            repository = PerformerRepository(connection)
            current = _require_performer(repository, performer_id)
            updated = _apply(current, changes, now)
            updated.check_dates_not_after(now.date())
            if (updated.union, updated.member_number) != (current.union, current.member_number):
                _refuse_taken_memberships(repository, [updated])
            with _membership_race_guard():
                repository.replace(updated)
            indexes = self._ledger.record(
                connection, [performer_event(LogEventType.PERFORMER_UPDATED, updated)]
            )
        return Recorded(updated, tuple(indexes))

    def erase_performer(self, performer_id: str) -> Recorded[PerformerId]:
        """Erase a performer's personal data: the registry row, its representatives, the
        accounts acting for them, their consents and reported uses, the salts behind all
        their log commitments, and their vault data key and files (crypto-shredding).
        Deleted rows are zeroed (SQLite ``secure_delete``) and the write-ahead log is
        truncated, so no copy lingers in the database files. The log
        keeps its entries (commitments only), so every proof stays valid."""
        now = self._clock.now()
        with self._database.write() as connection:
            bump(connection)  # cached keys and decisions are stale now
            # Existence only: an erasure cut short after its keys were destroyed (keys.db
            # commits first on PostgreSQL) must be able to run again and finish.
            if not PerformerRepository(connection).exists(performer_id):
                raise NotFoundError("performer", performer_id, hint=_LIST_HINT.format("performer"))
            performer = PerformerId(performer_id)
            AccountRepository(connection).remove_for_performer(performer)
            salts = SaltRepository(connection)
            consent_ids, use_ids = remove_for_performer(connection, performer)
            self._biometrics.destroy_rows(connection, performer)
            for key in [*map(consent_key, consent_ids), *map(use_key, use_ids)]:
                salts.erase(key)
            TakedownRepository(connection).remove_for_performer(performer)  # before flags
            FlagRepository(connection).remove_for_performer(performer)
            DeliveryRepository(connection).remove_for_performer(performer)
            PerformerRepository(connection).remove(performer)
            salts.erase(performer_key(performer))
            indexes = self._ledger.record(connection, [performer_erased(performer, now)])
        self._biometrics.shred_files(performer)
        self._database.truncate_wal()
        return Recorded(performer, tuple(indexes))

    def get_performer(self, performer_id: str) -> Performer:
        with self._database.read() as connection:
            return _require_performer(PerformerRepository(connection), performer_id)

    def find_exact(self, query: ExactQuery, *, asker: str) -> Performer | None:
        """The one performer with exactly these details, or None; never a list. ``asker``
        (an account id) has its misses counted and throttled (services/performer_lookup.py
        says what a lookup reveals). A name is compared with every registered performer's,
        opened one by one: the names are sealed and have no blind index."""
        with self._database.write() as connection:
            before = LookupThrottle(connection).attempt(asker, self._clock.now())
        # the search in a read transaction: a name lookup opens every performer, and
        # must not hold the writer's lock while it does
        with self._database.read() as connection:
            found = _find_exact(PerformerRepository(connection), query)
        if found is not None:
            with self._database.write() as connection:
                LookupThrottle(connection).took_back(asker, before)
        return found

    def list_performers(self) -> list[Performer]:
        with self._database.read() as connection:
            return PerformerRepository(connection).all()

    def import_performers(self, path: Path) -> ImportSummary:
        """Import every row of a roster CSV, or none: bad rows are all reported by line."""
        rows, problems = parse_roster(_read_lines(path))
        now = self._clock.now()
        built: list[tuple[int, Performer]] = []
        for row in rows:
            try:
                built.append((row.line, self._new_performer(row.performer, now)))
            except InvalidInputError as exc:
                problems.append(RowProblem(row.line, exc.message))
        performers = [performer for _, performer in built]
        lines = {performer.id: line for line, performer in built}
        problems.extend(_duplicates_within(performers, lines))
        with self._database.write() as connection:
            bump(connection)  # cached keys and decisions are stale now
            repository = PerformerRepository(connection)
            problems.extend(_taken_memberships(repository, performers, lines))
            if problems:
                raise ImportRejectedError(str(path), sorted(problems, key=lambda p: p.line))
            with _membership_race_guard():
                repository.add_many(performers)
            indexes = (
                self._ledger.record(
                    connection,
                    [performer_event(LogEventType.PERFORMER_IMPORTED, p) for p in performers],
                )
                if performers
                else []
            )
        return ImportSummary(len(performers), tuple(p.id for p in performers), tuple(indexes))

    def _new_performer(self, data: PerformerInput, now: datetime) -> Performer:
        performer = Performer(
            id=PerformerId(self._ids.new()),
            legal_name=data.legal_name.strip(),
            professional_name=_clean(data.professional_name),
            union=_clean(data.union),
            member_number=_clean(data.member_number),
            date_of_birth=data.date_of_birth,
            status=PerformerStatus.LIVING
            if data.date_of_death is None
            else PerformerStatus.DECEASED,
            date_of_death=data.date_of_death,
            domicile=_region("domicile", data.domicile),
            representatives=data.representatives,
            created_at=now,
            updated_at=now,
        )
        performer.check_dates_not_after(now.date())
        return performer

    # -- productions ------------------------------------------------------

    def add_production(self, data: ProductionInput) -> Recorded[Production]:
        production = Production(
            id=ProductionId(self._ids.new()),
            title=data.title.strip(),
            company=data.company.strip(),
            kind=data.kind,
            agreement=data.agreement,
            start_date=data.start_date,
            end_date=data.end_date,
            jurisdiction=_region("jurisdiction", data.jurisdiction),
            created_at=self._clock.now(),
        )
        with self._database.write() as connection:
            bump(connection)  # cached keys and decisions are stale now
            ProductionRepository(connection).add(production)
            indexes = self._ledger.record(connection, [production_added(production)])
        return Recorded(production, tuple(indexes))

    def get_production(self, production_id: str) -> Production:
        with self._database.read() as connection:
            production = ProductionRepository(connection).get(production_id)
        if production is None:
            raise NotFoundError("production", production_id, hint=_LIST_HINT.format("production"))
        return production

    def list_productions(self) -> list[Production]:
        with self._database.read() as connection:
            return ProductionRepository(connection).all()


def _find_exact(repository: PerformerRepository, query: ExactQuery) -> Performer | None:
    if query.union is not None and query.member_number is not None:
        spellings = [(u, query.member_number) for u in union_spellings(query.union)]
        holders = repository.holders_of(spellings)
        holder = next((holders[s] for s in spellings if s in holders), None)
        return None if holder is None else repository.get(holder)
    matches = [p for p in repository.all() if name_matches(p, query)]
    # Two performers sharing a name and a birthday: naming either would be a guess.
    return matches[0] if len(matches) == 1 else None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None


def _region(field: str, value: str | None) -> str | None:
    """A region code, so the statutes keyed to a domicile or a jurisdiction (Cal. Civil
    Code 3344.1, N.Y. Civil Rights Law 50-f, ...) can never miss one written "California"."""
    cleaned = _clean(value)
    problem = "" if cleaned is None else region_problem(cleaned)
    if problem:
        raise InvalidInputError(f"{field}: {problem}")
    return cleaned


def _require_performer(repository: PerformerRepository, performer_id: str) -> Performer:
    performer = repository.get(performer_id)
    if performer is None:
        raise NotFoundError("performer", performer_id, hint=_LIST_HINT.format("performer"))
    return performer


def _apply(current: Performer, changes: PerformerChanges, now: datetime) -> Performer:
    def pick(new: str | None, old: str | None) -> str | None:
        return old if new is None else _clean(new)

    died = changes.date_of_death
    return dataclasses.replace(  # re-runs every invariant
        current,
        professional_name=pick(changes.professional_name, current.professional_name),
        union=pick(changes.union, current.union),
        member_number=pick(changes.member_number, current.member_number),
        domicile=current.domicile
        if changes.domicile is None
        else _region("domicile", changes.domicile),
        date_of_death=current.date_of_death if died is None else died,
        status=current.status if died is None else PerformerStatus.DECEASED,
        representatives=current.representatives + changes.add_representatives,
        updated_at=now,
    )


def _membership(performer: Performer) -> tuple[str, str] | None:
    if performer.union is None or performer.member_number is None:
        return None
    return (performer.union, performer.member_number)


def _refuse_taken_memberships(repository: PerformerRepository, performers: list[Performer]) -> None:
    problems = _taken_memberships(repository, performers, {})
    if problems:
        raise ConflictError(problems[0].message, hint="check the number, or update that performer")


def _taken_memberships(
    repository: PerformerRepository, performers: list[Performer], lines: dict[PerformerId, int]
) -> list[RowProblem]:
    wanted = {m: p for p in performers if (m := _membership(p)) is not None}
    holders = repository.holders_of(wanted)
    return [
        RowProblem(
            lines.get(wanted[m].id, 0),
            f"{m[0]} member number {m[1]} is already registered to performer {holder}",
        )
        for m, holder in holders.items()
        if holder != wanted[m].id
    ]


def _duplicates_within(
    performers: list[Performer], lines: dict[PerformerId, int]
) -> list[RowProblem]:
    first_line: dict[tuple[str, str], int] = {}
    problems = []
    for performer in performers:
        membership = _membership(performer)
        if membership is None:
            continue
        line = lines[performer.id]
        if membership in first_line:
            problems.append(
                RowProblem(
                    line,
                    f"{membership[0]} member number {membership[1]} "
                    f"repeats line {first_line[membership]}",
                )
            )
        else:
            first_line[membership] = line
    return problems


@contextmanager
def _membership_race_guard() -> Iterator[None]:
    """Turn a unique-constraint race (another writer won) into the same conflict message."""
    try:
        yield
    except IntegrityError as exc:
        raise ConflictError(
            f"a member number is already registered: {exc.orig}",
            hint="another writer registered it first; list performers and retry",
        ) from exc


def _read_lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInputError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"{path}: not UTF-8 text (byte {exc.start})", hint="save the CSV as UTF-8"
        ) from None
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read ({exc.strerror})") from None
    return text.splitlines(keepends=True)
