"""The log over HTTP in the C2SP tlog-tiles layout (https://c2sp.org/tlog-tiles).

A small ASGI application, mounted at ``/log``::

    GET /log/checkpoint                   latest signed checkpoint (text/plain), with the
                                          cosignature/v1 lines of the witnesses that
                                          cosigned it
    GET /log/tile/<L>/<N>[.p/<W>]         hash tiles
    GET /log/tile/entries/<N>[.p/<W>]     entry bundles

Full tiles never change and are served as immutable; partial tiles and the
checkpoint must be revalidated. Database work runs in a worker thread, off the
event loop. ``likeness serve`` sends /log/... here ahead of the FastAPI app
(``app.LogFirst``); ``likeness serve --log-only`` runs this small app alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from likeness.errors import InvalidInputError, NotFoundError
from likeness.services.ledger import LedgerService

PREFIX = "/log"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def create_log_app(ledger: LedgerService) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        status, headers, body = await _respond(ledger, scope["method"], scope["path"])
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )

    return app


async def _respond(
    ledger: LedgerService, method: str, path: str
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    if method not in ("GET", "HEAD"):
        return _text(405, "only GET and HEAD are allowed\n", extra=[(b"allow", b"GET, HEAD")])
    if path == "/healthz":
        return _text(200, "ok\n")
    if path == f"{PREFIX}/checkpoint":
        note = await asyncio.to_thread(ledger.cosigned_checkpoint)
        return _text(200, note, cache=REVALIDATE)
    if path.startswith(f"{PREFIX}/tile/"):
        tile_path = path[len(PREFIX) + 1 :]
        try:
            # A full tile served before is in memory: answer without a worker thread.
            tile = ledger.cached_tile(tile_path)
            if tile is None:
                tile = await asyncio.to_thread(ledger.tile, tile_path)
        except InvalidInputError as exc:
            return _text(400, f"{exc.message}\n")
        except NotFoundError as exc:
            return _text(404, f"{exc.message}\n")
        cache = IMMUTABLE if tile.immutable else REVALIDATE
        return 200, _headers("application/octet-stream", len(tile.data), cache), tile.data
    return _text(404, f"no such resource: {path}\n")


def _text(
    status: int,
    text: str,
    *,
    cache: str = REVALIDATE,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = text.encode("utf-8")
    headers = _headers("text/plain; charset=utf-8", len(body), cache) + (extra or [])
    return status, headers, body


def _headers(content_type: str, length: int, cache: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", content_type.encode()),
        (b"content-length", str(length).encode()),
        (b"cache-control", cache.encode()),
        (b"access-control-allow-origin", b"*"),
    ]


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
