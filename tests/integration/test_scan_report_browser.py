"""The HTML scan report opens in a real Chromium (Debian's, driven by Playwright with
``executable_path``), shows a timeline per media file, and needs no network."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from likeness.domain.scan import ScanReport
from likeness.scan.report import report_html

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def sample_report() -> dict:  # type: ignore[type-arg]
    from likeness.recognition.media import load_rgb
    from likeness.recognition.ports import Box
    from likeness.scan.appearances import thumbnail

    faces = Path(__file__).parents[1] / "assets" / "faces"
    thumb = thumbnail(load_rgb(faces / "obama.jpg"), Box(349, 142, 268, 267))
    appearances = [
        {
            "media": "trailer.mp4",
            "performer_id": "01JPERFORMERA0000000000000",
            "modality": "face",
            "start": 0.0,
            "end": 3.5,
            "score": 0.35,
            "decision": "covered",
            "consent_id": "01JC",
            "reasons": [{"rule": "SAG-AFTRA TV/Theatrical 2023 B2.1", "message": "consent covers"}],
            "thumbnail": thumb,
            "frames": [0.0, 0.5],
        },
        {
            "media": "trailer.mp4",
            "performer_id": "01JPERFORMERB0000000000000",
            "modality": "face",
            "start": 10.0,
            "end": 13.5,
            "score": 0.41,
            "decision": "not_covered",
            "consent_id": None,
            "reasons": [
                {"rule": "SAG-AFTRA TV/Theatrical 2023 B2.1", "message": "no consent on file"}
            ],
            "thumbnail": "",
            "frames": [10.0],
        },
        {
            "media": "trailer.mp4",
            "performer_id": None,
            "modality": "face",
            "start": 6.0,
            "end": 9.5,
            "score": 0.88,
            "decision": "unknown",
            "consent_id": None,
            "reasons": [],
            "thumbnail": "",
            "frames": [6.0],
        },
    ]
    return {
        "production_id": "01JPRODUCTION",
        "stats": {"appearances": 3, "not_covered": 1},
        "media": [
            {
                "path": "trailer.mp4",
                "sha256": "ab",
                "status": "scanned",
                "error": None,
                "duration": 14.0,
            },
            {
                "path": "broken.mp4",
                "sha256": None,
                "status": "error",
                "error": "broken.mp4: the file is empty",
                "duration": 0.0,
            },
        ],
        "appearances": appearances,
    }


def test_report_opens_in_chromium_and_shows_the_timeline(tmp_path: Path) -> None:
    from playwright import sync_api as playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("the browser tests need Debian's chromium (scripts/system-deps installs it)")
    page_file = tmp_path / "report.html"
    names = {"01JPERFORMERA0000000000000": "Ada Lovelace"}  # B is not named to this reader
    report = ScanReport.from_json(sample_report())
    page_file.write_text(report_html(report, names, production="Night Train"), encoding="utf-8")
    requests: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri())
        bars = page.locator(".timeline .bar")
        assert bars.count() == 3
        boxes = [bars.nth(i).bounding_box() for i in range(3)]
        assert all(b and b["width"] > 0 for b in boxes)
        # the not_covered bar sits at 10/14 of the timeline, after the covered one
        timeline = page.locator(".timeline").bounding_box()
        assert timeline
        lefts = sorted(b["x"] - timeline["x"] for b in boxes if b)
        assert lefts[0] < 5 and abs(lefts[-1] / timeline["width"] - 10 / 14) < 0.02
        assert page.locator("tr.appearance").count() == 3
        assert page.locator(".d-not_covered").inner_text() == "not_covered"
        assert "Not scanned: broken.mp4: the file is empty" in page.content()
        assert page.locator("td img").first.evaluate("i => i.naturalWidth") > 0  # thumbnail
        # names, never ids: the title, the "who" column, the timeline's lanes and its list
        assert page.title() == "Clearance scan: Night Train"
        who = page.locator("td.who").all_inner_texts()
        assert who == ["Ada Lovelace", "a performer not named here", "unknown person"]
        assert "01JPERFORMER" not in page.locator("body").inner_text()
        assert "01JPRODUCTION" not in page.content()
        # the time axis: ticks in m:ss from 0:00 to the end, spread over the bars' width
        labels = page.locator(".timeline .tick-label")
        assert labels.all_text_contents() == [f"0:{s:02d}" for s in range(0, 15, 2)]
        last = labels.last.bounding_box()
        assert last and last["x"] + last["width"] == pytest.approx(
            timeline["x"] + timeline["width"], abs=2
        )
        # the text alternative lists every appearance with its times and decision
        page.get_by_text("The timeline as a list").click()
        items = page.locator(".timeline-list li").all_inner_texts()
        assert items[0] == "Ada Lovelace (face), 0:00–0:03.5: covered"
        assert items[2] == "a performer not named here (face), 0:10–0:13.5: not covered"
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert (tmp_path / "report.png").stat().st_size > 5000
    assert all(url.startswith(("file://", "data:")) for url in requests)  # self-contained
