"""What the retention schedule reads (who holds biometric data, each performer's latest
interactions) and the marks it keeps between runs (``retention_marks``).

Interactions are read from the records that hold them: template rows (enrolment),
consent events, reported uses, and portal sessions (sign-ins; that table belongs to
``store/logins.py`` and is only read here).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.engine import Connection

from likeness.domain.decision import Outcome
from likeness.domain.lifecycle import EventType
from likeness.domain.retention import Interaction, InteractionKind, RetentionMark
from likeness.store.tables import (
    accounts,
    consent_events,
    consents,
    retention_marks,
    templates,
    uses,
    vault_keys,
)


def _only(query: Select[Any], column: Any, performer_id: str | None) -> Select[Any]:
    return query if performer_id is None else query.where(column == performer_id)


# The consent steps that are the performer's side's own answers. A request is a
# production's alone: any production may send one, so counting it would let a stranger
# keep a performer's biometrics for ever by asking once a year.
PERFORMERS_CONSENT_STEPS = (
    EventType.GRANTED.value,
    EventType.DENIED.value,
    EventType.REVOKED.value,
)
# Uses count only when a consent the performer gave covered them: any other reported
# use is a production's act the performer had no part in.


class RetentionRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    # -- what is held --------------------------------------------------------------

    def holders(self, performer_id: str | None = None) -> dict[str, int]:
        """Performers holding biometric data (templates, or a vault data key), with
        their number of templates."""
        counts = self._db.execute(
            _only(
                select(templates.c.performer_id, func.count()).group_by(templates.c.performer_id),
                templates.c.performer_id,
                performer_id,
            )
        )
        held = {str(p): int(n) for p, n in counts}
        keyed = self._db.execute(
            _only(select(vault_keys.c.performer_id), vault_keys.c.performer_id, performer_id)
        )
        for (holder,) in keyed:
            held.setdefault(str(holder), 0)
        return held

    # -- interactions ----------------------------------------------------------------

    def interactions(self, performer_id: str | None = None) -> dict[str, list[Interaction]]:
        """Each performer's latest interaction of each kind."""
        found: dict[str, list[Interaction]] = {}

        def add(kind: InteractionKind, rows: Any) -> None:
            for who, at in rows:
                if at is not None:
                    found.setdefault(str(who), []).append(Interaction(kind, at))

        add(InteractionKind.ENROLMENT, self._enrolments(performer_id).items())
        add(
            InteractionKind.CONSENT,
            self._db.execute(
                _only(
                    select(consents.c.performer_id, func.max(consent_events.c.at))
                    .join(consents, consents.c.id == consent_events.c.consent_id)
                    .where(consent_events.c.type.in_(PERFORMERS_CONSENT_STEPS))
                    .group_by(consents.c.performer_id),
                    consents.c.performer_id,
                    performer_id,
                )
            ),
        )
        add(
            InteractionKind.USE,
            self._db.execute(
                _only(
                    select(uses.c.performer_id, func.max(uses.c.reported_at))
                    .where(uses.c.outcome == Outcome.COVERED.value)
                    .group_by(uses.c.performer_id),
                    uses.c.performer_id,
                    performer_id,
                )
            ),
        )
        add(InteractionKind.SIGN_IN, self.sign_ins(performer_id).items())
        return found

    def _enrolments(self, performer_id: str | None) -> dict[str, datetime]:
        """The latest enrolment. Re-embedding a source with a new model version
        (``likeness reindex``) makes a template too, but it is not the performer's act:
        the first template of each later model of a source is skipped (re-embedding makes
        one per source and model, an enrolment of the same photo a further one)."""
        rows = self._db.execute(
            _only(
                select(
                    templates.c.performer_id,
                    templates.c.source_sha256,
                    templates.c.model_id,
                    templates.c.created_at,
                ).order_by(templates.c.created_at, templates.c.id),
                templates.c.performer_id,
                performer_id,
            )
        )
        models: dict[tuple[str, str], list[str]] = {}  # (performer, source) -> models seen
        latest: dict[str, datetime] = {}
        for who, source, model, made in rows:
            seen = models.setdefault((str(who), str(source)), [])
            if not seen or model in seen:
                latest[str(who)] = made  # ordered by time: the latest wins
            seen.append(model)
        keys = self._db.execute(
            _only(
                select(vault_keys.c.performer_id, vault_keys.c.created_at),
                vault_keys.c.performer_id,
                performer_id,
            )
        )
        for who, made in keys:  # the first enrolment, when no template row is left
            latest.setdefault(str(who), made)
        return latest

    def sign_ins(self, performer_id: str | None = None) -> dict[str, datetime]:
        """The latest sign-in of an account acting for each performer (their own or a
        representative's), kept on the account when it signs in."""
        rows = self._db.execute(
            _only(
                select(accounts.c.performer_id, func.max(accounts.c.last_sign_in_at))
                .where(accounts.c.performer_id.is_not(None))
                .group_by(accounts.c.performer_id),
                accounts.c.performer_id,
                performer_id,
            )
        )
        return {str(who): at for who, at in rows if at is not None}

    # -- marks -----------------------------------------------------------------------

    def marks(self, performer_id: str | None = None) -> dict[str, RetentionMark]:
        rows = self._db.execute(
            _only(select(retention_marks), retention_marks.c.performer_id, performer_id)
        )
        return {
            row.performer_id: RetentionMark(
                performer_id=row.performer_id,
                warned_for=row.warned_for,
                warned_at=row.warned_at,
                destroyed_at=row.destroyed_at,
            )
            for row in rows
        }

    def _set(self, performer_id: str, **values: Any) -> None:
        changed = self._db.execute(
            update(retention_marks)
            .where(retention_marks.c.performer_id == performer_id)
            .values(**values)
        ).rowcount
        if not changed:
            self._db.execute(insert(retention_marks), {"performer_id": performer_id, **values})

    def note_warning(self, performer_id: str, destroy_on: date, at: datetime) -> None:
        self._set(performer_id, warned_for=destroy_on, warned_at=at)

    def note_destruction(self, performer_id: str, at: datetime) -> None:
        self._set(performer_id, destroyed_at=at, warned_for=None, warned_at=None)
