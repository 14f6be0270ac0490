"""Webhooks: subscriptions, an outbox written with each event, and signed delivery with
retries and a delivery log.

``emit`` runs inside the transaction that records the event (consent, use, flag), so a
notification exists exactly when its event does. The dispatcher claims due deliveries
(pushing their next attempt out by a lease, so two servers do not send the same one at
once), POSTs each signed body, and records the outcome: delivered on a 2xx answer,
otherwise retried with exponential backoff until ``max_attempts``, then failed.
Delivery is at least once; receivers deduplicate by the ``webhook-id`` header.
"""

from __future__ import annotations

import ipaddress
import json
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy.engine import Connection

from likeness.domain.account import Account, Role
from likeness.domain.log_events import WEBHOOK_EVENTS
from likeness.domain.webhook import Delivery, DeliveryStatus, Webhook
from likeness.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from likeness.services import webhook_signature
from likeness.services.events import (
    ConsentNotice,
    FlagNotice,
    Notification,
    UseNotice,
)
from likeness.services.ports import Clock, IdFactory
from likeness.store.database import Database
from likeness.store.repositories import AccountRepository
from likeness.store.secret_box import SecretBox
from likeness.store.webhooks import DeliveryRepository, WebhookRepository

SUBSCRIBERS = frozenset({Role.PERFORMER, Role.REPRESENTATIVE, Role.PRODUCTION, Role.ADMIN})
CLAIM_LEASE = timedelta(seconds=60)
MAX_DELAY = timedelta(hours=24)
LOG_ERROR_CHARS = 300


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    first_delay: float = 10.0  # seconds; multiplied by 4 each attempt, up to a day

    def delay(self, attempts: int) -> timedelta:
        seconds = self.first_delay * 4 ** (attempts - 1)
        jitter = random.uniform(0.9, 1.1)  # noqa: S311 - spreading retries, not a secret
        return min(timedelta(seconds=seconds * jitter), MAX_DELAY)


@dataclass(frozen=True)
class NewWebhook:
    webhook: Webhook
    secret: str  # shown once to its owner


def _sees(account: Account, notification: Notification) -> bool:
    if account.role is Role.ADMIN:
        return True
    if account.role in (Role.PERFORMER, Role.REPRESENTATIVE):
        return notification.performer_id is not None and (
            notification.performer_id == account.performer_id
        )
    if account.role is Role.PRODUCTION:
        return notification.production_id == account.production_id
    return False


