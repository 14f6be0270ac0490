"""Webhooks: subscriptions, an outbox written with each event, and signed delivery with
retries and a delivery log.

``emit`` runs inside the transaction that records the event (consent, use, flag), so a
notification exists exactly when its event does. The dispatcher claims due deliveries
(pushing their next attempt out by a lease, so two servers do not send the same one at
once) and hands each webhook's share to a pool of delivery workers: one webhook's
deliveries are attempted in order, one at a time, and a slow receiver holds only its own
(its webhook is left out of the next claims until it is done). No account, and no
receiving server (host and port), has more than a share of the workers
(``max(1, workers // 4)``) at once: the webhooks beyond it wait for the next claims, so
one account's many slow receivers (or one slow server many accounts send to) leave the
other workers to everyone else. An account has at most ``MAX_WEBHOOKS`` active
webhooks. Every attempt goes
through the egress gate (``likeness.egress``): the URL's host is resolved again and
refused before any connection unless every address is public or allow-listed, the
request goes to the vetted address, and the attempt has one overall deadline. The
outcome is recorded: delivered on a 2xx answer, otherwise retried with exponential
backoff until ``max_attempts``, then failed. The delivery log keeps the status and the
timing, never a byte of the answer's body. Delivery is at least once; receivers
deduplicate by the ``webhook-id`` header.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy.engine import Connection

from likeness.domain.account import Account, Role
from likeness.domain.log_events import WEBHOOK_EVENTS
from likeness.domain.webhook import Delivery, DeliveryStatus, Webhook
from likeness.egress import DEFAULT_DEADLINE, DEFAULT_MAX_BODY, Egress, VettedTarget
from likeness.errors import (
    EgressError,
    EgressRefusedError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from likeness.services import webhook_signature
from likeness.services.events import (
    ConsentNotice,
    FlagNotice,
    Notification,
    TakedownNotice,
    UseNotice,
)
from likeness.services.ports import Clock, IdFactory
from likeness.store.database import Database
from likeness.store.repositories import AccountRepository
from likeness.store.secret_box import SecretBox
from likeness.store.webhooks import DeliveryRepository, WebhookRepository

log_ = logging.getLogger(__name__)

SUBSCRIBERS = frozenset({Role.PERFORMER, Role.REPRESENTATIVE, Role.PRODUCTION, Role.ADMIN})
CLAIM_LEASE = timedelta(seconds=60)
MAX_DELAY = timedelta(hours=24)
LOG_ERROR_CHARS = 300
DELIVERY_WORKERS = 8
MAX_WEBHOOKS = 20  # active per account: bounds one account's fan-out and claim scans


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
        egress: Egress,
        retry: RetryPolicy | None = None,
        deadline: float = DEFAULT_DEADLINE,
        max_body: int = DEFAULT_MAX_BODY,
        workers: int = DELIVERY_WORKERS,
    ) -> None:
        self._database = database
        self._clock = clock
        self._ids = ids
        self._box = SecretBox(master_key, "webhook-secrets")
        self._egress = egress
        self._retry = retry or RetryPolicy()
        self._deadline = deadline  # seconds for a whole attempt: connect, send, answer
        self._max_body = max_body  # bytes of an answer read at most (then dropped)
        self._workers = workers
        # attempts in flight at once for one account, and for one receiving server
        self._share = max(1, workers // 4)
        self._pool: ThreadPoolExecutor | None = None
        self._closed = False
        # webhooks with a claimed batch (queued or in flight): its account and receiver
        self._busy: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()  # guards the three above
        self._claiming = threading.Lock()  # one claim at a time: no webhook sent twice at once

    @property
    def workers(self) -> int:
        """How many delivery attempts may be in flight at once."""
        return self._workers

    # -- subscriptions ------------------------------------------------------------

    def subscribe(self, account: Account, url: str, events: list[str]) -> NewWebhook:
        if account.role not in SUBSCRIBERS:
            raise PermissionDeniedError(f"a {account.role.value} account cannot receive webhooks")
        offered = {e.value for e in WEBHOOK_EVENTS}
        unknown = sorted(set(events) - offered)
        if unknown or not events:
            raise InvalidInputError(
                f"unknown event type(s): {', '.join(unknown)}" if unknown else "no event types",
                hint=f"choose from {', '.join(WEBHOOK_EVENTS)}",
            )
        self._vet(url)  # last: the only check that asks the resolver
        self._check_room(account)  # and again below, in the write that adds it
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
            self._check_room(account, connection)
            WebhookRepository(connection).add(hook)
        return NewWebhook(hook, secret)

    def _check_room(self, account: Account, connection: Connection | None = None) -> None:
        if connection is None:
            with self._database.read() as reading:
                return self._check_room(account, reading)
        if WebhookRepository(connection).count_active(account.id) >= MAX_WEBHOOKS:
            raise InvalidInputError(
                f"an account may have at most {MAX_WEBHOOKS} active webhooks",
                hint="disable one it no longer needs (DELETE /v1/webhooks/{webhook_id});"
                " one webhook may receive several event types",
            )
        return None

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

    def _vet(self, url: str) -> VettedTarget:
        """The URL checked by the egress gate now (at subscription it is checked again at
        every attempt: a name may resolve elsewhere later)."""
        try:
            return self._egress.vet(url)
        except EgressRefusedError:
            raise
        except EgressError as exc:
            raise InvalidInputError(exc.message, hint=exc.hint) from None

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
            if owner is None or owner.disabled or not _sees(owner, notification):
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

    def deliver_due(self, limit: int = 50, *, wait: bool = False) -> int:
        """Claim the due deliveries (of webhooks with no attempt in flight) and hand each
        webhook's share, in order, to the delivery workers; returns how many were claimed.

        Without ``wait`` it returns at once, so the dispatcher goes on claiming for other
        webhooks while a slow receiver is attempted; ``wait`` returns when every claimed
        delivery has been attempted once (tests, one-off runs)."""
        with self._claiming:
            pool = self._workers_pool()
            if pool is None:  # closed
                return 0
            batches = self._claim(limit)
            futures: list[Future[None]] = [
                pool.submit(self._deliver_batch, hook, deliveries) for hook, deliveries in batches
            ]
        if wait:
            for future in futures:
                future.result()
        return sum(len(deliveries) for _, deliveries in batches)

    def close(self) -> None:
        """Stop the delivery workers after the attempts in flight (each ends by its
        deadline); claimed deliveries not yet attempted are retried after their lease."""
        with self._lock:
            pool, self._pool, self._closed = self._pool, None, True
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _workers_pool(self) -> ThreadPoolExecutor | None:
        with self._lock:
            if self._pool is None and not self._closed:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="likeness-hook")
            return self._pool

    def _claim(self, limit: int) -> list[tuple[Webhook, list[Delivery]]]:
        """Due deliveries grouped by webhook (oldest first in each), leased for as long as
        their attempts may take, their webhooks marked busy until they are attempted.

        A webhook is claimed only while its account and its receiving server each have
        fewer than ``_share`` batches claimed: the others stay due, untouched (their order
        kept), for a later claim. The webhooks are chosen first, the one waiting longest
        first, and their deliveries fetched after: fetching the oldest deliveries first
        would let one account's backlog fill every claim and hide the others'.
        Called under ``_claiming``: only claims add to ``_busy``, so its snapshot holds."""
        now = self._clock.now()
        with self._lock:
            busy = dict(self._busy)
        with self._database.read() as connection:  # the usual answer: nothing is due
            if not DeliveryRepository(connection).due(now, 1, busy=busy):
                return []
        per_account = Counter(account for account, _ in busy.values())
        per_server = Counter(server for _, server in busy.values())
        with self._database.write() as connection:
            deliveries = DeliveryRepository(connection)
            hooks = WebhookRepository(connection)
            owners = AccountRepository(connection)
            chosen: dict[str, Webhook] = {}
            for hook_id in deliveries.due_webhooks(now, busy=busy):
                if len(chosen) >= limit:
                    break
                hook = hooks.get(hook_id)
                stopped = _stopped(hook, None if hook is None else owners.get(hook.account_id))
                if stopped is not None:
                    deliveries.give_up_due(hook_id, now, stopped)
                    continue
                assert hook is not None
                server = _server(hook.url)
                if per_account[hook.account_id] >= self._share or per_server[server] >= self._share:
                    continue  # its share is in use: it waits, not another subscriber
                per_account[hook.account_id] += 1
                per_server[server] += 1
                chosen[hook.id] = hook
            batches: dict[str, tuple[Webhook, list[Delivery]]] = {}
            if chosen:
                for delivery in deliveries.due(now, limit, only=chosen):
                    hook = chosen[delivery.webhook_id]
                    batches.setdefault(hook.id, (hook, []))[1].append(delivery)
            for _, items in batches.values():
                lease = CLAIM_LEASE + timedelta(seconds=self._deadline * len(items))
                for delivery in items:
                    deliveries.lease(delivery.id, now + lease)
        with self._lock:
            for hook, _ in batches.values():
                self._busy[hook.id] = (hook.account_id, _server(hook.url))
        return list(batches.values())

    def _deliver_batch(self, hook: Webhook, deliveries: list[Delivery]) -> None:
        try:
            for delivery in deliveries:
                self._attempt(delivery, hook)
        except Exception:
            log_.exception("webhook %s: delivery failed", hook.id)
        finally:
            with self._lock:
                self._busy.pop(hook.id, None)

    def _attempt(self, delivery: Delivery, hook: Webhook) -> None:
        # Checked again here, not only at the claim: a batch may wait behind a slow
        # receiver for minutes, and a disabling in the meantime must stop what is left.
        with self._database.read() as connection:
            now_hook = WebhookRepository(connection).get(hook.id)
            owner = AccountRepository(connection).get(hook.account_id)
        stopped = _stopped(now_hook, owner)
        if stopped is not None:
            with self._database.write() as connection:
                DeliveryRepository(connection).give_up(delivery.id, stopped)
            return
        secret = self._box.open(hook.sealed_secret, hook.id).decode()
        body = delivery.payload.encode()
        signed = webhook_signature.headers(secret, delivery.id, int(time.time()), body)
        answer_status, error = self._send(hook.url, body, signed)
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
                last_error=None if error is None else error[:LOG_ERROR_CHARS],
                next_attempt_at=next_at,
                delivered_at=delivered,
            )

    def _send(
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int | None, str | None]:
        """One attempt: the answer's status and, unless it is 2xx, what went wrong and how
        long it took. The answer's body is read (capped) and dropped: a receiver's text
        never reaches the delivery log, which its subscriber reads."""
        started = time.monotonic()
        try:
            # resolved again for this attempt and refused before connecting; the lookup is
            # within the deadline, so a slow name server holds a worker no longer either
            answer = self._egress.send(
                "POST",
                url,
                body=body,
                headers={**headers, "content-type": "application/json"},
                deadline=self._deadline,
                max_body=self._max_body,
            )
        except EgressRefusedError as exc:
            return None, exc.message
        except EgressError as exc:
            return None, f"{exc.message} (after {round((time.monotonic() - started) * 1000)} ms)"
        if 200 <= answer.status < 300:
            return answer.status, None
        redirect = ", redirects are not followed" if 300 <= answer.status < 400 else ""
        return answer.status, f"HTTP {answer.status} after {answer.elapsed_ms} ms{redirect}"


def _server(url: str) -> str:
    """The receiving server a webhook's URL names: its host and port (one server, though
    every path on it is another webhook)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # vetted at subscription; should it not parse, it is its own
        return url
    return f"{(parts.hostname or '').lower()}:{port}"


def _stopped(hook: Webhook | None, owner: Account | None) -> str | None:
    """Why nothing more may be sent for ``hook``, or None: a disabled webhook, or one whose
    account was disabled (its owner can no longer sign in; their receiver hears no more)."""
    if hook is None or not hook.active:
        return "the webhook was disabled"
    if owner is None or owner.disabled:
        return "the webhook's account was disabled"
    return None


def _data(notice: ConsentNotice | UseNotice | FlagNotice | TakedownNotice) -> dict[str, object]:
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
    if isinstance(notice, TakedownNotice):
        return {
            "takedown_id": notice.takedown_id,
            "flag_id": notice.flag_log_index,
            "status": notice.status.value,
            "at": notice.at.isoformat(),
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
