"""What the credentials gate (``api/gate.py``) costs ``POST /v1/check`` per request.

Run: .venv/bin/python bench/bench_gate.py

In process, no network: the gate in front of an application that does nothing, against
that application alone, for a ``/v1/check`` request with a valid key (a key-cache hit,
as on the hot path). ``authenticate`` alone is what ``get_caller`` paid per request
before the gate; with the gate it takes the account the gate found instead.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from likeness.api.gate import Gate
from likeness.bootstrap import build_services, initialise
from likeness.settings import load_settings
from tests.api_world import build_world

REQUESTS = 200_000


async def nothing(scope: Any, receive: Any, send: Any) -> None:
    return None


def per_request(work: Callable[[], Awaitable[None]]) -> float:
    """Best of three, in microseconds per request."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        asyncio.run(work())
        best = min(best, time.perf_counter() - started)
    return 1e6 * best / REQUESTS


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(home=Path(folder) / "home")
        initialise(settings)
        services = build_services(settings)
        token = build_world(services).tokens["platform"]
        gate = Gate(nothing, authenticate=services.accounts.authenticate, session=print)
        headers = [
            (b"host", b"127.0.0.1:8000"),
            (b"content-type", b"application/json"),
            (b"content-length", b"250"),
            (b"authorization", f"Bearer {token}".encode()),
        ]

        def through(app: Any) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                for _ in range(REQUESTS):
                    scope = {"type": "http", "method": "POST", "path": "/v1/check"}
                    await app({**scope, "headers": headers, "state": {}}, None, None)

            return run

        async def authenticate_only() -> None:
            for _ in range(REQUESTS):
                services.accounts.authenticate(token)

        alone, gated = per_request(through(nothing)), per_request(through(gate))
        key = per_request(authenticate_only)
        services.close()
    print(f"application alone        {alone:6.2f} us/request")
    print(f"gate + application       {gated:6.2f} us/request")
    print(f"authenticate (cache hit) {key:6.2f} us/request (paid by get_caller before)")
    print(f"added by the gate, net   {gated - alone - key:6.2f} us/request")


if __name__ == "__main__":
    main()
