"""Webhooks delivered to a real receiver on loopback: signed, retried, logged."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from likeness.bootstrap import Services, build_services, initialise
from likeness.domain.consent import Grantor
from likeness.services import webhook_signature
from likeness.services.webhook_signature import WebhookSignatureError
from likeness.settings import load_settings
from likeness.testing import FixedClock
from tests.api_world import World, bearer, build_world, client


class Receiver:
    """An HTTP server on 127.0.0.1 that records requests and answers from a script."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = answers
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"busy" if status >= 500 else b"ok")

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[World, TestClient]]:
    # A real clock: retries are scheduled in real time, a tenth of a second apart.
    settings = load_settings(
        home=tmp_path / "home", webhook_first_retry_seconds=0.1, webhook_max_attempts=3
    )
    initialise(settings)
    services: Services = build_services(settings)
    yield build_world(services), client(services, deliver_webhooks=True)
    services.close()


def wait_for(condition: Any, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def subscribe(http: TestClient, token: str, url: str, events: list[str]) -> dict[str, Any]:
    made = http.post("/v1/webhooks", json={"url": url, "events": events}, headers=bearer(token))
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def test_a_grant_is_delivered_signed_after_a_retry(world: tuple[World, TestClient]) -> None:
    w, http = world
    receiver = Receiver(answers=[500])  # the first attempt fails
    try:
        hook = subscribe(http, w.tokens["production"], receiver.url, ["consent.granted"])
        assert hook["secret"].startswith("whsec_")
        with http:  # the lifespan starts the dispatcher
            granted = http.post(
                f"/v1/consents/{w.requested}/grant", json={}, headers=bearer(w.tokens["performer"])
            )
            assert granted.status_code == 200
            wait_for(lambda: len(receiver.requests) >= 2)
            wait_for(
                lambda: (
                    http.get(
                        f"/v1/webhooks/{hook['id']}/deliveries",
                        headers=bearer(w.tokens["production"]),
                    ).json()[0]["status"]
                    == "delivered"
                )
            )
            deliveries = http.get(
                f"/v1/webhooks/{hook['id']}/deliveries", headers=bearer(w.tokens["production"])
            ).json()
    finally:
        receiver.close()
    [delivery] = deliveries
    assert delivery["event_type"] == "consent.granted"
    assert delivery["attempts"] == 2
    assert delivery["last_status"] == 200

    first, second = receiver.requests[:2]
    assert first[0]["webhook-id"] == second[0]["webhook-id"] == delivery["id"]
    for headers, body in (first, second):
        assert webhook_signature.verify(hook["secret"], headers, body, now=int(time.time()))
    payload = json.loads(second[1])
    assert payload["type"] == "consent.granted"
    assert payload["data"]["consent_id"] == w.requested
    assert payload["production_id"] == w.production


def test_only_the_parties_hear_of_an_event(world: tuple[World, TestClient]) -> None:
    w, http = world
    mine, theirs = Receiver([]), Receiver([])
    try:
        subscribe(http, w.tokens["performer"], mine.url, ["use.reported"])
        subscribe(http, w.tokens["performer_other"], theirs.url, ["use.reported"])
        with http:
            body = {
                "performer_id": w.performer,
                "use": {
                    "production_id": w.production,
                    "replica_kind": "employment_based",
                    "modalities": ["face"],
                    "purpose": "deliver the closing speech in the town hall scene",
                    "date": w.today.isoformat(),
                    "scenes": ["scene 41"],
                },
            }
            reported = http.post("/v1/uses", json=body, headers=bearer(w.tokens["production"]))
            assert reported.status_code == 201, reported.text
            wait_for(lambda: len(mine.requests) == 1)
            time.sleep(1.0)  # two dispatcher rounds: nothing reaches the other performer
    finally:
        mine.close()
        theirs.close()
    assert theirs.requests == []
    other = w.services.accounts.get_account(w.accounts["performer_other"])
    [hook] = w.services.webhooks.webhooks(other)
    assert w.services.webhooks.deliveries(other, hook.id) == []  # nothing was even queued
    assert json.loads(mine.requests[0][1])["data"]["use_id"] == reported.json()["use_id"]


def test_a_receiver_that_keeps_failing_ends_failed_with_its_errors_logged(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    receiver = Receiver(answers=[503, 503, 503, 503])
    try:
        hook = subscribe(http, w.tokens["performer"], receiver.url, ["consent.revoked"])
        w.services.consents.revoke(w.consent, by=Grantor.PERFORMER)
        for _ in range(200):
            w.services.webhooks.deliver_due()
            [delivery] = w.services.webhooks.deliveries(
                w.services.accounts.get_account(w.accounts["performer"]), hook["id"]
            )
            if delivery.status != "pending":
                break
            time.sleep(0.05)
    finally:
        receiver.close()
    assert delivery.status == "failed"
    assert delivery.attempts == 3  # webhook_max_attempts
    assert delivery.last_status == 503
    assert delivery.last_error is not None and "HTTP 503" in delivery.last_error
    assert len(receiver.requests) == 3
    other = http.get(
        f"/v1/webhooks/{hook['id']}/deliveries", headers=bearer(w.tokens["representative"])
    )
    assert other.status_code == 403  # the log is the owner's


def test_retries_back_off() -> None:
    from likeness.services.webhooks import RetryPolicy

    policy = RetryPolicy(max_attempts=8, first_delay=10.0)
    delays = [policy.delay(n) for n in range(1, 8)]
    assert all(b > a for a, b in itertools.pairwise(delays))
    assert timedelta(seconds=9) <= delays[0] <= timedelta(seconds=11)
    assert delays[-1] <= timedelta(hours=24)


def test_verification_refuses_forged_stale_and_replayed_requests() -> None:
    secret = webhook_signature.new_secret()
    body = b'{"type": "consent.granted"}'
    now = int(time.time())
    headers = webhook_signature.headers(secret, "msg_1", now, body)
    accepted: set[str] = set()

    def seen(message_id: str) -> bool:
        if message_id in accepted:
            return True
        accepted.add(message_id)
        return False

    assert webhook_signature.verify(secret, headers, body, now=now, seen=seen) == "msg_1"
    with pytest.raises(WebhookSignatureError, match="already accepted: a replay"):
        webhook_signature.verify(secret, headers, body, now=now + 5, seen=seen)
    with pytest.raises(WebhookSignatureError, match="stale or replayed"):
        webhook_signature.verify(secret, headers, body, now=now + 301, seen=lambda _: False)
    with pytest.raises(WebhookSignatureError, match="does not match"):
        webhook_signature.verify(secret, headers, body + b" ", now=now)
    other = webhook_signature.new_secret()
    with pytest.raises(WebhookSignatureError, match="does not match"):
        webhook_signature.verify(other, headers, body, now=now)
    tampered = {**headers, "webhook-timestamp": str(now + 1)}
    with pytest.raises(WebhookSignatureError, match="does not match"):
        webhook_signature.verify(secret, tampered, body, now=now)
    with pytest.raises(WebhookSignatureError, match="missing or malformed"):
        webhook_signature.verify(secret, {}, body, now=now)


def test_private_addresses_are_refused_in_production(tmp_path: Path) -> None:
    from likeness.errors import InvalidInputError
    from likeness.services.webhooks import WebhookService

    settings = load_settings(home=tmp_path / "home")
    initialise(settings)
    services = build_services(settings)
    try:
        world = build_world(services)
        strict = WebhookService(
            database=services.database,
            clock=FixedClock(),
            ids=services.ids,
            master_key=services.master_key,
            allow_private_hosts=False,
        )
        account = services.accounts.get_account(world.accounts["production"])
        with pytest.raises(InvalidInputError, match="private address"):
            strict.subscribe(account, "http://127.0.0.1:8080/hook", ["consent.granted"])
        with pytest.raises(InvalidInputError, match="not an http"):
            strict.subscribe(account, "file:///etc/passwd", ["consent.granted"])
        with pytest.raises(InvalidInputError, match="unknown event"):
            services.webhooks.subscribe(account, "http://127.0.0.1/h", ["consent.exploded"])
    finally:
        services.close()


def test_a_suspension_and_its_end_are_announced(world: tuple[World, TestClient]) -> None:
    w, http = world
    receiver = Receiver([])
    try:
        subscribe(
            http, w.tokens["production"], receiver.url, ["consent.suspended", "consent.resumed"]
        )
        w.services.consents.suspend(w.consent, reason="SAG-AFTRA strike")
        w.services.consents.resume(w.consent)
        w.services.webhooks.deliver_due()
    finally:
        receiver.close()
    types = [json.loads(body)["type"] for _, body in receiver.requests]
    assert sorted(types) == ["consent.resumed", "consent.suspended"]
