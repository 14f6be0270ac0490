"""The retention schedule for biometric data (740 ILCS 14/15(a); published in
docs/retention.md and on the portal's /retention page).

A performer's templates, sealed vault files and index entries are destroyed
``years`` (at most 3) after their last interaction: an enrolment, their answer to a
request for consent, a reported use their consent covers, or a portal sign-in by
their own or a representative's account (what a production does alone does not
count). ``warning_days`` before that day they are warned once (a
``retention.warned`` log entry and a notice on their dashboard); each destruction is a
``retention.destroyed`` log entry. The performer's registry row, consents and uses
stay: the schedule destroys biometrics, not the record, and they may enrol again.

The statute's other limb, "when the initial purpose ... has been satisfied", does not
bring any day earlier here: the purpose is to find the performer in media so that every
use is checked against their consents, and it lasts while they are registered, with or
without a live consent (an unconsented use is what it exists to catch). Leaving the
registry is erasure (``RegistryService.erase_performer``), which destroys at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Connection

from likeness.domain.retention import (
    Holding,
    Interaction,
    RetentionAction,
    RetentionMark,
    last_of,
)
from likeness.errors import ConfigurationError, StoreError
from likeness.rules import il_bipa
from likeness.services.biometrics import BiometricShredder
from likeness.services.events import retention_destroyed, retention_warned
from likeness.services.ledger import LedgerService
from likeness.services.ports import Clock
from likeness.store.database import Database
from likeness.store.retention import RetentionRepository

log = logging.getLogger(__name__)

RULE = il_bipa.RULEBOOK.cite(il_bipa.RETENTION_CLAUSE)
RUN_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class RetentionPolicy:
    years: int = il_bipa.MAX_YEARS_AFTER_LAST_INTERACTION
    warning_days: int = 30

    def __post_init__(self) -> None:
        if not 1 <= self.years <= il_bipa.MAX_YEARS_AFTER_LAST_INTERACTION:
            raise ConfigurationError(
                f"a retention of {self.years} years is outside {RULE} (1 to "
                f"{il_bipa.MAX_YEARS_AFTER_LAST_INTERACTION} years after the last interaction)",
                hint="set LIKENESS_RETENTION_YEARS to 1, 2 or 3",
            )
        if self.warning_days < 0:
            raise ConfigurationError("the retention warning cannot come after the destruction")

    @property
    def rule(self) -> str:
        return RULE

    def holding(
        self,
        performer_id: str,
        *,
        templates: int,
        last: Interaction,
        mark: RetentionMark | None,
        today: date,
    ) -> Holding:
        """Where a performer holding biometric data stands on ``today``."""
        destroy_on = il_bipa.destroy_by(last.at.date(), years=self.years)
        warn_from = destroy_on - timedelta(days=self.warning_days)
        warned_for = None if mark is None else mark.warned_for
        if today >= destroy_on:
            action = RetentionAction.DESTROY
        elif today >= warn_from and warned_for != destroy_on:
            action = RetentionAction.WARN
        else:
            action = RetentionAction.KEEP
        return Holding(
            performer_id=performer_id,
            templates=templates,
            last_interaction=last,
            destroy_on=destroy_on,
            warn_from=warn_from,
            warned_for=warned_for,
            action=action,
        )


@dataclass(frozen=True)
class RetentionStep:
    """A warning or destruction the run made (or, in a dry run, would make)."""

    holding: Holding
    log_index: int | None  # its log entry; None in a dry run


@dataclass(frozen=True)
class RetentionReport:
    at: datetime
    policy: RetentionPolicy
    dry_run: bool
    held: int  # performers holding biometric data when the run began
    warned: tuple[RetentionStep, ...]
    destroyed: tuple[RetentionStep, ...]


@dataclass(frozen=True)
class RetentionNotice:
    """What a performer's dashboard says about their biometric data."""

    policy: RetentionPolicy
    today: date
    holding: Holding | None  # None: nothing biometric is kept
    destroyed_at: datetime | None  # the schedule's last destruction, if any

    @property
    def due_soon(self) -> bool:
        return self.holding is not None and self.today >= self.holding.warn_from


