"""Attacks on sign-ins over HTTP: sessions that outlive a password or a disabled account,
keys that outlive their revocation, and login throttling that locks real users out.

Sessions and keys are tried against ``likeness serve`` (production, the default) while
another process (the CLI) changes the account; throttling against a real uvicorn
server in this process whose clock stands still, from the loopback addresses
127.0.0.2 and 127.0.0.3.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from likeness.api.app import create_app
from likeness.bootstrap import build_services, initialise
from likeness.settings import load_settings
from likeness.testing import FixedClock
from tests.api_world import PASSWORD, World, bearer, build_world
from tests.server import running_server, serving

NEW_PASSWORD = "a different horse battery"


@dataclass
class Live:
    world: World
    home: Path
    base: str


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    settings = load_settings(home=tmp_path / "home")
    initialise(settings)
    services = build_services(settings)
    world = build_world(services)
    services.close()
    with running_server(settings.home) as base:
        yield Live(world, settings.home, base)


def _cookie(response: httpx.Response, name: str) -> str:
    found = re.search(rf"{name}=([^;]+)", response.headers.get("set-cookie", ""))
    assert found is not None, response.headers
    return found.group(1)


def sign_in(
    base: str, username: str, password: str = PASSWORD, *, address: str = "127.0.0.1"
) -> httpx.Response:
    """The login form as a browser sends it. Cookies are carried by hand: production's
    are Secure, which a client sends back only over https."""
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=base, transport=transport) as http:
        form = http.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None
        return http.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": csrf.group(1)},
            headers={"Cookie": f"ll_login_csrf={_cookie(form, 'll_login_csrf')}"},
        )


def session_of(base: str, username: str, password: str = PASSWORD) -> str:
    answer = sign_in(base, username, password)
    assert answer.status_code == 303, answer.text
    return _cookie(answer, "ll_session")


def portal(base: str, session: str) -> httpx.Response:
    return httpx.get(f"{base}/portal", headers={"Cookie": f"ll_session={session}"})


def ended_page(base: str, answer: httpx.Response) -> str:
    """Where an ended session is sent, and what that page says."""
    assert answer.status_code == 303
    return httpx.get(base + answer.headers["location"]).text


def cli(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "likeness", "--home", str(home), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_password_change_signs_out_every_session_at_once(live: Live) -> None:
    w, base = live.world, live.base
    laptop, phone = session_of(base, "performer"), session_of(base, "performer")
    assert portal(base, laptop).status_code == 200
    assert portal(base, phone).status_code == 200
    other = session_of(base, "production")

    changed = cli(
        live.home,
        "account",
        "password",
        w.accounts["performer"],
        "--username",
        "performer",
        "--password-stdin",
        stdin=NEW_PASSWORD + "\n",
    )
    assert changed.returncode == 0, changed.stderr

    for session in (laptop, phone):  # the server process learns of it on the next request
        answer = portal(base, session)
        assert answer.headers["location"] == "/login?ended=password_changed"
        assert "This session ended: the password was changed." in ended_page(base, answer)
    # A state change with the old cookie is refused before its body is read.
    posted = httpx.post(
        f"{base}/portal/uses/preview",
        headers={"Cookie": f"ll_session={laptop}"},
        data={"x": "y" * 100_000},
    )
    assert posted.headers["location"] == "/login?ended=password_changed"
    assert portal(base, other).status_code == 200  # nobody else is signed out
    assert "wrong username or password" in sign_in(base, "performer").text
    assert portal(base, session_of(base, "performer", NEW_PASSWORD)).status_code == 200


def test_disabling_an_account_stops_its_keys_and_sessions_at_once(live: Live) -> None:
    w, base = live.world, live.base
    session = session_of(base, "performer")
    key = bearer(w.tokens["performer"])
    admin = bearer(w.tokens["admin"])
    assert httpx.get(f"{base}/v1/me", headers=key).status_code == 200

    disabled = httpx.post(f"{base}/v1/accounts/{w.accounts['performer']}/disable", headers=admin)
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled_at"] is not None

    refused = httpx.get(f"{base}/v1/me", headers=key)
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "the account of this API key is disabled"
    answer = portal(base, session)
    assert answer.headers["location"] == "/login?ended=account_disabled"
    assert "This session ended: the account was disabled." in ended_page(base, answer)
    login = sign_in(base, "performer")  # the right password, and still no session
    assert login.status_code == 401
    assert "this account is disabled" in login.text
    assert "ll_session" not in login.headers.get("set-cookie", "")

    itself = httpx.post(f"{base}/v1/accounts/{w.accounts['admin']}/disable", headers=admin)
    assert itself.status_code == 409
    assert itself.json()["error"]["message"] == "an account cannot disable itself"

    enabled = httpx.post(f"{base}/v1/accounts/{w.accounts['performer']}/enable", headers=admin)
    assert enabled.json()["disabled_at"] is None
    assert httpx.get(f"{base}/v1/me", headers=key).status_code == 200
    assert portal(base, session).status_code == 303  # ended sessions stay ended
    assert portal(base, session_of(base, "performer")).status_code == 200


def test_disabling_from_the_cli_reaches_a_running_server(live: Live) -> None:
    w, base = live.world, live.base
    session = session_of(base, "auditor")
    key = bearer(w.tokens["auditor"])
    assert httpx.get(f"{base}/v1/me", headers=key).status_code == 200
    done = cli(live.home, "account", "disable", w.accounts["auditor"])
    assert done.returncode == 0, done.stderr
    assert "disabled account" in done.stdout
    # Sessions are read from the database on every request; the server's key cache
    # re-reads the change counter at most every 0.1 s.
    assert portal(base, session).headers["location"] == "/login?ended=account_disabled"
    time.sleep(0.15)
    refused = httpx.get(f"{base}/v1/me", headers=key)
    assert refused.json()["error"]["message"] == "the account of this API key is disabled"


def test_a_revoked_key_and_its_accounts_sessions_stop_at_once(live: Live) -> None:
    w, base = live.world, live.base
    admin = bearer(w.tokens["admin"])
    issued = httpx.post(
        f"{base}/v1/accounts/{w.accounts['performer']}/keys", headers=admin, json={"label": "ci"}
    ).json()
    session = session_of(base, "performer")
    assert httpx.get(f"{base}/v1/me", headers=bearer(issued["token"])).status_code == 200
    assert portal(base, session).status_code == 200
    httpx.delete(f"{base}/v1/keys/{issued['id']}", headers=admin).raise_for_status()
    refused = httpx.get(f"{base}/v1/me", headers=bearer(issued["token"]))
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == f"API key {issued['id']} was revoked"
    answer = portal(base, session)
    assert answer.headers["location"] == "/login?ended=key_revoked"
    assert "This session ended: an API key of the account was revoked." in ended_page(base, answer)
    assert httpx.get(f"{base}/v1/me", headers=bearer(w.tokens["performer"])).status_code == 200


# -- throttling ---------------------------------------------------------------------


@pytest.fixture
def still(tmp_path: Path) -> Iterator[tuple[World, str]]:
    """A real server whose clock stands still: a wait never runs out during a test."""
    settings = load_settings(home=tmp_path / "home", environment="production")
    initialise(settings)
    services = build_services(settings, clock=FixedClock())
    world = build_world(services)
    with serving(create_app(services, deliver_webhooks=False)) as port:
        yield world, f"http://127.0.0.1:{port}"
    services.close()


def test_failures_from_one_address_do_not_lock_out_another(still: tuple[World, str]) -> None:
    _, base = still
    wrong = [sign_in(base, "performer", "guess number one", address="127.0.0.2") for _ in range(5)]
    assert [a.status_code for a in wrong] == [401] * 5
    assert all("wrong username or password" in a.text for a in wrong)

    blocked = sign_in(base, "performer", address="127.0.0.2")  # the right password, too late
    assert blocked.status_code == 401
    assert "too many failed logins for this username from your address" in blocked.text

    real_user = sign_in(base, "performer", address="127.0.0.3")
    assert real_user.status_code == 303
    assert "ll_session=" in real_user.headers["set-cookie"]


@pytest.mark.slow  # dozens of argon2 checks, or server starts
def test_one_address_guessing_many_usernames_is_stopped(still: tuple[World, str]) -> None:
    _, base = still
    names = [f"guess-{n}" for n in range(30)]
    answers = [sign_in(base, name, "password123456", address="127.0.0.2") for name in names]
    assert all("wrong username or password" in a.text for a in answers)
    blocked = sign_in(base, "performer", address="127.0.0.2")
    assert "too many failed logins from your address" in blocked.text
    assert sign_in(base, "performer", address="127.0.0.3").status_code == 303


@pytest.mark.slow  # dozens of argon2 checks, or server starts
def test_a_forwarded_for_header_is_not_believed(tmp_path: Path) -> None:
    """``likeness serve`` trusts no proxy unless told: a guesser cannot give each guess a
    new address with X-Forwarded-For (uvicorn alone would believe it from 127.0.0.1)."""
    settings = load_settings(home=tmp_path / "home")
    initialise(settings)
    services = build_services(settings)
    build_world(services)
    services.close()
    with running_server(settings.home) as base:
        texts = []
        for n in range(8):
            with httpx.Client(base_url=base, headers={"X-Forwarded-For": f"10.1.2.{n}"}) as http:
                form = http.get("/login")
                token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
                assert token is not None
                texts.append(
                    http.post(
                        "/login",
                        data={"username": "performer", "password": "no", "csrf_token": token[1]},
                        headers={"Cookie": f"ll_login_csrf={_cookie(form, 'll_login_csrf')}"},
                    ).text
                )
    assert any("too many failed logins for this username from your address" in t for t in texts)
