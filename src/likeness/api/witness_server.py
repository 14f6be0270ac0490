"""The witness over HTTP (``likeness --home W witness serve``): a small ASGI app::

    POST /add-checkpoint      C2SP tlog-witness add-checkpoint
    GET  /healthz             ok

The body is read up to ``MAX_BODY`` bytes (413 beyond); the decision and the state's
write run in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio

from likeness.api.logserver import ASGIApp, Receive, Scope, Send
from likeness.ledger.witness_protocol import MAX_BODY
from likeness.services.witness_server import TEXT, WitnessAnswer, WitnessService


def create_witness_app(witness: WitnessService) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        answer = await _respond(witness, scope, receive)
        body = answer.body.encode("utf-8")
        headers = [
            (b"content-type", answer.content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
        ]
        if answer.status == 405:
            headers.append((b"allow", b"POST"))
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


async def _respond(witness: WitnessService, scope: Scope, receive: Receive) -> WitnessAnswer:
    path, method = scope["path"], scope["method"]
    if path == "/healthz" and method in ("GET", "HEAD"):
        return WitnessAnswer(200, TEXT, "ok\n")
    if path != "/add-checkpoint":
        return WitnessAnswer(404, TEXT, f"no such resource: {path}\n")
    if method != "POST":
        return WitnessAnswer(405, TEXT, "add-checkpoint takes POST\n")
    body = await _read_body(receive)
    if body is None:
        return WitnessAnswer(413, TEXT, f"request body is larger than {MAX_BODY} bytes\n")
    return await asyncio.to_thread(witness.add_checkpoint, body)


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
