"""A real server process with the fake encoders of ``likeness.testing``, slowed down on
request: for attack tests over HTTP that need to look at the server's files while it
works. ``python -m tests.fake_server HOME PORT DELAY`` (DELAY: seconds per face search)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from likeness.testing import FakeFaceEncoder, FakeVoiceEncoder
from tests.server import free_port

REPOSITORY = Path(__file__).parents[1]


class SlowFaceEncoder(FakeFaceEncoder):
    """The fake face encoder, taking ``delay`` seconds per search (a real model's pace)."""

    delay = 0.0

    def detect(self, image: Any, **options: Any) -> Any:
        time.sleep(self.delay)
        return super().detect(image, **options)


@dataclass
class Served:
    base: str
    process: subprocess.Popen[bytes]

    def crash(self) -> None:
        """Kill the server as a power cut would: no shutdown code runs."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def fake_server(
    home: Path, *, delay: float = 0.0, env: dict[str, str] | None = None
) -> Iterator[Served]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_server", str(home), str(port), str(delay)],
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": _path(REPOSITORY), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None:
                    raise RuntimeError(
                        process.stderr.read().decode() if process.stderr else ""
                    ) from None
                time.sleep(0.05)
        else:
            raise RuntimeError("the fake server did not start")
        yield Served(base, process)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def _path(first: Path) -> str:
    """``tests`` importable, and the rest of the caller's path kept (it may name the
    checkout under test)."""
    return os.pathsep.join(filter(None, (str(first), os.environ.get("PYTHONPATH"))))


def main() -> None:
    import uvicorn

    from likeness.api.app import create_app
    from likeness.bootstrap import build_services
    from likeness.recognition.encoders import Encoders
    from likeness.settings import load_settings

    home, port, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    SlowFaceEncoder.delay = delay
    services = build_services(
        load_settings(home=Path(home)), encoders=Encoders(SlowFaceEncoder, FakeVoiceEncoder)
    )
    uvicorn.run(create_app(services), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
