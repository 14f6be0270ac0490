"""``likeness serve --demo``: the README's run command ends with a working portal."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import httpx
import pytest

from tests.server import free_port

pytestmark = [pytest.mark.slow, pytest.mark.model]


def start_demo(home: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "likeness",
            "--home",
            str(home),
            "serve",
            "--demo",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 300  # enrolment and the scan load dlib first
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "") from None
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the demo server did not start")


def log_in(http: httpx.Client, username: str) -> str:
    form = http.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    answer = http.post(
        "/login", data={"username": username, "password": "demo-password", "csrf_token": token}
    )
    assert answer.status_code == 303, answer.text
    return http.get("/portal", follow_redirects=True).text


def test_the_demo_seeds_a_working_portal_once(tmp_path: Path) -> None:
    home, port = tmp_path / "demo", free_port()
    proc = start_demo(home, port)
    try:
        seeded = ""
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base) as http:
            page = log_in(http, "obama")
            assert "Active consents" in page and "The Long Night" in page
            assert re.search(r"\d+\.\d\d USD", page)  # a use with its pay
        with httpx.Client(base_url=base) as http:
            page = log_in(http, "biden")
            assert "Requests waiting for your answer (1)" in page
            assert "Appearances no consent covers" in page
            assert "obama2.jpg" not in page and "biden.jpg" in page  # flagged by the demo scan
        with httpx.Client(base_url=base) as http:
            assert "Transparency log" in log_in(http, "auditor")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        seeded = proc.stderr.read().decode() if proc.stderr else ""
    assert "demo data seeded" in seeded and "API key for platform: llk_" in seeded
    again = start_demo(home, port)  # a restart keeps the data and seeds nothing twice
    again.terminate()
    again.wait(timeout=20)
    assert "demo data already present" in (again.stderr.read().decode() if again.stderr else "")


def test_the_demo_is_refused_in_production(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "LIKENESS_ENVIRONMENT": "production"}
    done = subprocess.run(
        [sys.executable, "-m", "likeness", "--home", str(tmp_path / "h"), "serve", "--demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 3
    assert "refused in production" in done.stderr