class WebhookService:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        ids: IdFactory,
        master_key: bytes,
        retry: RetryPolicy | None = None,
        allow_private_hosts: bool = True,
        timeout: float = 5.0,
    ) -> None:
        self._database = database
        self._clock = clock
        self._ids = ids
        self._box = SecretBox(master_key, "webhook-secrets")
        self._retry = retry or RetryPolicy()
        self._allow_private = allow_private_hosts
        self._timeout = timeout

    # -- subscriptions ------------------------------------------------------------

    def subscribe(self, account: Account, url: str, events: list[str]) -> NewWebhook:
        if account.role not in SUBSCRIBERS:
            raise PermissionDeniedError(f"a {account.role.value} account cannot receive webhooks")
        self._check_url(url)
        offered = {e.value for e in WEBHOOK_EVENTS}
        unknown = sorted(set(events) - offered)
        if unknown or not events:
            raise InvalidInputError(
                f"unknown event type(s): {', '.join(unknown)}" if unknown else "no event types",
                hint=f"choose from {', '.join(WEBHOOK_EVENTS)}",
            )
        secret = webhook_signature.new_secret()
        hook_id = self._ids.new()
        hook = Webhook(
            id=hook_id,
            account_id=account.id,
            url=url,
            sealed_secret=self._box.seal(secret.encode(), hook_id),
            events=tuple(e for e in WEBHOOK_EVENTS if e.value in events),
            created_at=self._clock.now(),
        )
        with self._database.write() as connection:
            WebhookRepository(connection).add(hook)
        return NewWebhook(hook, secret)

    def webhooks(self, account: Account) -> list[Webhook]:
        with self._database.read() as connection:
            return WebhookRepository(connection).for_account(account.id)

    def disable(self, account: Account, webhook_id: str) -> Webhook:
        with self._database.write() as connection:
            repository = WebhookRepository(connection)
            hook = self._owned(repository, account, webhook_id)
            repository.disable(hook.id, self._clock.now())
            found = repository.get(hook.id)
        assert found is not None
        return found

    def deliveries(self, account: Account, webhook_id: str) -> list[Delivery]:
        with self._database.read() as connection:
            hook = self._owned(WebhookRepository(connection), account, webhook_id)
            return DeliveryRepository(connection).for_webhook(hook.id)

    def _owned(self, repository: WebhookRepository, account: Account, webhook_id: str) -> Webhook:
        hook = repository.get(webhook_id)
        if hook is None:
            raise NotFoundError("webhook", webhook_id)
        if hook.account_id != account.id and account.role is not Role.ADMIN:
            raise PermissionDeniedError(f"webhook {webhook_id} belongs to another account")
        return hook

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInputError(f"{url!r} is not an http(s) URL")
        if self._allow_private:
            return
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, None)}
        except OSError:
            raise InvalidInputError(f"cannot resolve {parts.hostname!r}") from None
        for address in addresses:
            ip = ipaddress.ip_address(str(address).split("%")[0])
            if not ip.is_global:
                raise InvalidInputError(
                    f"{parts.hostname} resolves to a private address ({ip}); refused in production",
                    hint="webhooks must reach a public endpoint",
                )

    # -- the outbox -------------------------------------------------------------

    def emit(self, connection: Connection, notification: Notification) -> None:
        hooks = WebhookRepository(connection).active_for(notification.type)
        if not hooks:
            return
        owners = AccountRepository(connection)
        event_id = self._ids.new()
        payload = json.dumps(
            {
                "id": event_id,
                "type": notification.type.value,
                "at": notification.at.isoformat(),
                "performer_id": notification.performer_id,
                "production_id": notification.production_id,
                "data": _data(notification.notice),
            },
            sort_keys=True,
        )
        deliveries = []
        for hook in hooks:
            owner = owners.get(hook.account_id)
            if owner is None or not _sees(owner, notification):
                continue
            deliveries.append(
                Delivery(
                    id=self._ids.new(),
                    webhook_id=hook.id,
                    event_id=event_id,
                    event_type=notification.type,
                    payload=payload,
                    status=DeliveryStatus.PENDING,
                    attempts=0,
                    next_attempt_at=notification.at,
                    last_status=None,
                    last_error=None,
                    created_at=notification.at,
                    delivered_at=None,
                    performer_id=notification.performer_id,
                )
            )
        DeliveryRepository(connection).add_many(deliveries)

    # -- delivery -----------------------------------------------------------------

    def deliver_due(self, limit: int = 50) -> int:
        """Attempt every due delivery once; returns how many were attempted."""
        claimed = self._claim(limit)
        if not claimed:
            return 0
        with httpx.Client(timeout=self._timeout, follow_redirects=False) as client:
            for delivery, hook in claimed:
                self._attempt(client, delivery, hook)
        return len(claimed)

    def _claim(self, limit: int) -> list[tuple[Delivery, Webhook]]:
        now = self._clock.now()
        with self._database.read() as connection:  # the usual answer: nothing is due
            if not DeliveryRepository(connection).due(now, 1):
                return []
        with self._database.write() as connection:
            deliveries = DeliveryRepository(connection)
            hooks = WebhookRepository(connection)
            claimed = []
            for delivery in deliveries.due(now, limit):
                hook = hooks.get(delivery.webhook_id)
                if hook is None or not hook.active:
                    deliveries.give_up(delivery.id, "the webhook was disabled")
                    continue
                deliveries.lease(delivery.id, now + CLAIM_LEASE)
                claimed.append((delivery, hook))
        return claimed

    def _attempt(self, client: httpx.Client, delivery: Delivery, hook: Webhook) -> None:
        secret = self._box.open(hook.sealed_secret, hook.id).decode()
        body = delivery.payload.encode()
        signed = webhook_signature.headers(secret, delivery.id, int(time.time()), body)
        answer_status: int | None = None
        error: str | None = None
        try:
            answer = client.post(hook.url, content=body, headers=signed)
            answer_status = answer.status_code
            if not 200 <= answer_status < 300:
                error = f"HTTP {answer_status}: {answer.text[:LOG_ERROR_CHARS]}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:LOG_ERROR_CHARS]
        attempts = delivery.attempts + 1
        now = self._clock.now()
        if error is None:
            status, next_at, delivered = DeliveryStatus.DELIVERED, None, now
        elif attempts >= self._retry.max_attempts:
            status, next_at, delivered = DeliveryStatus.FAILED, None, None
        else:
            status, next_at = DeliveryStatus.PENDING, now + self._retry.delay(attempts)
            delivered = None
        with self._database.write() as connection:
            DeliveryRepository(connection).record_attempt(
                delivery.id,
                status=status,
                attempts=attempts,
                last_status=answer_status,
                last_error=error,
                next_attempt_at=next_at,
                delivered_at=delivered,
            )


def _data(notice: ConsentNotice | UseNotice | FlagNotice) -> dict[str, object]:
    """What a webhook's ``data`` says, per kind of event."""
    if isinstance(notice, ConsentNotice):
        return {
            "consent_id": notice.consent_id,
            "status": notice.status.value,
            "log_index": notice.log_index,
            "project": notice.project,
        }
    if isinstance(notice, UseNotice):
        return {
            "use_id": notice.use_id,
            "date": notice.date.isoformat(),
            "decision": notice.outcome.value,
            "total": {"amount": str(notice.total.amount), "currency": notice.total.currency},
            "log_index": notice.log_index,
        }
    return {
        "media_sha256": notice.media_sha256,
        "modality": notice.modality.value,
        "start": float(notice.start),
        "end": float(notice.end),
        "log_index": notice.log_index,
    }


class WebhookDispatcher:
    """A background thread that delivers due webhooks every ``interval`` seconds."""

    def __init__(
        self,
        deliver: Callable[[], int],
        *,
        interval: float = 0.5,
        on_error: Callable[[BaseException], None] = lambda _: None,
    ) -> None:
        self._deliver = deliver
        self._interval = interval
        self._on_error = on_error
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="likeness-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self._deliver() > 0
            except Exception as exc:
                self._on_error(exc)
                busy = False
            if not busy:
                self._stop.wait(self._interval)
