"""Acceptance 1, last clause, in a real browser (Debian's Chromium driven by Playwright)
against a real ``likeness serve`` process with the real face model: a production
uploads a clip showing an enrolled performer, sees the upload's progress (the upload is
slowed by Chromium's own network throttling so that there is something to see), then
the scan's stage and percent while it runs, then the timeline with the performer's
name and thumbnail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api_world import World
from tests.clips import FACES, make_clip
from tests.integration.test_portal_accessibility import axe_violations
from tests.integration.test_portal_browser import browser, log_in, serve_world

__all__ = ["browser"]  # the fixture, from test_portal_browser.py
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.model]
UPLOAD_BYTES_PER_S = 40_000  # a few seconds of upload for the clip


def _enrol_ada(world: World) -> str:
    """Ada Lovelace (the production's consented performer) enrolled with two real
    photographs of one person; the clip shows a third."""
    world.services.enrolment.enrol(world.performer, [FACES / "obama.jpg", FACES / "obama2.jpg"])
    return ""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[World, str]]:
    with serve_world(tmp_path / "home", _enrol_ada) as up:
        yield up.world, up.base


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    """Four minutes at two frames a second (each frame a sample): the face model takes
    seconds over it, long enough to watch the scan's progress."""
    return make_clip(
        tmp_path / "rushes.mp4",
        [(0, 2, None), (2, 236, "obama3.jpg"), (236, 240, None)],
        fps=2,
    )


def test_upload_progress_then_scan_progress_then_a_timeline_with_the_name(
    served: tuple[World, str], browser: Any, clip: Path
) -> None:
    from playwright.sync_api import expect

    world, base = served
    context = browser.new_context()
    page = context.new_page()
    log_in(page, base, "production")
    page.get_by_role("link", name="Clearance scans").click()
    page.get_by_label("Video, audio or images").set_input_files(str(clip))
    network = context.new_cdp_session(page)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": UPLOAD_BYTES_PER_S,
        },
    )
    page.get_by_role("button", name="Start the scan").press("Enter")  # from the keyboard

    uploading = page.locator("#scan-upload-progress")
    expect(uploading).to_be_visible()
    page.wait_for_function(
        "() => { const p = document.querySelector('#scan-upload-progress');"
        " return p && p.value > 0 && p.value < 100; }"
    )
    status = page.locator("[data-upload-status]").inner_text()
    assert re.fullmatch(r"\d{1,2}% \(\d+\.\d MB of \d+\.\d MB\)", status), status

    page.wait_for_url(re.compile(r".*/portal/scans/[0-9A-Z]{26}.*"), timeout=60_000)
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    expect(page.locator("#scan-stage")).to_have_text("detecting", timeout=60_000)
    percent = page.locator("#scan-percent")
    expect(percent).to_have_text(re.compile(r"^\d{1,2}%$"))
    seen = int(percent.inner_text().rstrip("%"))
    bar = page.get_by_label(re.compile(r"^Progress: detecting"))
    assert int(bar.get_attribute("value") or -1) >= seen - 10  # the bar says the same
    assert page.get_by_role("button", name="Cancel the scan").is_visible()
    # The running page, held still (htmx's polls refused for a moment), passes axe-core
    # and reads at phone width; the accessibility tour sees only finished scans.
    page.evaluate(
        "() => { window.heldPolls = (e) => e.preventDefault();"
        " document.body.addEventListener('htmx:beforeRequest', window.heldPolls); }"
    )
    serious = [v["id"] for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert serious == []
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate("() => document.body.removeEventListener('htmx:beforeRequest', window.heldPolls)")

    expect(page.locator("#scan-state")).to_have_text("done", timeout=120_000)
    expect(page.get_by_role("button", name="Cancel the scan")).to_have_count(0)
    timeline = page.locator("figure.scan-timeline")
    expect(timeline).to_be_visible()
    assert timeline.locator("svg image.thumb").count() >= 1  # a face's thumbnail
    assert "Ada Lovelace — face" in timeline.locator("svg text").all_text_contents()
    assert page.locator("span.who-name").all_inner_texts() == ["Ada Lovelace"]
    assert world.performer not in page.locator("figure.scan-timeline").inner_text()
    context.close()
