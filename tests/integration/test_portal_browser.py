"""The consent flow in a real browser (Debian's Chromium driven by Playwright, with
``executable_path``) against a real ``likeness serve`` process: a production finds a
performer it has no consent with by exact name and date of birth and requests consent,
the performer logs in and grants it (the request named by production and project, not
by id), the production reports a use under it, choosing the consent (and with it the
performer) and the purpose from lists, and sees it covered and its cost."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from likeness.bootstrap import build_services, initialise
from likeness.settings import load_settings
from tests.api_world import PASSWORD, PURPOSE, World, build_world
from tests.integration.test_portal import NOTE, SPEECH, speech_consent
from tests.integration.test_scan_report_browser import CHROMIUM, FLAGS
from tests.server import running_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@contextmanager
def serve_world(home: Path, prepare: Callable[[World], str] | None = None) -> Iterator[Served]:
    """The test world, plus what ``prepare`` records in it, behind ``likeness serve``."""
    settings = load_settings(home=home)
    initialise(settings)
    services = build_services(settings)
    world = build_world(services)
    extra = "" if prepare is None else prepare(world)
    services.close()
    # Plain http: development, whose session cookie is not Secure (production's is, and
    # tests/integration/test_safe_defaults.py checks it).
    with running_server(settings.home, environment="development") as base:
        yield Served(world, base, extra)


@dataclass(frozen=True)
class Served:
    world: World
    base: str
    extra: str  # the id of what the fixture's ``prepare`` recorded


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[World, str]]:
    with serve_world(tmp_path / "home") as up:
        yield up.world, up.base


@pytest.fixture
def served_speech(tmp_path: Path) -> Iterator[Served]:
    """With a granted consent of Ada Lovelace's listing purposes and no scenes."""
    with serve_world(tmp_path / "home", speech_consent) as up:
        yield up


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright import sync_api as playwright

    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield launched
        launched.close()


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/portal.*"))


def test_consent_requested_granted_then_covered_with_its_cost(
    served: tuple[World, str], browser: Any, tmp_path: Path
) -> None:
    world, base = served
    performer_id = world.performer_other  # Bo Other: no consent with this production yet
    purpose = "appear as the ferry captain in the harbour sequence"

    production = browser.new_context()
    page = production.new_page()
    log_in(page, base, "production")
    page.get_by_role("link", name="Request consent").first.click()
    picker = page.get_by_label("Performer", exact=True)
    assert picker.locator("option", has_text="Bo Other").count() == 0  # not browsable
    # found by exact name and date of birth, from the keyboard (Enter submits the lookup)
    page.get_by_label("Full name").fill("bo other")
    page.get_by_label("Date of birth", exact=True).fill("1985-06-01")
    page.get_by_label("Date of birth", exact=True).press("Enter")
    page.locator("#lookup-found", has_text="Bo Other").wait_for()
    assert picker.input_value() == performer_id  # the picker holds the one found
    assert picker.locator("option:checked").inner_text() == "Bo Other"
    page.get_by_label("face").check()
    page.get_by_label("Project").fill("The Long Night")
    page.get_by_label("Purposes, one per line").fill(f"{purpose}\nwave from the bridge")
    page.get_by_label("Scenes or script pages").fill("scene 7")
    page.get_by_label("Media").fill("theatrical release")
    page.get_by_label("Territory").fill("worldwide")
    page.get_by_label("From").fill(world.today.isoformat())
    page.get_by_label("Until").fill(world.today.replace(year=world.today.year + 1).isoformat())
    page.get_by_label("Pay", exact=True).select_option("flat")
    page.get_by_label("Amount in USD").fill("1500")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url(re.compile(r".*/portal/consents/.*"))
    consent_url = page.url.split("?")[0]
    assert page.locator("#consent-state").inner_text() == "requested"

    performer = browser.new_context()
    mine = performer.new_page()
    log_in(mine, base, "performer-other")
    pending = mine.get_by_role("region", name=re.compile("Requests waiting"))
    consent_id = consent_url.rsplit("/", 1)[1]
    assert pending.get_by_role("link", name=consent_id).count() == 0  # no id as a label
    pending.get_by_role("link", name="The Long Night", exact=True).click()  # its title
    assert mine.url.split("?")[0] == consent_url
    plain = mine.locator("#plain-language").inner_text()
    assert purpose in plain and "1500" in plain and "scene 7" in plain
    mine.get_by_label(re.compile("agree to exactly this use")).check()
    mine.get_by_role("button", name="Grant consent").click()
    mine.wait_for_url(re.compile(r".*flash=.*"))
    assert mine.locator("#consent-state").inner_text() == "granted"
    mine.screenshot(path=str(tmp_path / "granted.png"))

    page.reload()
    assert page.locator("#consent-state").inner_text() == "granted"
    page.get_by_role("link", name="Report a use").first.click()
    until = world.today.replace(year=world.today.year + 1)
    page.get_by_label("Consent the use relies on").select_option(
        label=f"Bo Other: The Long Night, made from work on this production, "
        f"{world.today} to {until}"
    )
    page.locator("#consent-performer", has_text="Bo Other").wait_for()
    page.get_by_label("face").check()
    page.get_by_label(purpose).check()  # the purpose, from the consent's list
    page.get_by_label("scene 7").check()  # the scenes decide whether it is within it
    page.get_by_label("Date of the use").fill(world.today.isoformat())
    page.get_by_role("button", name="Preview cost").click()
    decision = page.locator("#preview-decision")
    decision.wait_for()
    assert decision.inner_text() == "covered"
    total = page.locator("#preview-total").inner_text()
    assert re.fullmatch(r"\d+\.\d\d USD", total)
    assert float(total.split()[0]) > 0
    page.get_by_role("button", name="Report the use").click()
    page.wait_for_url(re.compile(r".*/portal\?flash=.*"))
    assert "covered" in page.locator(".flash").inner_text()
    assert total.split()[0] in page.locator(".flash").inner_text()
    page.screenshot(path=str(tmp_path / "production.png"), full_page=True)


