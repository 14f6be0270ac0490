"""Your own account in a real browser (Debian's Chromium via Playwright, against a real
``likeness serve``), with the keyboard alone: a performer signed in on two browsers ends
the other one from the list of devices, which is then sent to the login page and told
why; then changes the password and stays signed in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from likeness.bootstrap import build_services, initialise
from likeness.settings import load_settings
from tests.api_world import PASSWORD, build_world
from tests.integration.test_scan_report_browser import CHROMIUM, FLAGS
from tests.server import running_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    settings = load_settings(home=tmp_path / "home")
    initialise(settings)
    services = build_services(settings)
    build_world(services)
    services.close()
    with running_server(settings.home, environment="development") as base:
        yield base


def log_in(page: Any, base: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill("performer")
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(re.compile(r".*/portal$"))


def tab_to(page: Any, name: str, limit: int = 60) -> None:
    """Press Tab until the focused element's accessible name starts with ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        label = page.evaluate(
            "(e => e.getAttribute('aria-label') || (e.labels && e.labels.length"
            " ? e.labels[0].innerText : e.innerText))(document.activeElement)"
        )
        if (label or "").strip().startswith(name):
            return
    raise AssertionError(f"no control named {name!r} within {limit} Tab presses")


def test_ending_another_device_and_changing_the_password_by_keyboard(served: str) -> None:
    from playwright import sync_api as playwright

    base = served
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        here = browser.new_context().new_page()
        there = browser.new_context(user_agent=FIREFOX).new_page()
        log_in(here, base)
        log_in(there, base)
        here.goto(f"{base}/portal/account")
        devices = here.locator("#devices tbody tr")
        assert devices.count() == 2
        assert "(this device)" in devices.nth(0).inner_text() + devices.nth(1).inner_text()
        tab_to(here, "End the session of Firefox on Windows")
        here.keyboard.press("Enter")
        here.wait_for_url(re.compile(r".*/portal/account\?flash=.*"))
        assert "Signed out Firefox on Windows" in here.get_by_role("status").inner_text()
        assert here.locator("#devices tbody tr").count() == 1

        there.goto(f"{base}/portal/inbox")
        assert there.url.endswith("/login?ended=signed_out_elsewhere")
        assert "This session ended: it was signed out from another device." in there.inner_text(
            "main"
        )

        tab_to(here, "Current password")
        here.keyboard.type(PASSWORD)
        here.keyboard.press("Tab")
        here.keyboard.type("a brand new password")
        here.keyboard.press("Tab")
        here.keyboard.type("a brand new password")
        here.keyboard.press("Enter")
        here.wait_for_url(re.compile(r".*/portal/account\?flash=Password.*"))
        assert "Every other device was signed out" in here.get_by_role("status").inner_text()
        here.goto(f"{base}/portal/inbox")  # the new session works
        assert here.url.endswith("/portal/inbox")
        log_in(there, base, "a brand new password")
        browser.close()
