"""Rows of the service: portal logins and sessions, webhooks and their deliveries, scan jobs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, func, select, update
from sqlalchemy.engine import Connection

from likeness.store.tables import (
    flags,
    logins,
    scan_jobs,
    sessions,
    webhook_deliveries,
    webhooks,
)


@dataclass(frozen=True)
class Login:
    account_id: str
    username: str
    password_hash: str


@dataclass(frozen=True)
class Session:
    account_id: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class Webhook:
    id: str
    account_id: str
    url: str
    sealed_secret: bytes
    events: tuple[str, ...]
    created_at: datetime
    disabled_at: datetime | None = None


@dataclass(frozen=True)
class Delivery:
    id: str
    webhook_id: str
    event_id: str
    event_type: str
    payload: str
    status: str  # pending, delivered, failed
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class ScanJob:
    id: str
    account_id: str
    production_id: str
    status: str  # queued, running, done, failed
    options: dict[str, Any]
    media: tuple[str, ...]
    report: dict[str, Any] | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class LoginRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def set(self, login: Login, now: datetime) -> None:
        self._db.execute(delete(logins).where(logins.c.account_id == login.account_id))
        self._db.execute(
            logins.insert(),
            {
                "account_id": login.account_id,
                "username": login.username,
                "password_hash": login.password_hash,
                "created_at": now,
                "updated_at": now,
            },
        )

    def by_username(self, username: str) -> Login | None:
        row = self._db.execute(select(logins).where(logins.c.username == username)).one_or_none()
        return None if row is None else Login(row.account_id, row.username, row.password_hash)

    def rehash(self, account_id: str, password_hash: str, now: datetime) -> None:
        self._db.execute(
            update(logins)
            .where(logins.c.account_id == account_id)
            .values(password_hash=password_hash, updated_at=now)
        )


class SessionRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, token_hash: str, session: Session, now: datetime) -> None:
        self._db.execute(
            sessions.insert(),
            {
                "token_hash": token_hash,
                "account_id": session.account_id,
                "csrf_token": session.csrf_token,
                "created_at": now,
                "expires_at": session.expires_at,
            },
        )

    def get(self, token_hash: str) -> Session | None:
        row = self._db.execute(
            select(sessions).where(sessions.c.token_hash == token_hash)
        ).one_or_none()
        return None if row is None else Session(row.account_id, row.csrf_token, row.expires_at)

    def remove(self, token_hash: str) -> None:
        self._db.execute(delete(sessions).where(sessions.c.token_hash == token_hash))

    def remove_expired(self, now: datetime) -> None:
        self._db.execute(delete(sessions).where(sessions.c.expires_at <= now))


class WebhookRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, hook: Webhook) -> None:
        self._db.execute(
            webhooks.insert(),
            {
                "id": hook.id,
                "account_id": hook.account_id,
                "url": hook.url,
                "secret": hook.sealed_secret,
                "events": json.dumps(list(hook.events)),
                "created_at": hook.created_at,
                "disabled_at": hook.disabled_at,
            },
        )

    def get(self, webhook_id: str) -> Webhook | None:
        row = self._db.execute(select(webhooks).where(webhooks.c.id == webhook_id)).one_or_none()
        return None if row is None else _webhook(row)

    def for_account(self, account_id: str) -> list[Webhook]:
        query = select(webhooks).where(webhooks.c.account_id == account_id)
        return [_webhook(row) for row in self._db.execute(query.order_by(webhooks.c.id))]

    def active_for(self, event_type: str) -> list[Webhook]:
        query = select(webhooks).where(webhooks.c.disabled_at.is_(None))
        found = [_webhook(row) for row in self._db.execute(query.order_by(webhooks.c.id))]
        return [hook for hook in found if event_type in hook.events]

    def disable(self, webhook_id: str, at: datetime) -> None:
        self._db.execute(update(webhooks).where(webhooks.c.id == webhook_id).values(disabled_at=at))


class DeliveryRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._db.execute(webhook_deliveries.insert(), list(rows))

    def due(self, now: datetime, limit: int) -> list[Delivery]:
        query = (
            select(webhook_deliveries)
            .where(
                and_(
                    webhook_deliveries.c.status == "pending",
                    webhook_deliveries.c.next_attempt_at <= now,
                )
            )
            .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id)
            .limit(limit)
        )
        return [_delivery(row) for row in self._db.execute(query)]

    def for_webhook(self, webhook_id: str, limit: int = 100) -> list[Delivery]:
        query = (
            select(webhook_deliveries)
            .where(webhook_deliveries.c.webhook_id == webhook_id)
            .order_by(webhook_deliveries.c.id.desc())
            .limit(limit)
        )
        return [_delivery(row) for row in self._db.execute(query)]

    def get(self, delivery_id: str) -> Delivery | None:
        row = self._db.execute(
            select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)
        ).one_or_none()
        return None if row is None else _delivery(row)

    def record_attempt(self, delivery_id: str, **values: Any) -> None:
        self._db.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == delivery_id)
            .values(**values)
        )


class ScanJobRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, job: ScanJob) -> None:
        self._db.execute(
            scan_jobs.insert(),
            {
                "id": job.id,
                "account_id": job.account_id,
                "production_id": job.production_id,
                "status": job.status,
                "options": json.dumps(job.options),
                "media": json.dumps(list(job.media)),
                "report": None,
                "error": None,
                "created_at": job.created_at,
                "finished_at": None,
            },
        )

    def get(self, job_id: str) -> ScanJob | None:
        row = self._db.execute(select(scan_jobs).where(scan_jobs.c.id == job_id)).one_or_none()
        return None if row is None else _scan_job(row)

    def for_production(self, production_id: str | None) -> list[ScanJob]:
        query = select(scan_jobs).order_by(scan_jobs.c.id.desc())
        if production_id is not None:
            query = query.where(scan_jobs.c.production_id == production_id)
        return [_scan_job(row) for row in self._db.execute(query)]

    def set_status(self, job_id: str, status: str, **values: Any) -> None:
        self._db.execute(
            update(scan_jobs).where(scan_jobs.c.id == job_id).values(status=status, **values)
        )

    def interrupt_unfinished(self, now: datetime) -> int:
        result = self._db.execute(
            update(scan_jobs)
            .where(scan_jobs.c.status.in_(("queued", "running")))
            .values(
                status="failed",
                error="the server stopped before this scan finished; submit it again",
                finished_at=now,
            )
        )
        return int(result.rowcount)


@dataclass(frozen=True)
class Flag:
    """An appearance no consent covered when it was scanned."""

    log_index: int
    performer_id: str
    production_id: str
    media: str
    media_sha256: str | None
    modality: str
    start: str
    end: str
    flagged_at: datetime


class FlagRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add_many(self, items: Sequence[Flag]) -> None:
        if not items:
            return
        self._db.execute(
            flags.insert(),
            [
                {
                    "log_index": f.log_index,
                    "performer_id": f.performer_id,
                    "production_id": f.production_id,
                    "media": f.media,
                    "media_sha256": f.media_sha256,
                    "modality": f.modality,
                    "start_s": f.start,
                    "end_s": f.end,
                    "flagged_at": f.flagged_at,
                }
                for f in items
            ],
        )

    def for_performer(self, performer_id: str, limit: int = 500) -> list[Flag]:
        query = (
            select(flags)
            .where(flags.c.performer_id == performer_id)
            .order_by(flags.c.log_index.desc())
            .limit(limit)
        )
        return [
            Flag(
                log_index=int(row.log_index),
                performer_id=row.performer_id,
                production_id=row.production_id,
                media=row.media,
                media_sha256=row.media_sha256,
                modality=row.modality,
                start=row.start_s,
                end=row.end_s,
                flagged_at=row.flagged_at,
            )
            for row in self._db.execute(query)
        ]

    def count(self) -> int:
        return int(self._db.execute(select(func.count()).select_from(flags)).scalar_one())


def erase_performer_traces(connection: Connection, performer_id: str) -> None:
    """Webhook payloads naming a performer, their flags, and scan reports showing them,
    go with them."""
    connection.execute(delete(flags).where(flags.c.performer_id == performer_id))
    connection.execute(
        delete(webhook_deliveries).where(webhook_deliveries.c.performer_id == performer_id)
    )
    connection.execute(
        update(scan_jobs)
        .where(scan_jobs.c.report.contains(performer_id))
        .values(report=None, status="erased", error="erased with a performer it showed")
    )


def _webhook(row: Row[Any]) -> Webhook:
    return Webhook(
        id=row.id,
        account_id=row.account_id,
        url=row.url,
        sealed_secret=row.secret,
        events=tuple(json.loads(row.events)),
        created_at=row.created_at,
        disabled_at=row.disabled_at,
    )


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        id=row.id,
        webhook_id=row.webhook_id,
        event_id=row.event_id,
        event_type=row.event_type,
        payload=row.payload,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_status=row.last_status,
        last_error=row.last_error,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
    )


def _scan_job(row: Row[Any]) -> ScanJob:
    return ScanJob(
        id=row.id,
        account_id=row.account_id,
        production_id=row.production_id,
        status=row.status,
        options=json.loads(row.options),
        media=tuple(json.loads(row.media)),
        report=None if row.report is None else json.loads(row.report),
        error=row.error,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )
