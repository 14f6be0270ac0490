"""Attack: large bodies from callers without credentials.

Before the gate (api/gate.py), a 20 MiB multipart and 30 MB of JSON sent without a key
were read and parsed before the 401. These tests send them to a real uvicorn server and
count, between uvicorn and the application, how many body bytes the application
received: none without valid credentials, all of them with.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from likeness.api.app import create_app
from likeness.bootstrap import build_services, initialise
from likeness.settings import load_settings
from tests.api_world import World, build_world, use_body
from tests.integration.test_api_access import MATRIX
from tests.server import running_server, serving

MIB = 1024 * 1024
Message = MutableMapping[str, Any]


@dataclass
class BodyCounter:
    """ASGI middleware: the body bytes the application pulled, per request, in order."""

    app: Any
    received: list[tuple[str, int]] = field(default_factory=list)

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        index = len(self.received)
        self.received.append((f"{scope['method']} {scope['path']}", 0))

        async def counted() -> Message:
            message: Message = await receive()
            if message["type"] == "http.request":
                what, seen = self.received[index]
                self.received[index] = (what, seen + len(message.get("body", b"")))
            return message

        await self.app(scope, counted, send)


@dataclass
class Served:
    world: World
    port: int
    counter: BodyCounter


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    settings = load_settings(home=tmp_path_factory.mktemp("gate") / "home")
    initialise(settings)
    services = build_services(settings)
    world = build_world(services)
    counter = BodyCounter(create_app(services, deliver_webhooks=False))
    with serving(counter) as port:
        yield Served(world, port, counter)
    services.close()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def error(self) -> dict[str, Any]:
        error: dict[str, Any] = json.loads(self.body)["error"]
        return error


def exchange(port: int, head: bytes, body: bytes, *, timeout: float = 10.0) -> Answer:
    """Send ``head`` and then as much of ``body`` as the server takes, and read its answer.

    A raw socket, because an HTTP client stops reading once the server closes before the
    body is sent: the refusal is the point here."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        # Refused and closed before the body is sent: what the gate does.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(body)
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
                if _complete(data):
                    break
        except ConnectionResetError:
            pass
    head_part, _, rest = data.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    pairs = (line.split(": ", 1) for line in lines[1:] if ": " in line)
    headers = {name.lower(): value for name, value in pairs}
    return Answer(int(lines[0].split()[1]), headers, rest)


def _complete(data: bytes) -> bool:
    head, found, rest = data.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.decode("latin-1").lower().split("\r\n"):
        if line.startswith("content-length:"):
            return len(rest) >= int(line.split(":", 1)[1])
    return False


def request_head(
    method: str, path: str, *, length: int, content_type: str, token: str | None = None
) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Content-Type: {content_type}",
        f"Content-Length: {length}",
    ]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


BOUNDARY = "likeness-attack"


