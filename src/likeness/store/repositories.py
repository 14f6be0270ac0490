"""Repositories: domain objects in, domain objects out, over one open transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.engine import Connection

from likeness.domain.account import Account, ApiKey, Role
from likeness.domain.ids import AccountId, ApiKeyId, PerformerId, ProductionId
from likeness.domain.performer import (
    Performer,
    PerformerStatus,
    Representative,
    RepresentativeCapacity,
)
from likeness.domain.production import Agreement, Production, ProductionKind
from likeness.errors import VaultError
from likeness.store.record_keys import RecordKeys, keys_of, personal
from likeness.store.sealed_fields import PREFIX as SEALED_PREFIX
from likeness.store.sealed_fields import PersonalKeys, is_sealed, open_field, seal_field
from likeness.store.tables import (
    accounts,
    api_keys,
    logins,
    performers,
    productions,
    representatives,
    scan_jobs,
    sessions,
    webhook_deliveries,
    webhooks,
)

# SQLite allows 32,766 bound parameters per statement; stay well under it.
_CHUNK = 500


class PerformerRepository:
    """Performers, their personal fields sealed under each one's personal key."""

    def __init__(self, connection: Connection) -> None:
        self._db = connection
        self._keys = keys_of(connection)
        self._personal = PersonalKeys(connection)

    def add_many(self, items: Sequence[Performer]) -> None:
        if not items:
            return
        self._personal.load([p.id for p in items], create=True)
        keys = {p.id: self._personal.key(p.id) for p in items}
        self._db.execute(performers.insert(), [self._row(p, keys[p.id]) for p in items])
        reps = [row for p in items for row in _representative_rows(p, keys[p.id])]
        if reps:
            self._db.execute(representatives.insert(), reps)

    def add(self, performer: Performer) -> None:
        self.add_many([performer])

    def replace(self, performer: Performer) -> None:
        key = self._personal.key(performer.id, create=True)
        row = self._row(performer, key)
        del row["created_at"]
        self._db.execute(performers.update().where(performers.c.id == performer.id), row)
        self._db.execute(
            representatives.delete().where(representatives.c.performer_id == performer.id)
        )
        reps = _representative_rows(performer, key)
        if reps:
            self._db.execute(representatives.insert(), reps)

    def remove(self, performer_id: str) -> None:
        """Delete the rows and destroy the personal key: a dead row or a WAL page that
        still holds the sealed fields can no longer be read."""
        self._db.execute(
            representatives.delete().where(representatives.c.performer_id == performer_id)
        )
        self._db.execute(performers.delete().where(performers.c.id == performer_id))
        self._keys.destroy(self._db, [personal(performer_id)])

    def get(self, performer_id: str) -> Performer | None:
        row = self._db.execute(
            select(performers).where(performers.c.id == performer_id)
        ).one_or_none()
        if row is None:
            return None
        return self._open([row])[0]

    def exists(self, performer_id: str) -> bool:
        found = self._db.execute(
            select(performers.c.id).where(performers.c.id == performer_id)
        ).one_or_none()
        return found is not None

    def all(self, *, limit: int | None = None, offset: int = 0) -> list[Performer]:
        query = select(performers).order_by(performers.c.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return self._open(self._db.execute(query).all())

    def count(self) -> int:
        return self._db.execute(select(func.count()).select_from(performers)).scalar_one()

    def holders_of(self, memberships: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Which performer already holds each (union, member number) pair."""
        blind = {_membership(self._keys, u, n): (u, n) for u, n in set(memberships)}
        wanted = list(blind)
        found: dict[tuple[str, str], str] = {}
        for start in range(0, len(wanted), _CHUNK):
            query = select(performers.c.membership, performers.c.id).where(
                performers.c.membership.in_(wanted[start : start + _CHUNK])
            )
            for membership, performer_id in self._db.execute(query):
                found[blind[membership]] = performer_id
        return found

    def seal_clear_rows(self) -> int:
        """Seal the personal fields an older version stored in clear (at start-up, once).
        Returns how many performers were sealed."""
        rows = self._db.execute(
            select(performers).where(~performers.c.legal_name.startswith(SEALED_PREFIX))
        ).all()
        reps = self._clear_representatives_of([row.id for row in rows])
        for row in rows:
            self.replace(_performer_in_clear(row, reps.get(row.id, ())))
        return len(rows)

    def _row(self, performer: Performer, key: bytes) -> dict[str, Any]:
        def seal(column: str, value: str | None) -> str | None:
            return seal_field(key, value, f"performers.{column}:{performer.id}")

        death = performer.date_of_death
        return {
            "id": performer.id,
            "legal_name": seal("legal_name", performer.legal_name),
            "professional_name": seal("professional_name", performer.professional_name),
            "union": seal("union", performer.union),
            "member_number": seal("member_number", performer.member_number),
            "membership": _membership(self._keys, performer.union, performer.member_number),
            "date_of_birth": seal("date_of_birth", performer.date_of_birth.isoformat()),
            "status": performer.status.value,
            "date_of_death": seal("date_of_death", None if death is None else death.isoformat()),
            "domicile": seal("domicile", performer.domicile),
            "created_at": performer.created_at,
            "updated_at": performer.updated_at,
        }

    def _open(self, rows: Sequence[Row[Any]]) -> list[Performer]:
        if not rows:
            return []
        self._personal.load(row.id for row in rows)
        grouped: dict[str, list[Representative]] = {}
        for rep in self._representative_rows_of([row.id for row in rows]):
            if not self._personal.has(rep.performer_id):
                continue  # its performer's key is gone: left out below, or refused alone
            key = self._personal.key(rep.performer_id)
            where = f"representatives.%s:{rep.performer_id}:{rep.position}"
            grouped.setdefault(rep.performer_id, []).append(
                Representative(
                    name=_required(open_field(key, rep.name, where % "name")),
                    capacity=RepresentativeCapacity(rep.capacity),
                    contact=open_field(key, rep.contact, where % "contact"),
                )
            )
        if len(rows) > 1:  # a list leaves out a performer whose erasure was cut short
            rows = [row for row in rows if self._personal.has(row.id)]
        return [
            _performer(row, tuple(grouped.get(row.id, ())), self._personal.key(row.id))
            for row in rows
        ]

    def _clear_representatives_of(
        self, ids: Sequence[str]
    ) -> dict[str, tuple[Representative, ...]]:
        grouped: dict[str, list[Representative]] = {}
        for rep in self._representative_rows_of(ids):
            grouped.setdefault(rep.performer_id, []).append(
                Representative(
                    name=rep.name,
                    capacity=RepresentativeCapacity(rep.capacity),
                    contact=rep.contact,
                )
            )
        return {key: tuple(value) for key, value in grouped.items()}

    def _representative_rows_of(self, ids: Sequence[str]) -> list[Row[Any]]:
        rows: list[Row[Any]] = []
        for start in range(0, len(ids), _CHUNK):
            query = (
                select(representatives)
                .where(representatives.c.performer_id.in_(ids[start : start + _CHUNK]))
                .order_by(representatives.c.performer_id, representatives.c.position)
            )
            rows.extend(self._db.execute(query))
        return rows


def _membership(keys: RecordKeys, union: str | None, number: str | None) -> str | None:
    if union is None or number is None:
        return None
    return keys.blind_index(f"membership\x1f{union}\x1f{number}")


def _required(value: str | None) -> str:
    if value is None:  # pragma: no cover - the columns are NOT NULL
        raise VaultError("a required personal field is missing")
    return value


def _representative_rows(performer: Performer, key: bytes) -> list[dict[str, Any]]:
    rows = []
    for index, rep in enumerate(performer.representatives):
        position = f"{index:04d}"
        where = f"representatives.%s:{performer.id}:{position}"
        rows.append(
            {
                "performer_id": performer.id,
                "position": position,
                "name": seal_field(key, rep.name, where % "name"),
                "capacity": rep.capacity.value,
                "contact": seal_field(key, rep.contact, where % "contact"),
            }
        )
    return rows


def _performer(row: Row[Any], reps: tuple[Representative, ...], key: bytes) -> Performer:
    def field(column: str) -> str | None:
        return open_field(key, getattr(row, column), f"performers.{column}:{row.id}")

    death = field("date_of_death")
    return Performer(
        id=PerformerId(row.id),
        legal_name=_required(field("legal_name")),
        professional_name=field("professional_name"),
        union=field("union"),
        member_number=field("member_number"),
        date_of_birth=date.fromisoformat(_required(field("date_of_birth"))),
        status=PerformerStatus(row.status),
        date_of_death=None if death is None else date.fromisoformat(death),
        domicile=field("domicile"),
        representatives=reps,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _performer_in_clear(row: Row[Any], reps: tuple[Representative, ...]) -> Performer:
    """A row an older version stored in clear (its dates ISO text since migration 0012)."""

    def day(value: object) -> date | None:
        return None if value is None else date.fromisoformat(str(value)[:10])

    born = day(row.date_of_birth)
    assert born is not None
    return Performer(
        id=PerformerId(row.id),
        legal_name=row.legal_name,
        professional_name=row.professional_name,
        union=row.union,
        member_number=row.member_number,
        date_of_birth=born,
        status=PerformerStatus(row.status),
        date_of_death=day(row.date_of_death),
        domicile=row.domicile,
        representatives=reps,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class ProductionRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, production: Production) -> None:
        self._db.execute(
            productions.insert(),
            {
                "id": production.id,
                "title": production.title,
                "company": production.company,
                "kind": production.kind.value,
                "agreement": production.agreement.value,
                "jurisdiction": production.jurisdiction,
                "start_date": production.start_date,
                "end_date": production.end_date,
                "created_at": production.created_at,
            },
        )

    def get(self, production_id: str) -> Production | None:
        row = self._db.execute(
            select(productions).where(productions.c.id == production_id)
        ).one_or_none()
        return None if row is None else _production(row)

    def all(self) -> list[Production]:
        rows = self._db.execute(select(productions).order_by(productions.c.id))
        return [_production(row) for row in rows]

    def count(self) -> int:
        return self._db.execute(select(func.count()).select_from(productions)).scalar_one()


def _production(row: Row[Any]) -> Production:
    return Production(
        id=ProductionId(row.id),
        title=row.title,
        company=row.company,
        kind=ProductionKind(row.kind),
        agreement=Agreement(row.agreement),
        jurisdiction=row.jurisdiction,
        start_date=row.start_date,
        end_date=row.end_date,
        created_at=row.created_at,
    )


class AccountRepository:
    """Accounts; the name of one acting for a performer (theirs, or their agent's) is
    sealed under the performer's personal key, so it goes with them on erasure."""

    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, account: Account) -> None:
        self._db.execute(
            accounts.insert(),
            {
                "id": account.id,
                "name": self._stored_name(account),
                "role": account.role.value,
                "performer_id": account.performer_id,
                "production_id": account.production_id,
                "created_at": account.created_at,
                "disabled_at": account.disabled_at,
            },
        )

    def _stored_name(self, account: Account) -> str | None:
        if account.performer_id is None:
            return account.name
        key = PersonalKeys(self._db).key(account.performer_id, create=True)
        return seal_field(key, account.name, f"accounts.name:{account.id}")

    def set_role(self, account: Account) -> None:
        """Store an account's new role and tie; its name is sealed again under the key of
        the performer it now acts for (or kept in clear when it acts for none)."""
        self._db.execute(
            accounts.update()
            .where(accounts.c.id == account.id)
            .values(
                role=account.role.value,
                performer_id=account.performer_id,
                production_id=account.production_id,
                name=self._stored_name(account),
            )
        )

    def set_disabled(self, account_id: str, at: datetime | None) -> None:
        """Disable an account (``at``) or enable it again (``None``)."""
        self._db.execute(
            accounts.update().where(accounts.c.id == account_id).values(disabled_at=at)
        )

    def note_sign_in(self, account_id: str, at: datetime) -> None:
        """Kept past the session's end: a sign-in is an interaction for retention."""
        self._db.execute(
            accounts.update().where(accounts.c.id == account_id).values(last_sign_in_at=at)
        )

    def get(self, account_id: str) -> Account | None:
        row = self._db.execute(select(accounts).where(accounts.c.id == account_id)).one_or_none()
        return None if row is None else self._open([row])[0]

    def all(self) -> list[Account]:
        return self._open(self._db.execute(select(accounts).order_by(accounts.c.id)).all())

    def _open(self, rows: Sequence[Row[Any]]) -> list[Account]:
        keys = PersonalKeys(self._db)
        keys.load(row.performer_id for row in rows if row.performer_id is not None)
        opened = []
        for row in rows:
            name = row.name
            if row.performer_id is not None and is_sealed(name):
                name = (
                    open_field(keys.key(row.performer_id), name, f"accounts.name:{row.id}")
                    if keys.has(row.performer_id)
                    else "(erasure pending)"
                )
            opened.append(_account(row, name))
        return opened

    def count(self) -> int:
        return self._db.execute(select(func.count()).select_from(accounts)).scalar_one()

    def remove_for_performer(self, performer_id: str) -> None:
        """Delete the accounts (and their keys) that act for a performer."""
        tied = select(accounts.c.id).where(accounts.c.performer_id == performer_id)
        self._db.execute(api_keys.delete().where(api_keys.c.account_id.in_(tied)))
        for table in (logins, sessions, scan_jobs):
            self._db.execute(table.delete().where(table.c.account_id.in_(tied)))
        hooks = select(webhooks.c.id).where(webhooks.c.account_id.in_(tied))
        self._db.execute(
            webhook_deliveries.delete().where(webhook_deliveries.c.webhook_id.in_(hooks))
        )
        self._db.execute(webhooks.delete().where(webhooks.c.account_id.in_(tied)))
        self._db.execute(accounts.delete().where(accounts.c.performer_id == performer_id))

    def add_key(self, key: ApiKey) -> None:
        self._db.execute(
            api_keys.insert(),
            {
                "id": key.id,
                "account_id": key.account_id,
                "label": key.label,
                "secret_hash": key.secret_hash,
                "created_at": key.created_at,
                "revoked_at": key.revoked_at,
                "expires_at": key.expires_at,
            },
        )

    def get_key(self, key_id: str) -> ApiKey | None:
        row = self._db.execute(select(api_keys).where(api_keys.c.id == key_id)).one_or_none()
        return None if row is None else _api_key(row)

    def keys(self, account_id: str | None = None) -> list[ApiKey]:
        query = select(api_keys).order_by(api_keys.c.id)
        if account_id is not None:
            query = query.where(api_keys.c.account_id == account_id)
        return [_api_key(row) for row in self._db.execute(query)]

    def revoke_key(self, key_id: str, at: datetime) -> None:
        self._db.execute(api_keys.update().where(api_keys.c.id == key_id).values(revoked_at=at))


def _account(row: Row[Any], name: str) -> Account:
    return Account(
        id=AccountId(row.id),
        name=name,
        role=Role(row.role),
        performer_id=None if row.performer_id is None else PerformerId(row.performer_id),
        production_id=None if row.production_id is None else ProductionId(row.production_id),
        created_at=row.created_at,
        disabled_at=row.disabled_at,
    )


def _api_key(row: Row[Any]) -> ApiKey:
    return ApiKey(
        id=ApiKeyId(row.id),
        account_id=AccountId(row.account_id),
        label=row.label,
        secret_hash=row.secret_hash,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        expires_at=row.expires_at,
    )