def test_pages_are_usable_from_the_keyboard_with_labelled_controls(
    served: tuple[World, str], browser: Any
) -> None:
    world, base = served
    page = browser.new_page()
    log_in(page, base, "performer")
    page.goto(f"{base}/portal/consents/{world.requested}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    for url in ("/portal", f"/portal/consents/{world.requested}"):
        page.goto(f"{base}{url}")
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
                .map(el => el.name)"""
        )
        assert unlabelled == [], url
    page.goto(f"{base}/portal/consents/{world.requested}")
    page.focus("#confirm")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "grant"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*flash=.*"))
    assert page.locator("#consent-state").inner_text() == "granted"


def test_a_use_picks_its_consent_and_purpose_and_its_own_note_is_covered(
    served_speech: Served, browser: Any
) -> None:
    from playwright.sync_api import expect

    world, base = served_speech.world, served_speech.base
    page = browser.new_page()
    log_in(page, base, "production")
    page.get_by_role("link", name="Report a use").first.click()
    consent = page.get_by_label("Consent the use relies on")
    start, until = world.today - timedelta(days=1), world.today + timedelta(days=364)
    # The world's other consent of hers lists a scene: its fields come and go with it.
    consent.select_option(
        label=f"Ada Lovelace: The Long Night, made from work on this production, {start} to {until}"
    )
    expect(page.get_by_label("scene 41")).to_be_visible()
    expect(page.get_by_label(PURPOSE)).to_be_visible()
    consent.select_option(
        label=f"Ada Lovelace: The Long Night, made from other material, {start} to {until}"
    )
    expect(page.locator("#consent-performer")).to_have_text("Ada Lovelace")
    expect(page.get_by_label("scene 41")).to_have_count(0)
    expect(page.locator("#consent-scenes")).to_have_count(0)
    expect(page.get_by_label(SPEECH)).to_be_visible()
    expect(page.get_by_label("appear in the campaign rally montage")).to_be_visible()
    expect(page.get_by_label("body")).to_have_count(0)  # she consented to face and voice

    page.get_by_label("voice").check()
    page.get_by_label("Note").fill(NOTE)
    page.get_by_label("Date of the use").fill(world.today.isoformat())
    page.get_by_role("button", name="Preview cost").click()
    expect(page.locator("#preview-decision")).to_have_text("not_covered")  # no purpose yet
    expect(page.locator("#preview")).to_contain_text("name the consented purpose")
    page.get_by_label(SPEECH).check()  # the live preview follows the change
    expect(page.locator("#preview-decision")).to_have_text("covered")
    expect(page.locator("#preview-total")).to_have_text("1500.00 USD")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map(el => el.name)"""
    )
    assert unlabelled == []
    page.get_by_role("button", name="Report the use").click()
    page.wait_for_url(re.compile(r".*/portal\?flash=.*"))
    expect(page.locator(".flash")).to_have_text("Use reported: covered; owed 1500.00 USD.")