def multipart(size: int, fields: dict[str, str]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    upload = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="face.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    )
    return ("".join(parts) + upload).encode() + b"\0" * size + f"\r\n--{BOUNDARY}--\r\n".encode()


def received(served: Served, what: str) -> int:
    """Body bytes the application pulled for the latest request named ``what``."""
    return next(n for name, n in reversed(served.counter.received) if name == what)


def big_json(world: World, size: int) -> bytes:
    body = {"performer_id": world.performer, "use": use_body(world.production, world.today)}
    return json.dumps({**body, "padding": "x" * size}).encode()


def test_a_20_mib_multipart_without_a_key_is_refused_unread(served: Served) -> None:
    w = served.world
    body = multipart(20 * MIB, {"use": json.dumps(use_body(w.production, w.today))})
    mp = f"multipart/form-data; boundary={BOUNDARY}"
    started = time.perf_counter()
    refused = exchange(
        served.port,
        request_head("POST", "/v1/check/media", length=len(body), content_type=mp),
        body,
    )
    refused_in = time.perf_counter() - started
    assert refused.status == 401
    assert refused.error() == {
        "status": 401,
        "kind": "unauthenticated",
        "message": "this endpoint needs an API key",
        "hint": "send 'Authorization: Bearer llk_<id>_<secret>' (see 'likeness apikey create')",
    }
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.headers["connection"] == "close"
    assert received(served, "POST /v1/check/media") == 0

    # The same upload with a key is read to the end (and then judged on its merits).
    started = time.perf_counter()
    accepted = exchange(
        served.port,
        request_head(
            "POST", "/v1/check/media", length=len(body), content_type=mp, token=w.tokens["platform"]
        ),
        body,
    )
    accepted_in = time.perf_counter() - started
    assert accepted.status not in (401, 403)
    assert received(served, "POST /v1/check/media") == len(body)
    print(f"20 MiB multipart: refused in {refused_in:.3f} s, read in {accepted_in:.3f} s")


def test_30_mb_of_json_with_a_wrong_key_is_refused_unread(served: Served) -> None:
    w = served.world
    body = big_json(w, 30_000_000)
    forged = w.tokens["platform"][:-4] + "AAAA"
    refused = exchange(
        served.port,
        request_head(
            "POST", "/v1/check", length=len(body), content_type="application/json", token=forged
        ),
        body,
    )
    assert refused.status == 401
    assert refused.error()["message"] == "API key is unknown or revoked"
    assert received(served, "POST /v1/check") == 0

    parsed = exchange(
        served.port,
        request_head(
            "POST",
            "/v1/check",
            length=len(body),
            content_type="application/json",
            token=w.tokens["platform"],
        ),
        body,
    )
    assert parsed.status == 422  # read and parsed: the padding field is not allowed
    assert received(served, "POST /v1/check") == len(body)


def test_a_revoked_key_is_refused_before_the_body(served: Served) -> None:
    w = served.world
    services = w.services
    issued = services.accounts.create_api_key(w.accounts["production"], "soon revoked")
    services.accounts.revoke_api_key(issued.key.id)
    body = big_json(w, 5 * MIB)
    refused = exchange(
        served.port,
        request_head(
            "POST",
            "/v1/uses",
            length=len(body),
            content_type="application/json",
            token=issued.token,
        ),
        body,
    )
    assert refused.status == 401
    assert refused.error()["message"] == f"API key {issued.key.id} was revoked"
    assert received(served, "POST /v1/uses") == 0


def test_a_portal_upload_without_a_session_is_sent_to_login_unread(served: Served) -> None:
    body = multipart(20 * MIB, {"production_id": served.world.production})
    refused = exchange(
        served.port,
        request_head(
            "POST",
            "/portal/scans",
            length=len(body),
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
        ),
        body,
    )
    assert refused.status == 303
    assert refused.headers["location"] == "/login"
    assert received(served, "POST /portal/scans") == 0


def test_the_login_form_is_public_but_small(served: Served) -> None:
    """The one public route that reads a body may send 16 KiB, not 200 MB."""
    form = b"username=performer&password=" + b"x" * (64 * 1024)
    head = request_head(
        "POST", "/login", length=len(form), content_type="application/x-www-form-urlencoded"
    )
    refused = exchange(served.port, head, form)
    assert refused.status == 413
    assert refused.error()["message"] == "the request body is larger than the limit of 16384 bytes"
    assert received(served, "POST /login") == 0


def test_public_routes_still_answer_without_credentials(served: Served) -> None:
    for path in ("/healthz", "/log/checkpoint", "/login", "/static/portal.css"):
        answer = exchange(
            served.port,
            f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode(),
            b"",
        )
        assert answer.status == 200, path


@pytest.mark.parametrize(
    ("method", "template"),
    [(m, p) for m, p, _, _ in MATRIX],
    ids=[f"{m} {p}" for m, p, _, _ in MATRIX],
)
def test_every_api_route_refuses_without_reading_the_body(
    served: Served, method: str, template: str
) -> None:
    """Every route of the access matrix: 401 with no key, and not one body byte read."""
    path = template.replace("{", "").replace("}", "")  # ids need not exist: never looked up
    app = served.counter.app
    pulled = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"{}" * 1000, "more_body": True}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"2000000")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert pulled == 0
    assert sent[0]["status"] == 401
    assert json.loads(sent[1]["body"])["error"]["kind"] == "unauthenticated"


def test_likeness_serve_answers_401_before_the_body_is_sent(tmp_path: Path) -> None:
    """The real command: the headers of a 30 MB JSON request, and no body at all, get
    their 401 at once (a server that reads bodies first would wait for the 30 MB)."""
    settings = load_settings(home=tmp_path / "home")
    initialise(settings)
    with running_server(settings.home) as base:
        port = int(base.rsplit(":", 1)[1])
        head = request_head("POST", "/v1/check", length=30_000_000, content_type="application/json")
        refused = exchange(port, head, b"", timeout=5.0)
    assert refused.status == 401
    assert refused.error()["message"] == "this endpoint needs an API key"


def test_every_portal_route_that_reads_a_body_is_behind_the_gate() -> None:
    """A new portal form outside the gate's session prefixes would read its body before
    its session is checked: this fails first."""
    from likeness.api import portal
    from likeness.api.gate import LOGIN_PATH, SESSION_PREFIXES

    routes = [
        route
        for included in portal.router.routes  # FastAPI keeps included routers whole
        for route in getattr(included, "original_router", included).routes
    ]
    with_bodies = [
        (route.path, method)
        for route in routes
        for method in getattr(route, "methods", set())
        if method not in {"GET", "HEAD", "OPTIONS"}
    ]
    assert ("/portal/scans", "POST") in with_bodies  # the walk reaches the routes
    outside = [
        (path, method)
        for path, method in with_bodies
        if not path.startswith(SESSION_PREFIXES) and path != LOGIN_PATH
    ]
    assert outside == []


def test_a_store_that_cannot_answer_is_a_503_in_the_envelope() -> None:
    """The gate runs outside FastAPI's error handlers: its errors keep the envelope."""
    from likeness.api.gate import Gate
    from likeness.errors import StoreError

    def broken(token: str) -> Any:
        raise StoreError("the database is locked", hint="try again")

    reached: list[str] = []

    async def app(scope: Message, receive: Any, send: Any) -> None:
        reached.append(scope["path"])

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        raise AssertionError("the body was read")

    gate = Gate(app, authenticate=broken, session=broken)
    for path in ("/v1/check", "/portal/uses"):
        sent.clear()
        headers = [(b"authorization", b"Bearer x"), (b"cookie", b"ll_session=abc")]
        scope = {"type": "http", "method": "POST", "path": path, "headers": headers}
        asyncio.run(gate(scope, receive, send))
        assert sent[0]["status"] == 503
        assert json.loads(sent[1]["body"])["error"] == {
            "status": 503,
            "kind": "store",
            "message": "the database is locked",
            "hint": "try again",
        }
    assert reached == []
