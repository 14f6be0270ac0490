"""Webhooks delivered to a real receiver on loopback: signed, retried, logged, through the
egress gate (a receiver on this machine is allow-listed, never assumed; a name rebound to a
refused address is refused before any connection; answers' bodies are never kept), and
delivered so that a slow receiver holds up no other subscriber."""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from likeness.bootstrap import Services, build_services, initialise
from likeness.domain.consent import Grantor
from likeness.egress import Egress, EgressPolicy
from likeness.errors import ConfigurationError
from likeness.services import webhook_signature
from likeness.services.webhook_signature import WebhookSignatureError
from likeness.services.webhooks import WebhookService
from likeness.settings import load_settings
from likeness.testing import FakeResolver
from likeness.testing.resolver import SlowResolver
from tests.api_world import World, bearer, build_world, client
from tests.loopback_only import watch_connections
from tests.loopback_server import serve_connections

LOOPBACK = ("127.0.0.1/32",)  # LIKENESS_EGRESS_ALLOW for a receiver on this machine
SECRET_ANSWER = b"internal-admin-token=7f3c9a1e; db=postgres://root@10.0.0.5"
HOLD = 8.0  # seconds a holding Receiver keeps a request at most (under the 10 s deadline)


class Receiver:
    """An HTTP server on 127.0.0.1 that records requests and answers from a script; with
    ``hold`` set it keeps each request waiting until ``release`` is set (``HOLD`` at
    most); ``answered`` counts the requests it has answered."""

    def __init__(self, answers: list[int], *, body: bytes = b"ok", hold: bool = False) -> None:
        self.answers = answers
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.release = threading.Event()
        self.answered = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                payload = self.rfile.read(int(self.headers["content-length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, payload))
                if hold:
                    receiver.release.wait(timeout=HOLD)
                status = receiver.answers.pop(0) if receiver.answers else 200
                receiver.answered += 1
                self.send_response(status)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[World, TestClient]]:
    # A real clock: retries are scheduled in real time, a tenth of a second apart.
    settings = load_settings(
        home=tmp_path / "home",
        webhook_first_retry_seconds=0.1,
        webhook_max_attempts=3,
        egress_allow=LOOPBACK,
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
    receiver = Receiver(answers=[503, 503, 503, 503], body=b"busy")
    try:
        hook = subscribe(http, w.tokens["performer"], receiver.url, ["consent.revoked"])
        w.services.consents.revoke(w.consent, by=Grantor.PERFORMER)
        for _ in range(200):
            w.services.webhooks.deliver_due(wait=True)
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
    assert delivery.last_error is not None and "HTTP 503 after" in delivery.last_error
    assert "busy" not in delivery.last_error  # the answer's body is not kept
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


def test_a_suspension_and_its_end_are_announced(world: tuple[World, TestClient]) -> None:
    w, http = world
    receiver = Receiver([])
    try:
        subscribe(
            http, w.tokens["production"], receiver.url, ["consent.suspended", "consent.resumed"]
        )
        w.services.consents.suspend(w.consent, reason="SAG-AFTRA strike")
        w.services.consents.resume(w.consent)
        w.services.webhooks.deliver_due(wait=True)
    finally:
        receiver.close()
    types = [json.loads(body)["type"] for _, body in receiver.requests]
    assert sorted(types) == ["consent.resumed", "consent.suspended"]


# -- the egress gate -------------------------------------------------------------------


@contextlib.contextmanager
def serving(services: Services) -> Iterator[str]:
    """The app (its webhook dispatcher running) served by uvicorn on 127.0.0.1, in this
    process so that it shares the test's fake resolver: a real server over real HTTP."""
    import uvicorn

    from likeness.api.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(services), host="127.0.0.1", port=port, log_level="warning", loop="asyncio"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, 10)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def delivery_log(base: str, token: str, hook_id: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{base}/v1/webhooks/{hook_id}/deliveries", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_a_receiver_on_this_machine_is_refused_unless_allow_listed(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")  # development, nothing allow-listed
    initialise(settings)
    services = build_services(settings)
    try:
        w, http = build_world(services), client(services)
        for url, said in [
            ("http://127.0.0.1:8080/hook", "refused: 127.0.0.1 (loopback) is not a public address"),
            ("http://[::1]/hook", "refused: ::1 (loopback) is not a public address"),
            ("http://10.1.2.3/hook", "refused: 10.1.2.3 (private) is not a public address"),
            ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 (link-local) is not"),
            ("http://admin:pw@hooks.example/", "carries user information"),
            ("file:///etc/passwd", "is not an http(s) URL"),
        ]:
            made = http.post(
                "/v1/webhooks",
                json={"url": url, "events": ["consent.granted"]},
                headers=bearer(w.tokens["production"]),
            )
            assert made.status_code == 422, url
            error = made.json()["error"]
            assert said in error["message"]
            if said.startswith("refused"):
                assert "LIKENESS_EGRESS_ALLOW" in error["hint"]
        assert http.get("/v1/webhooks", headers=bearer(w.tokens["production"])).json() == []
    finally:
        services.close()


def test_a_malformed_allow_list_is_a_configuration_error(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", egress_allow=("127.0.0.1/33",))
    initialise(settings)
    with pytest.raises(ConfigurationError, match=r"LIKENESS_EGRESS_ALLOW: '127\.0\.0\.1/33'"):
        build_services(settings)


# loopback beside the allow-listed address, and the cloud metadata address (every class
# of address is refused in tests/unit/test_egress.py)
@pytest.mark.parametrize("rebound", ["127.0.0.2", "169.254.169.254"])
def test_a_name_rebound_to_a_refused_address_is_refused_before_any_connection(
    tmp_path: Path, rebound: str
) -> None:
    """DNS rebinding: the name resolved to an allowed address when the subscriber
    subscribed, and to an internal one at delivery. The delivery resolves again, refuses
    before connecting, and logs the refusal."""
    resolver = FakeResolver({"hooks.example.test": ["127.0.0.1"]})
    settings = load_settings(
        home=tmp_path / "home", egress_allow=LOOPBACK, webhook_first_retry_seconds=3600
    )
    initialise(settings)
    services = build_services(settings, resolver=resolver)
    receiver = Receiver([])
    w = build_world(services)
    token = w.tokens["production"]
    url = f"http://hooks.example.test:{receiver.port}/hook"
    try:
        with serving(services) as base:
            made = httpx.post(
                f"{base}/v1/webhooks",
                json={"url": url, "events": ["consent.suspended", "consent.resumed"]},
                headers=bearer(token),
            )
            assert made.status_code == 201, made.text
            hook = made.json()
            services.consents.suspend(w.consent, reason="SAG-AFTRA strike")
            wait_for(lambda: len(receiver.requests) == 1)
            assert receiver.requests[0][0]["host"] == f"hooks.example.test:{receiver.port}"

            resolver.answer("hooks.example.test", rebound)  # the attacker's DNS changes
            lookups = len(resolver.lookups)
            with watch_connections() as connections:
                services.consents.resume(w.consent)
                wait_for(
                    lambda: any(d["last_error"] for d in delivery_log(base, token, hook["id"]))
                )
            log = delivery_log(base, token, hook["id"])
    finally:
        receiver.close()
        services.close()
    assert len(receiver.requests) == 1  # nothing reached the receiver after the rebinding
    assert resolver.lookups[lookups:] == ["hooks.example.test"]  # resolved once, at delivery
    reached = [c for c in connections if c[1] == receiver.port or c[0] == rebound]
    assert reached == []  # and no connection was even tried
    refused, delivered = log  # newest first
    assert delivered["status"] == "delivered" and delivered["last_error"] is None
    assert refused["status"] == "pending" and refused["last_status"] is None
    # no address in the log its subscriber reads: the server's DNS is not theirs to map
    assert (
        refused["last_error"] == "refused: hooks.example.test does not resolve to a public address"
    )
    assert rebound not in json.dumps(log)


def test_a_receivers_answer_is_never_stored_or_shown(world: tuple[World, TestClient]) -> None:
    """A receiver (or an internal service a name points at) answers 500 with a body: the
    delivery log shows the status and the timing, and no byte of the body is stored."""
    w, http = world
    receiver = Receiver(answers=[500, 500, 500], body=SECRET_ANSWER)
    try:
        hook = subscribe(http, w.tokens["performer"], receiver.url, ["consent.revoked"])
        w.services.consents.revoke(w.consent, by=Grantor.PERFORMER)
        w.services.webhooks.deliver_due(wait=True)
    finally:
        receiver.close()
    answer = http.get(
        f"/v1/webhooks/{hook['id']}/deliveries", headers=bearer(w.tokens["performer"])
    )
    [delivery] = answer.json()
    assert delivery["last_status"] == 500
    assert delivery["last_error"].startswith("HTTP 500 after ")
    assert delivery["last_error"].endswith(" ms")
    assert b"internal-admin-token" not in answer.content
    w.services.close()  # the database and its write-ahead log, as they are on disk
    for stored in w.services.layout.root.rglob("*"):
        if stored.is_file():
            assert b"internal-admin-token" not in stored.read_bytes(), stored


def dripping_server(first: bytes) -> tuple[socket.socket, int, threading.Event]:
    """A server on 127.0.0.1 that answers every connection with ``first`` and then one
    byte every 0.1 s, never finishing."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            conn.sendall(first)
            while not stop.wait(0.1):
                try:
                    conn.sendall(b"a")
                except OSError:
                    return

    serve_connections(listener, drip, stop)
    return listener, listener.getsockname()[1], stop


def test_a_dripping_receiver_is_cut_off_at_the_deadline(services: Services) -> None:
    world = build_world(services)
    listener, port, stop = dripping_server(b"HTTP/1.1 200 OK\r\nx-slow: ")
    hooks = WebhookService(
        database=services.database,
        clock=services.clock,
        ids=services.ids,
        master_key=services.master_key,
        egress=Egress(EgressPolicy.from_cidrs(LOOPBACK)),
        deadline=1.0,
    )
    owner = services.accounts.get_account(world.accounts["performer"])
    try:
        hook = hooks.subscribe(owner, f"http://127.0.0.1:{port}/hook", ["consent.revoked"])
        services.consents.revoke(world.consent, by=Grantor.PERFORMER)
        started = time.monotonic()
        hooks.deliver_due(wait=True)
        took = time.monotonic() - started
    finally:
        stop.set()
        listener.close()
        hooks.close()
    [delivery] = hooks.deliveries(owner, hook.webhook.id)
    assert 1.0 <= took < 2.5  # cut at the deadline, though bytes kept coming
    assert delivery.last_status is None
    assert delivery.last_error is not None
    assert "no complete answer within 1 s" in delivery.last_error


def test_a_slow_receiver_delays_no_other_subscriber(world: tuple[World, TestClient]) -> None:
    """The production's receiver holds every request; the performer's answers at once.
    While the production's first delivery is held, the performer gets both of theirs, and
    the production's second waits behind its first (one webhook's deliveries in order)."""
    w, http = world
    slow, fast = Receiver([], hold=True), Receiver([])
    events = ["consent.suspended", "consent.resumed"]
    try:
        subscribe(http, w.tokens["production"], slow.url, events)
        subscribe(http, w.tokens["performer"], fast.url, events)
        with http:  # the dispatcher runs
            w.services.consents.suspend(w.consent, reason="SAG-AFTRA strike")
            wait_for(lambda: len(slow.requests) == 1 and len(fast.requests) == 1)
            w.services.consents.resume(w.consent)
            wait_for(lambda: len(fast.requests) == 2)
            held = len(slow.requests), slow.release.is_set()
            slow.release.set()
            wait_for(lambda: len(slow.requests) == 2)
    finally:
        slow.close()
        fast.close()
    assert held == (1, False)  # the performer got both while the slow one held its first
    order = [json.loads(body)["type"] for _, body in slow.requests]
    assert order == events


def test_a_disabled_accounts_webhooks_hear_of_nothing(world: tuple[World, TestClient]) -> None:
    """Disabling an account (no sign-in, no key, no session) silences its webhooks too: a
    delivery queued before is given up, unsent, and no later event is queued for it."""
    w, _ = world
    receiver = Receiver([])
    services = w.services
    try:
        owner = services.accounts.get_account(w.accounts["production"])
        made = services.webhooks.subscribe(
            owner, receiver.url, ["consent.suspended", "consent.resumed"]
        )
        services.consents.suspend(w.consent, reason="SAG-AFTRA strike")  # queued
        services.accounts.set_disabled(owner.id, True)
        services.consents.resume(w.consent)  # after the disabling: not queued
        services.webhooks.deliver_due(wait=True)
    finally:
        receiver.close()
    assert receiver.requests == []
    admin = services.accounts.get_account(w.accounts["admin"])
    [given_up] = services.webhooks.deliveries(admin, made.webhook.id)
    assert given_up.event_type == "consent.suspended"
    assert given_up.status == "failed" and given_up.attempts == 0
    assert given_up.last_error == "the webhook's account was disabled"


def test_a_disabling_stops_the_rest_of_a_claimed_batch(world: tuple[World, TestClient]) -> None:
    """The account is disabled while its receiver holds the first of two claimed
    deliveries: the second is given up, not sent."""
    w, _ = world
    receiver = Receiver([], hold=True)
    services = w.services
    try:
        owner = services.accounts.get_account(w.accounts["production"])
        made = services.webhooks.subscribe(
            owner, receiver.url, ["consent.suspended", "consent.resumed"]
        )
        services.consents.suspend(w.consent, reason="SAG-AFTRA strike")
        services.consents.resume(w.consent)
        assert services.webhooks.deliver_due() == 2  # one batch, the first one held
        wait_for(lambda: len(receiver.requests) == 1)
        services.accounts.set_disabled(owner.id, True)
        receiver.release.set()
        admin = services.accounts.get_account(w.accounts["admin"])
        wait_for(
            lambda: all(
                d.status != "pending" for d in services.webhooks.deliveries(admin, made.webhook.id)
            )
        )
    finally:
        receiver.close()
    assert len(receiver.requests) == 1
    second, first = services.webhooks.deliveries(admin, made.webhook.id)  # newest first
    assert first.status == "delivered"
    assert second.status == "failed" and second.attempts == 0
    assert second.last_error == "the webhook's account was disabled"


def test_a_slow_name_server_is_cut_off_at_the_attempts_deadline(services: Services) -> None:
    """The lookup is part of the attempt: a resolver slower than the deadline holds the
    worker no longer than the deadline, and the log says what was slow."""
    world = build_world(services)
    receiver = Receiver([])
    resolver = SlowResolver(0.0)  # answers at once while subscribing
    hooks = WebhookService(
        database=services.database,
        clock=services.clock,
        ids=services.ids,
        master_key=services.master_key,
        egress=Egress(EgressPolicy.from_cidrs(LOOPBACK), resolver=resolver),
        deadline=1.0,
    )
    owner = services.accounts.get_account(world.accounts["performer"])
    try:
        url = f"http://hooks.example.test:{receiver.port}/hook"
        hook = hooks.subscribe(owner, url, ["consent.revoked"])
        resolver.seconds = 4.0
        services.consents.revoke(world.consent, by=Grantor.PERFORMER)
        started = time.monotonic()
        hooks.deliver_due(wait=True)
        took = time.monotonic() - started
    finally:
        resolver.release.set()
        receiver.close()
        hooks.close()
    [delivery] = hooks.deliveries(owner, hook.webhook.id)
    assert 1.0 <= took < 1.5  # the deadline, not the resolver's 4 s
    assert receiver.requests == []
    assert delivery.status == "pending" and delivery.last_status is None
    assert delivery.last_error is not None
    assert delivery.last_error.startswith(
        "hooks.example.test: no answer from the resolver within 1 s (after 1"
    )


def test_an_internal_name_and_an_unknown_one_get_the_same_answer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Subscribing to a name the server's DNS resolves to a private address, and to one it
    cannot resolve: the same 422, naming no address, so a subscriber cannot map the
    internal network through the answers; the server's log keeps the detail."""
    resolver = FakeResolver({"vault.corp.internal": ["10.20.30.40"]})
    settings = load_settings(home=tmp_path / "home")
    initialise(settings)
    services = build_services(settings, resolver=resolver)
    try:
        w, http = build_world(services), client(services)
        answers = []
        with caplog.at_level(logging.WARNING, "likeness.egress"):
            for host in ("vault.corp.internal", "nosuch.corp.internal"):
                made = http.post(
                    "/v1/webhooks",
                    json={"url": f"https://{host}/x", "events": ["consent.granted"]},
                    headers=bearer(w.tokens["production"]),
                )
                assert made.status_code == 422
                answers.append(made.text.replace(host, "HOST"))
                assert "10.20.30.40" not in made.text
    finally:
        services.close()
    vault, nosuch = answers
    assert vault == nosuch
    assert json.loads(vault)["error"]["message"] == (
        "refused: HOST does not resolve to a public address"
    )
    assert "resolves to 10.20.30.40 (private)" in caplog.text


def test_one_accounts_slow_receivers_delay_no_other_account(
    world: tuple[World, TestClient],
) -> None:
    """The production has as many slow webhooks as there are delivery workers, each on a
    receiver of its own that holds every request; the performer's receiver answers at
    once. The production gets no more than its share of the workers, so the performer's
    delivery arrives while the slow ones are all still held."""
    w, http = world
    workers = w.services.webhooks.workers
    share = max(1, workers // 4)
    slow = [Receiver([], hold=True) for _ in range(workers)]
    fast = Receiver([])
    events = ["consent.suspended"]
    try:
        for receiver in slow:
            subscribe(http, w.tokens["production"], receiver.url, events)
        subscribe(http, w.tokens["performer"], fast.url, events)
        with http:  # the dispatcher runs
            started = time.monotonic()
            w.services.consents.suspend(w.consent, reason="SAG-AFTRA strike")
            wait_for(lambda: fast.requests, 2 * HOLD)
            took = time.monotonic() - started
            arrived = sum(len(r.requests) for r in slow)
            answered = sum(r.answered for r in slow)
            for receiver in slow:
                receiver.release.set()
            wait_for(lambda: all(len(r.requests) == 1 for r in slow))  # the rest, later
    finally:
        for receiver in slow:
            receiver.close()
        fast.close()
    assert answered == 0  # no slow receiver had answered yet: none was waited for
    assert took < HOLD / 2
    assert 1 <= arrived <= share  # the production's share of the workers, no more


def test_a_slow_receiving_server_gets_a_share_of_the_workers(
    world: tuple[World, TestClient],
) -> None:
    """Three accounts subscribe three webhooks each to one slow server: whichever the
    account, that server is sent no more than a share of the workers' attempts at once,
    and another subscriber's receiver is not kept waiting."""
    w, http = world
    share = max(1, w.services.webhooks.workers // 4)
    slow, fast = Receiver([], hold=True), Receiver([])
    events = ["consent.suspended"]
    try:
        for role in ("production", "representative", "admin"):
            for n in range(3):
                subscribe(http, w.tokens[role], f"{slow.url}?{role}-{n}", events)
        subscribe(http, w.tokens["performer"], fast.url, events)
        with http:
            w.services.consents.suspend(w.consent, reason="SAG-AFTRA strike")
            wait_for(lambda: fast.requests, 2 * HOLD)
            time.sleep(1.0)  # two more dispatcher rounds: nothing more goes to the server
            arrived, answered = len(slow.requests), slow.answered
            slow.release.set()
            wait_for(lambda: len(slow.requests) == 9)
    finally:
        slow.close()
        fast.close()
    assert answered == 0
    assert 1 <= arrived <= share


def test_an_account_has_at_most_20_webhooks(world: tuple[World, TestClient]) -> None:
    w, http = world
    token = w.tokens["production"]
    receiver = Receiver([])
    try:
        made = [
            subscribe(http, token, f"{receiver.url}?{n}", ["consent.granted"]) for n in range(20)
        ]
        refused = http.post(
            "/v1/webhooks",
            json={"url": receiver.url, "events": ["consent.granted"]},
            headers=bearer(token),
        )
        assert refused.status_code == 422
        error = refused.json()["error"]
        assert error["message"] == "an account may have at most 20 active webhooks"
        assert "DELETE /v1/webhooks/" in error["hint"]
        gone = http.delete(f"/v1/webhooks/{made[0]['id']}", headers=bearer(token))
        assert gone.status_code == 200, gone.text
        subscribe(http, token, receiver.url, ["consent.granted"])  # room again
    finally:
        receiver.close()
