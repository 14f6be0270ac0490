"""Webhook subscriptions and their deliveries (the outbox and its log)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from likeness.domain.log_events import LogEventType


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # due at next_attempt_at (or being attempted, under a lease)
    DELIVERED = "delivered"
    FAILED = "failed"  # out of attempts, or its webhook was disabled


@dataclass(frozen=True)
class Webhook:
    id: str
    account_id: str
    url: str
    sealed_secret: bytes
    events: tuple[LogEventType, ...]  # a subset of ``WEBHOOK_EVENTS``
    created_at: datetime
    disabled_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True)
class Delivery:
    id: str
    webhook_id: str
    event_id: str
    event_type: LogEventType
    payload: str  # the signed body, JSON
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    performer_id: str | None = None  # whom the payload names (erased with them)