class RetentionService:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        ledger: LedgerService,
        shredder: BiometricShredder,
        policy: RetentionPolicy,
        on_destroyed: Callable[[], None] = lambda: None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._ledger = ledger
        self._shredder = shredder
        self._on_destroyed = on_destroyed  # the gallery drops the vectors it holds
        self.policy = policy

    def run(self, *, dry_run: bool = False) -> RetentionReport:
        """Warn every performer inside the warning window (once per deadline) and destroy
        the biometric data of every performer past their deadline. A dry run changes
        nothing and reports what a run would do now."""
        now = self._clock.now()
        with self._database.read() as connection:
            holdings = self._holdings(connection, None, now.date())
        to_destroy = [h.performer_id for h in holdings if h.action is RetentionAction.DESTROY]
        to_warn = [h.performer_id for h in holdings if h.action is RetentionAction.WARN]
        if dry_run:
            pick = {h.performer_id: RetentionStep(h, None) for h in holdings}
            return RetentionReport(
                at=now,
                policy=self.policy,
                dry_run=True,
                held=len(holdings),
                warned=tuple(pick[p] for p in to_warn),
                destroyed=tuple(pick[p] for p in to_destroy),
            )
        destroyed = [s for p in to_destroy if (s := self._destroy(p, now)) is not None]
        if destroyed:
            self._truncate_wal()
        return RetentionReport(
            at=now,
            policy=self.policy,
            dry_run=False,
            held=len(holdings),
            warned=tuple(self._warn(to_warn, now)),
            destroyed=tuple(destroyed),
        )

    def holdings(self) -> list[Holding]:
        """Every performer holding biometric data and where each stands today, read in
        one pass (the administration page; ``notice`` is one performer's)."""
        with self._database.read() as connection:
            return self._holdings(connection, None, self._clock.now().date())

    def notice(self, performer_id: str) -> RetentionNotice:
        """Where the performer stands, for their dashboard."""
        today = self._clock.now().date()
        with self._database.read() as connection:
            found = self._holdings(connection, performer_id, today)
            mark = RetentionRepository(connection).marks(performer_id).get(performer_id)
        return RetentionNotice(
            policy=self.policy,
            today=today,
            holding=found[0] if found else None,
            destroyed_at=None if mark is None else mark.destroyed_at,
        )

    # -- steps -----------------------------------------------------------------------

    def _destroy(self, performer_id: str, now: datetime) -> RetentionStep | None:
        with self._database.write() as connection:
            # Again under the write lock: an interaction since the review moves the day.
            found = self._holdings(connection, performer_id, now.date())
            if not found or found[0].action is not RetentionAction.DESTROY:
                return None
            holding = found[0]
            template_ids = self._shredder.destroy_rows(connection, performer_id)
            RetentionRepository(connection).note_destruction(performer_id, now)
            [index] = self._ledger.record(
                connection,
                [
                    retention_destroyed(
                        performer_id,
                        template_ids=template_ids,
                        destroy_on=holding.destroy_on,
                        last=holding.last_interaction,
                        at=now,
                    )
                ],
            )
        self._shredder.shred_files(performer_id)
        self._on_destroyed()
        return RetentionStep(holding, index)

    def _warn(self, performer_ids: Sequence[str], now: datetime) -> list[RetentionStep]:
        if not performer_ids:
            return []
        with self._database.write() as connection:
            marks = RetentionRepository(connection)
            due = []
            for performer_id in performer_ids:
                found = self._holdings(connection, performer_id, now.date())
                if found and found[0].action is RetentionAction.WARN:
                    due.append(found[0])
                    marks.note_warning(performer_id, found[0].destroy_on, now)
            events = [
                retention_warned(
                    h.performer_id, destroy_on=h.destroy_on, last=h.last_interaction, at=now
                )
                for h in due
            ]
            indexes = self._ledger.record(connection, events) if events else []
        return [RetentionStep(h, i) for h, i in zip(due, indexes, strict=True)]

    def _truncate_wal(self) -> None:
        """Deleted rows are zeroed (``secure_delete``), but page images of the data key
        may survive in SQLite's write-ahead log until it is truncated, as erasure does."""
        try:
            self._database.truncate_wal()
        except StoreError as exc:  # a busy reader: the destruction itself stands
            log.warning("retention: %s; the next destruction or erasure truncates it", exc)

    def _holdings(
        self, connection: Connection, performer_id: str | None, today: date
    ) -> list[Holding]:
        repository = RetentionRepository(connection)
        held = repository.holders(performer_id)
        if not held:
            return []
        interactions = repository.interactions(performer_id)
        marks = repository.marks(performer_id)
        holdings = []
        for who, templates in sorted(held.items()):
            last = last_of(interactions.get(who, ()))
            # A holder always has an enrolment date (a template row or its data key).
            assert last is not None, f"performer {who} holds biometrics with no enrolment"
            holdings.append(
                self.policy.holding(
                    who, templates=templates, last=last, mark=marks.get(who), today=today
                )
            )
        return holdings


class RetentionScheduler:
    """A background thread that runs the schedule at start and then every ``interval``
    (``likeness serve``)."""

    def __init__(
        self,
        run: Callable[[], RetentionReport],
        *,
        interval: timedelta = RUN_EVERY,
        on_report: Callable[[RetentionReport], None] = lambda _: None,
        on_error: Callable[[BaseException], None] = lambda _: None,
    ) -> None:
        self._run = run
        self._interval = interval.total_seconds()
        self._on_report = on_report
        self._on_error = on_error
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="likeness-retention", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._on_report(self._run())
            except Exception as exc:  # a failed run is retried at the next interval
                self._on_error(exc)
            self._stop.wait(self._interval)
