"""Repositories: domain objects in, domain objects out, over one open transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, tuple_
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
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add_many(self, items: Sequence[Performer]) -> None:
        if not items:
            return
        self._db.execute(performers.insert(), [_performer_row(p) for p in items])
        reps = [row for p in items for row in _representative_rows(p)]
        if reps:
            self._db.execute(representatives.insert(), reps)

    def add(self, performer: Performer) -> None:
        self.add_many([performer])

    def replace(self, performer: Performer) -> None:
        row = _performer_row(performer)
        del row["created_at"]
        self._db.execute(performers.update().where(performers.c.id == performer.id), row)
        self._db.execute(
            representatives.delete().where(representatives.c.performer_id == performer.id)
        )
        reps = _representative_rows(performer)
        if reps:
            self._db.execute(representatives.insert(), reps)

    def remove(self, performer_id: str) -> None:
        self._db.execute(
            representatives.delete().where(representatives.c.performer_id == performer_id)
        )
        self._db.execute(performers.delete().where(performers.c.id == performer_id))

    def get(self, performer_id: str) -> Performer | None:
        row = self._db.execute(
            select(performers).where(performers.c.id == performer_id)
        ).one_or_none()
        if row is None:
            return None
        return _performer(row, self._representatives_of([row.id]).get(row.id, ()))

    def all(self, *, limit: int | None = None, offset: int = 0) -> list[Performer]:
        query = select(performers).order_by(performers.c.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        rows = self._db.execute(query).all()
        reps = self._representatives_of([row.id for row in rows])
        return [_performer(row, reps.get(row.id, ())) for row in rows]

    def count(self) -> int:
        return self._db.execute(select(func.count()).select_from(performers)).scalar_one()

    def holders_of(self, memberships: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Which performer already holds each (union, member number) pair."""
        wanted = list(set(memberships))
        found: dict[tuple[str, str], str] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            condition = tuple_(performers.c.union, performers.c.member_number).in_(chunk)
            query = select(performers.c.union, performers.c.member_number, performers.c.id)
            for union, number, performer_id in self._db.execute(query.where(condition)):
                found[(union, number)] = performer_id
        return found

    def _representatives_of(self, ids: Sequence[str]) -> dict[str, tuple[Representative, ...]]:
        grouped: dict[str, list[Representative]] = {}
        for start in range(0, len(ids), _CHUNK):
            query = (
                select(representatives)
                .where(representatives.c.performer_id.in_(ids[start : start + _CHUNK]))
                .order_by(representatives.c.performer_id, representatives.c.position)
            )
            for row in self._db.execute(query):
                grouped.setdefault(row.performer_id, []).append(
                    Representative(
                        name=row.name,
                        capacity=RepresentativeCapacity(row.capacity),
                        contact=row.contact,
                    )
                )
        return {key: tuple(value) for key, value in grouped.items()}


def _performer_row(performer: Performer) -> dict[str, Any]:
    return {
        "id": performer.id,
        "legal_name": performer.legal_name,
        "professional_name": performer.professional_name,
        "union": performer.union,
        "member_number": performer.member_number,
        "date_of_birth": performer.date_of_birth,
        "status": performer.status.value,
        "date_of_death": performer.date_of_death,
        "domicile": performer.domicile,
        "created_at": performer.created_at,
        "updated_at": performer.updated_at,
    }


def _representative_rows(performer: Performer) -> list[dict[str, Any]]:
    return [
        {
            "performer_id": performer.id,
            "position": f"{position:04d}",
            "name": rep.name,
            "capacity": rep.capacity.value,
            "contact": rep.contact,
        }
        for position, rep in enumerate(performer.representatives)
    ]


def _performer(row: Row[Any], reps: tuple[Representative, ...]) -> Performer:
    return Performer(
        id=PerformerId(row.id),
        legal_name=row.legal_name,
        professional_name=row.professional_name,
        union=row.union,
        member_number=row.member_number,
        date_of_birth=row.date_of_birth,
        status=PerformerStatus(row.status),
        date_of_death=row.date_of_death,
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
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, account: Account) -> None:
        self._db.execute(
            accounts.insert(),
            {
                "id": account.id,
                "name": account.name,
                "role": account.role.value,
                "performer_id": account.performer_id,
                "production_id": account.production_id,
                "created_at": account.created_at,
                "disabled_at": account.disabled_at,
            },
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
        return None if row is None else _account(row)

    def all(self) -> list[Account]:
        return [_account(row) for row in self._db.execute(select(accounts).order_by(accounts.c.id))]

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


def _account(row: Row[Any]) -> Account:
    return Account(
        id=AccountId(row.id),
        name=row.name,
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
