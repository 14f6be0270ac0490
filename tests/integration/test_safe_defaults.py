"""``likeness serve`` is production unless told otherwise, and refuses a demo home there."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from likeness.bootstrap import Services, build_services, initialise
from likeness.demo import seed_demo
from likeness.settings import load_settings
from likeness.testing import fake_encoders
from tests.api_world import PASSWORD, build_world
from tests.server import free_port, running_server


def test_serve_without_an_environment_is_production(tmp_path: Path) -> None:
    """A deployment that forgets LIKENESS_ENVIRONMENT gets Secure cookies."""
    settings = load_settings(home=tmp_path / "home")
    initialise(settings)
    services = build_services(settings)
    build_world(services)
    services.close()
    with running_server(settings.home) as base, httpx.Client(base_url=base) as http:
        form = http.get("/login")
        assert "Secure" in form.headers["set-cookie"]  # the login form's CSRF cookie
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        csrf_cookie = re.search(r"ll_login_csrf=([^;]+)", form.headers["set-cookie"])
        assert csrf_cookie is not None
        answer = http.post(
            "/login",
            data={"username": "performer", "password": PASSWORD, "csrf_token": token[1]},
            headers={"Cookie": f"ll_login_csrf={csrf_cookie[1]}"},
        )
    assert answer.status_code == 303
    session = answer.headers["set-cookie"]
    assert "ll_session=" in session and "Secure" in session and "HttpOnly" in session


def _demo_home(tmp_path: Path) -> Path:
    """A home seeded as ``serve --demo`` seeds one (with the fake encoders: no dlib)."""
    settings = load_settings(home=tmp_path / "demo", environment="development")
    initialise(settings)
    services: Services = build_services(settings, encoders=fake_encoders())
    try:
        seeded = seed_demo(services)
        assert seeded.logins  # well-known passwords are in it now
        assert services.layout.is_demo()
    finally:
        services.close()
    return settings.home


@pytest.mark.slow  # dozens of argon2 checks, or server starts
def test_serve_refuses_a_demo_home_outside_development(tmp_path: Path) -> None:
    home = _demo_home(tmp_path)
    port = str(free_port())  # never bound: refused first
    for environment in (None, "production"):
        env = {k: v for k, v in os.environ.items() if k != "LIKENESS_ENVIRONMENT"}
        if environment is not None:
            env["LIKENESS_ENVIRONMENT"] = environment
        done = subprocess.run(
            [sys.executable, "-m", "likeness", "--home", str(home), "serve", "--port", port],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 3, done.stderr
        assert f"the data home {home} was seeded by 'serve --demo'" in done.stderr
        assert "refused in production" in done.stderr
        assert "LIKENESS_ENVIRONMENT=development" in done.stderr  # what to do instead
    with running_server(home, environment="development") as base:
        assert httpx.get(f"{base}/healthz").status_code == 200


def test_a_home_made_by_init_is_not_a_demo_home(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    initialise(settings)
    services = build_services(settings)
    try:
        assert not services.layout.is_demo()
    finally:
        services.close()
