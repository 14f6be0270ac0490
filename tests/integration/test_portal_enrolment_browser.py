"""Enrolment in a real browser (Debian's Chromium via Playwright) against ``likeness
serve`` with the real dlib model: a performer chooses photos, sees each one's verdict
(one accepted, one refused with its reason) before anything is kept, enrols the good
one, and sees the enrolment listed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from likeness.bootstrap import build_services
from likeness.settings import load_settings
from tests.api_world import World
from tests.integration.test_portal_browser import browser, log_in, serve_world, served
from tests.integration.test_portal_enrolment import espeak
from tests.integration.test_scan_report_browser import CHROMIUM, FLAGS

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.model]
ASSETS = Path(__file__).parents[1] / "assets"
GOOD = ASSETS / "faces" / "obama.jpg"
NO_FACE = ASSETS / "face_free" / "brick.jpg"
AXE = Path(__file__).parents[1] / "browser" / "node_modules" / "axe-core" / "axe.min.js"

__all__ = ["browser", "served"]  # fixtures, shared with test_portal_browser.py


def template_count(home: Path) -> int:
    services = build_services(load_settings(home=home))
    try:
        with services.database.read() as connection:
            return int(connection.exec_driver_sql("SELECT count(*) FROM templates").scalar_one())
    finally:
        services.close()


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/browser-deps (npm ci in tests/browser)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_performer_sees_the_verdicts_then_enrols(
    served: tuple[World, str], browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    world, base = served
    home = world.services.settings.home
    page = browser.new_page()
    log_in(page, base, "performer")
    page.get_by_role("link", name="Enrolment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enrolment: Ada Lovelace")
    expect(page.locator("#enrolled")).to_contain_text("Nothing enrolled yet")

    photos = page.locator("#face-form")
    photos.get_by_label("Photos").set_input_files([GOOD, NO_FACE])  # checked as chosen
    verdicts = page.locator("#face-verdicts")
    good = verdicts.locator("li", has_text="obama.jpg")
    bad = verdicts.locator("li", has_text="brick.jpg")
    expect(good.locator(".state")).to_have_text("accepted", timeout=60_000)
    expect(good).to_contain_text("one clear face")
    expect(bad.locator(".state")).to_have_text("refused")
    expect(bad).to_contain_text("found 0 faces; an enrolment photo must show exactly one")
    expect(bad).to_contain_text("use a clearer, frontal photo")
    enrol = photos.get_by_role("button", name="Enrol these photos")
    expect(enrol).to_be_disabled()  # a refused file: nothing can be kept yet
    page.screenshot(path=str(tmp_path / "verdicts.png"), full_page=True)
    assert template_count(home) == 0  # the check kept nothing
    page.locator("#voice-form").get_by_role("button", name="Show me a phrase to read").click()
    expect(page.locator("#phrase-words")).to_have_text(re.compile(r"^\w+( \w+){4}$"))
    assert serious_violations(page) == []  # with the verdicts and the phrase shown
    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 900})

    photos.get_by_label("Photos").set_input_files([GOOD])
    expect(verdicts.locator(".state")).to_have_text(["accepted"], timeout=60_000)
    expect(enrol).to_be_enabled()
    enrol.click()
    page.wait_for_url(re.compile(r".*/portal/enrolment\?flash=.*"), timeout=60_000)
    expect(page.locator(".flash")).to_contain_text("Enrolled 1 template from the photos")
    row = page.locator("#enrolled tbody tr")
    expect(row.locator("td").nth(0)).to_have_text("face")
    expect(row.locator("td").nth(1)).to_have_text("1")
    expect(row.locator("td").nth(4)).to_contain_text("dlib")
    assert template_count(home) == 1
    page.screenshot(path=str(tmp_path / "enrolled.png"), full_page=True)


def test_a_recording_made_in_the_browser_is_checked(
    served: tuple[World, str], tmp_path: Path
) -> None:
    """The microphone is Chromium's fake device playing espeak-ng speech: MediaRecorder's
    WebM/Opus goes into the form as if chosen, and the server decodes and checks it."""
    from playwright import sync_api as playwright
    from playwright.sync_api import expect

    world, base = served
    speech = espeak(
        "The studio asked to scan the background actors on Tuesday morning before lunch, "
        "and again on Thursday after the rehearsal.",
        tmp_path / "speech.wav",
    )
    fake = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={speech}%noloop",
    ]
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[*FLAGS, *fake])
        try:
            page = chromium.new_page()
            log_in(page, base, "performer")
            page.goto(f"{base}/portal/enrolment")
            voice = page.locator("#voice-form")
            record = voice.get_by_role("button", name="Record with the microphone")
            record.click()
            expect(voice.get_by_role("button", name="Stop recording")).to_be_visible()
            page.wait_for_timeout(7_000)
            voice.get_by_role("button", name="Stop recording").click()
            verdict = page.locator("#voice-verdicts li", has_text="recording.webm")
            expect(verdict.locator(".state")).to_have_text("accepted", timeout=60_000)
            expect(verdict).to_contain_text("s of speech")

            # The fake camera shows a moving test pattern, no face: recorded, then refused.
            camera = page.locator("#video-form")
            camera.get_by_role("button", name=re.compile("Record with the camera")).click()
            shot = page.locator("#video-verdicts li", has_text="head-turn.webm")
            expect(shot.locator(".state")).to_have_text("refused", timeout=60_000)
            expect(shot).to_contain_text("a face was found in 0 frame(s)")
            assert template_count(world.services.settings.home) == 0
        finally:
            chromium.close()


def enrolled_face(world: World) -> str:
    return world.services.enrolment.enrol(world.performer, [GOOD]).value.template_ids[0]


def test_templates_are_removed_from_the_keyboard_after_the_confirmation(
    browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    with serve_world(tmp_path / "home", enrolled_face) as up:
        home = up.world.services.settings.home
        page = browser.new_page()
        log_in(page, up.base, "representative")  # Ada's agent
        page.goto(f"{up.base}/portal/enrolment")
        expect(page.locator("#enrolled tbody tr td").nth(1)).to_have_text("1")
        page.get_by_role("link", name="Remove templates").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/portal/enrolment/remove"))
        expect(page.locator("#removal-meaning")).to_contain_text(
            "their appearances show as unknown people"
        )
        expect(page.get_by_label(re.compile("^face: 1 template"))).to_be_checked()
        page.get_by_label(re.compile("I understand")).focus()
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Remove the templates"
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/portal/enrolment\?flash=.*"))
        expect(page.locator(".flash")).to_contain_text("Removed 1 face template")
        expect(page.locator("#enrolled")).to_contain_text("Nothing enrolled yet")
        assert template_count(home) == 0
