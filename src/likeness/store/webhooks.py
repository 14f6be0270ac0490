"""Webhook subscriptions and the outbox of deliveries, with each attempt's outcome."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from likeness.domain.log_events import LogEventType
from likeness.domain.webhook import Delivery, DeliveryStatus, Webhook
from likeness.store.tables import webhook_deliveries, webhooks


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

    def count_active(self, account_id: str) -> int:
        query = select(func.count()).where(
            webhooks.c.account_id == account_id, webhooks.c.disabled_at.is_(None)
        )
        return int(self._db.execute(query).scalar_one())

    def active_for(self, event_type: LogEventType) -> list[Webhook]:
        query = select(webhooks).where(webhooks.c.disabled_at.is_(None))
        found = [_webhook(row) for row in self._db.execute(query.order_by(webhooks.c.id))]
        return [hook for hook in found if event_type in hook.events]

    def disable(self, webhook_id: str, at: datetime) -> None:
        self._db.execute(update(webhooks).where(webhooks.c.id == webhook_id).values(disabled_at=at))


class DeliveryRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add_many(self, items: Sequence[Delivery]) -> None:
        if not items:
            return
        self._db.execute(
            webhook_deliveries.insert(),
            [
                {
                    "id": d.id,
                    "webhook_id": d.webhook_id,
                    "event_id": d.event_id,
                    "event_type": d.event_type,
                    "performer_id": d.performer_id,
                    "payload": d.payload,
                    "status": d.status.value,
                    "attempts": d.attempts,
                    "next_attempt_at": d.next_attempt_at,
                    "last_status": d.last_status,
                    "last_error": d.last_error,
                    "created_at": d.created_at,
                    "delivered_at": d.delivered_at,
                }
                for d in items
            ],
        )

    def due(
        self,
        now: datetime,
        limit: int,
        *,
        busy: Collection[str] = (),
        only: Collection[str] | None = None,
    ) -> list[Delivery]:
        """Pending deliveries due by ``now``, oldest first, leaving out those of the
        webhooks in ``busy`` (their earlier deliveries are being attempted) and, with
        ``only``, those of any webhook not in it."""
        condition = _due(now, busy)
        if only is not None:
            condition = and_(condition, webhook_deliveries.c.webhook_id.in_(list(only)))
        query = (
            select(webhook_deliveries)
            .where(condition)
            .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id)
            .limit(limit)
        )
        return [_delivery(row) for row in self._db.execute(query)]

    def due_webhooks(self, now: datetime, *, busy: Collection[str] = ()) -> list[str]:
        """The webhooks with deliveries due by ``now`` (but those in ``busy``), the one
        whose oldest due delivery is oldest first."""
        oldest = func.min(webhook_deliveries.c.next_attempt_at)
        query = (
            select(webhook_deliveries.c.webhook_id)
            .where(_due(now, busy))
            .group_by(webhook_deliveries.c.webhook_id)
            .order_by(oldest, func.min(webhook_deliveries.c.id))
        )
        return [str(hook_id) for hook_id in self._db.execute(query).scalars()]

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

    def lease(self, delivery_id: str, until: datetime) -> None:
        """Push a claimed delivery's next attempt out, so no other dispatcher sends it."""
        self._db.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == delivery_id)
            .values(next_attempt_at=until)
        )

    def record_attempt(
        self,
        delivery_id: str,
        *,
        status: DeliveryStatus,
        attempts: int,
        last_status: int | None,
        last_error: str | None,
        next_attempt_at: datetime | None,
        delivered_at: datetime | None = None,
    ) -> None:
        self._db.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == delivery_id)
            .values(
                status=status.value,
                attempts=attempts,
                last_status=last_status,
                last_error=last_error,
                next_attempt_at=next_attempt_at,
                delivered_at=delivered_at,
            )
        )

    def give_up(self, delivery_id: str, reason: str) -> None:
        self._db.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == delivery_id)
            .values(status=DeliveryStatus.FAILED.value, last_error=reason, next_attempt_at=None)
        )

    def give_up_due(self, webhook_id: str, now: datetime, reason: str) -> None:
        """Give up every delivery of ``webhook_id`` due by ``now``."""
        self._db.execute(
            update(webhook_deliveries)
            .where(_due(now, ()), webhook_deliveries.c.webhook_id == webhook_id)
            .values(status=DeliveryStatus.FAILED.value, last_error=reason, next_attempt_at=None)
        )

    def remove_for_performer(self, performer_id: str) -> None:
        """Payloads naming a performer go with them (erasure)."""
        self._db.execute(
            delete(webhook_deliveries).where(webhook_deliveries.c.performer_id == performer_id)
        )


def _due(now: datetime, busy: Collection[str]) -> ColumnElement[bool]:
    condition = and_(
        webhook_deliveries.c.status == DeliveryStatus.PENDING.value,
        webhook_deliveries.c.next_attempt_at <= now,
    )
    if busy:
        condition = and_(condition, webhook_deliveries.c.webhook_id.not_in(list(busy)))
    return condition


def _webhook(row: Row[Any]) -> Webhook:
    return Webhook(
        id=row.id,
        account_id=row.account_id,
        url=row.url,
        sealed_secret=row.secret,
        events=tuple(LogEventType(e) for e in json.loads(row.events)),
        created_at=row.created_at,
        disabled_at=row.disabled_at,
    )


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        id=row.id,
        webhook_id=row.webhook_id,
        event_id=row.event_id,
        event_type=LogEventType(row.event_type),
        payload=row.payload,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_status=row.last_status,
        last_error=row.last_error,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
        performer_id=row.performer_id,
    )
