"""Your own account in the portal: changing the password, and the signed-in devices."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from likeness.api.app import create_app
from likeness.bootstrap import Services, build_services, initialise
from likeness.services.logins import device_label
from likeness.settings import load_settings
from likeness.store.tables import sessions
from likeness.testing import FixedClock
from tests.api_world import PASSWORD, World, build_world

CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
NEW_PASSWORD = "a much longer new password"


@pytest.fixture
def services(tmp_path: Path, clock: FixedClock) -> Iterator[Services]:
    settings = load_settings(home=tmp_path / "home")
    initialise(settings, clock=clock)
    built = build_services(settings, clock=clock)
    yield built
    built.close()


@pytest.fixture
def world(services: Services) -> World:
    return build_world(services)


def browser(services: Services, agent: str = CHROME_LINUX) -> TestClient:
    return TestClient(
        create_app(services, deliver_webhooks=False),
        base_url="https://testserver",
        follow_redirects=False,
        headers={"user-agent": agent},
    )


def csrf_in(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def log_in(http: TestClient, username: str, password: str = PASSWORD) -> str:
    form = http.get("/login")
    answer = http.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_in(form.text)},
    )
    assert answer.status_code == 303, answer.text
    return csrf_in(http.get("/portal/account").text)


def handles(html: str) -> list[str]:
    return re.findall(r'action="/portal/account/devices/([0-9a-f]+)/end"', html)


def change(http: TestClient, csrf: str, current: str, new: str, again: str | None = None) -> str:
    answer = http.post(
        "/portal/account/password",
        data={
            "csrf_token": csrf,
            "current_password": current,
            "new_password": new,
            "repeat_password": new if again is None else again,
        },
    )
    return f"{answer.status_code} {answer.headers.get('location', '')} {answer.text}"


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (CHROME_LINUX, "Chrome on Linux"),
        (FIREFOX_WINDOWS, "Firefox on Windows"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        ("", "an unknown browser"),
        (None, "an unknown browser"),
        ("x" * 5000, "an unknown browser"),
    ],
)
def test_a_device_is_named_from_its_user_agent(agent: str | None, label: str) -> None:
    assert device_label(agent) == label


def test_the_account_page_lists_devices_without_their_tokens(
    world: World, services: Services
) -> None:
    first, second = browser(services), browser(services, FIREFOX_WINDOWS)
    log_in(first, "performer")
    log_in(second, "performer")
    html = first.get("/portal/account").text
    assert "Chrome on Linux" in html and "Firefox on Windows" in html
    assert "(this device)" in html
    [other] = handles(html)  # the current device has no End button
    with services.database.read() as connection:
        rows = connection.execute(
            select(sessions.c.token_hash, sessions.c.device, sessions.c.address).where(
                sessions.c.account_id == world.accounts["performer"]
            )
        ).fetchall()
    assert {r[1] for r in rows} == {"Chrome on Linux", "Firefox on Windows"}
    assert {r[2] for r in rows} == {"testclient"}
    for token_hash, *_ in rows:  # neither the cookie nor its digest reaches the page
        assert token_hash not in html and token_hash[:16] not in html
    for cookie in (first.cookies["ll_session"], second.cookies["ll_session"]):
        assert cookie not in html and cookie[:16] not in html
    assert len(other) == 16


def test_last_use_is_written_at_most_once_a_minute(
    world: World, services: Services, clock: FixedClock
) -> None:
    http = browser(services)
    log_in(http, "performer")

    def last_seen() -> object:
        with services.database.read() as connection:
            return connection.execute(
                select(sessions.c.last_seen_at).where(
                    sessions.c.account_id == world.accounts["performer"]
                )
            ).scalar_one()

    signed_in = last_seen()
    clock.advance(seconds=59)
    assert http.get("/portal").status_code == 200
    assert last_seen() == signed_in
    clock.advance(seconds=2)
    assert http.get("/portal").status_code == 200
    assert last_seen() != signed_in


def test_a_wrong_current_password_is_refused_with_the_reason(
    world: World, services: Services
) -> None:
    http = browser(services)
    csrf = log_in(http, "performer")
    answer = change(http, csrf, "not my password at all", NEW_PASSWORD)
    assert answer.startswith("401 ")
    assert "Not changed: the current password is wrong; the password was not changed" in answer
    short = change(http, csrf, PASSWORD, "short")
    assert short.startswith("400 ") and "a password needs at least 12 characters" in short
    differ = change(http, csrf, PASSWORD, NEW_PASSWORD, "a different new password")
    assert differ.startswith("400 ") and "The two new passwords differ" in differ
    assert http.get("/portal").status_code == 200  # still signed in, password unchanged
    log_in(browser(services), "performer", PASSWORD)


def test_changing_the_password_ends_every_other_session(world: World, services: Services) -> None:
    here, elsewhere = browser(services), browser(services, FIREFOX_WINDOWS)
    csrf = log_in(here, "performer")
    log_in(elsewhere, "performer")
    old_cookie = here.cookies["ll_session"]
    answer = change(here, csrf, PASSWORD, NEW_PASSWORD)
    assert answer.startswith("303 /portal/account?flash=Password%20changed")
    assert here.cookies["ll_session"] != old_cookie  # this browser got a new session
    assert here.get("/portal").status_code == 200
    assert "Firefox on Windows" not in here.get("/portal/account").text
    ended = elsewhere.get("/portal")
    assert ended.headers["location"] == "/login?ended=password_changed"
    stale = browser(services)
    stale.cookies.set("ll_session", old_cookie)  # a copy of the cookie from before the change
    assert stale.get("/portal").headers["location"] == "/login?ended=password_changed"
    log_in(browser(services), "performer", NEW_PASSWORD)


def test_an_ended_device_cannot_load_a_page_and_is_told_why(
    world: World, services: Services
) -> None:
    here, lost = browser(services), browser(services, FIREFOX_WINDOWS)
    csrf = log_in(here, "performer")
    log_in(lost, "performer")
    [handle] = handles(here.get("/portal/account").text)
    answer = here.post(f"/portal/account/devices/{handle}/end", data={"csrf_token": csrf})
    assert answer.status_code == 303
    assert "Signed%20out%20Firefox%20on%20Windows" in answer.headers["location"]
    refused = lost.get("/portal/account")
    assert refused.headers["location"] == "/login?ended=signed_out_elsewhere"
    told = lost.get(refused.headers["location"]).text
    assert "This session ended: it was signed out from another device." in told
    assert here.get("/portal").status_code == 200  # the device that ended it goes on
    assert handles(here.get("/portal/account").text) == []


def test_another_accounts_device_cannot_be_ended(world: World, services: Services) -> None:
    performer, production = browser(services), browser(services, FIREFOX_WINDOWS)
    log_in(performer, "performer")
    log_in(performer_two := browser(services), "performer")
    production_csrf = log_in(production, "production")
    [handle] = handles(performer.get("/portal/account").text)
    answer = production.post(
        f"/portal/account/devices/{handle}/end", data={"csrf_token": production_csrf}
    )
    assert answer.status_code == 404
    assert "Nothing ended: no signed-in device with id" in answer.text
    assert "it may have signed out or expired already" in answer.text
    assert performer_two.get("/portal").status_code == 200  # untouched
    no_csrf = production.post(f"/portal/account/devices/{handle}/end", data={})
    assert no_csrf.status_code == 403
    assert performer_two.get("/portal").status_code == 200


def test_ending_this_device_from_the_list_logs_out(world: World, services: Services) -> None:
    http = browser(services)
    csrf = log_in(http, "auditor")
    handle = services.logins.devices(http.cookies["ll_session"])[0].handle
    answer = http.post(f"/portal/account/devices/{handle}/end", data={"csrf_token": csrf})
    assert answer.headers["location"] == "/login"
    http.cookies.clear()
    assert http.get("/portal").headers["location"] == "/login"


@pytest.mark.parametrize(
    "role", ["performer", "representative", "production", "platform", "auditor", "admin"]
)
def test_every_role_has_an_account_page(world: World, services: Services, role: str) -> None:
    http = browser(services)
    log_in(http, world.usernames[role])
    page = http.get("/portal/account")
    assert page.status_code == 200
    assert "Change your password" in page.text and "Chrome on Linux" in page.text
