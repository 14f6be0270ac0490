"""Start ``likeness serve`` as a real process for tests, and stop it; or serve an ASGI
app under a real uvicorn server in this process (``serving``), when a test needs to
see inside it (a fake clock, a counting middleware)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(home: Path, *, environment: str | None = None) -> Iterator[str]:
    """``likeness serve`` on a free port: production (the default) unless ``environment``
    says otherwise (a browser over plain http needs development's cookies)."""
    port = free_port()
    env = dict(os.environ)
    if environment is not None:
        env["LIKENESS_ENVIRONMENT"] = environment
    proc = subprocess.Popen(
        [sys.executable, "-m", "likeness", "--home", str(home), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None:
                    raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "") from None
                time.sleep(0.05)
        else:
            raise RuntimeError("likeness serve did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def serving(app: Any) -> Iterator[int]:
    """``app`` under uvicorn on 127.0.0.1 in a thread; yields the port. Proxy headers are
    off, as ``likeness serve`` has them unless FORWARDED_ALLOW_IPS is set."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    try:
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
