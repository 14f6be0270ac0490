"""The scan timeline fragment (scan/timeline.py): names rather than ids, a time axis in
m:ss, a text alternative, and nothing that needs an inline style or a script."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from likeness.domain.consent import Modality
from likeness.domain.decision import DecisionOutcome
from likeness.domain.scan import Appearance, MediaResult, MediaStatus, ScanReport
from likeness.scan.report import named_text_html, report_html, timeline_html
from likeness.scan.timeline import clock, ticks

ADA = "01JADA".ljust(26, "0")  # ULIDs: Crockford base 32, no I, L, O or U
BEN = "01JBEN".ljust(26, "0")


def _appearance(who: str | None, start: str, end: str, outcome: DecisionOutcome) -> Appearance:
    return Appearance(
        media="clip.mp4",
        performer_id=who,
        modality=Modality.FACE,
        start=Decimal(start),
        end=Decimal(end),
        score=0.3,
        thumbnail="",
        frames=(Decimal(start),),
        outcome=outcome,
        consent_id=None,
        reasons=(),
    )


def _media(duration: float = 95.0) -> MediaResult:
    return MediaResult(
        path="clip.mp4",
        sha256="ab",
        status=MediaStatus.SCANNED,
        duration=duration,
        appearances=(
            _appearance(BEN, "40", "52.5", DecisionOutcome.NOT_COVERED),
            _appearance(ADA, "3", "9", DecisionOutcome.COVERED),
            _appearance(None, "60", "61", DecisionOutcome.UNKNOWN),
        ),
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00"), (9.5, "0:09.5"), (59.96, "1:00"), (75, "1:15"), (3725, "1:02:05")],
)
def test_clock_reads_minutes_and_seconds(seconds: float, text: str) -> None:
    assert clock(seconds) == text


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        (14.0, [0, 2, 4, 6, 8, 10, 12, 14]),
        (95.0, [0, 15, 30, 45, 60, 75, 90]),
        (0.8, [0]),
        (7200.0, [0, 900, 1800, 2700, 3600, 4500, 5400, 6300, 7200]),
    ],
)
def test_ticks_fall_on_round_steps(duration: float, expected: list[int]) -> None:
    assert ticks(duration) == [float(t) for t in expected]


def test_ticks_stay_few_on_very_long_media() -> None:
    marks = ticks(48 * 3600.0)
    assert 2 <= len(marks) <= 9 and marks[-1] <= 48 * 3600


def test_timeline_names_people_and_never_shows_their_ids() -> None:
    fragment = timeline_html(_media(), {ADA: "Ada Lovelace"})
    assert "Ada Lovelace — face" in fragment
    assert "a performer not named here — face" in fragment  # Ben: no name given
    assert "unknown person — face" in fragment
    assert ADA not in fragment and BEN not in fragment


def test_timeline_axis_and_bars_sit_where_the_times_say() -> None:
    fragment = timeline_html(_media(), {})
    labels = re.findall(r"class='tick-label'[^>]*>([^<]+)<", fragment)
    assert labels == ["0:00", "0:15", "0:30", "0:45", "1:00", "1:15", "1:30"]
    bars = re.findall(r"<rect class='bar' data-decision='(\w+)' x='([\d.]+)%'", fragment)
    # lanes in order of first appearance: Ada at 3 s, Ben at 40 s, the unknown at 60 s
    assert bars == [("covered", "3.16"), ("not_covered", "42.11"), ("unknown", "63.16")]


def test_timeline_has_a_text_alternative_and_no_inline_style_or_script() -> None:
    fragment = timeline_html(_media(), {ADA: "Ada Lovelace"})
    assert "role='img'" in fragment and "aria-labelledby=" in fragment
    items = re.findall(r"<li class='appearance-item'[^>]*>([^<]+)</li>", fragment)
    assert items == [
        "Ada Lovelace (face), 0:03–0:09: covered",
        "a performer not named here (face), 0:40–0:52.5: not covered",
        "unknown person (face), 1:00–1:01: unknown",
    ]
    assert "style=" not in fragment and "<script" not in fragment and "<style" not in fragment
    assert "http" not in fragment  # names no URL: a self-contained report has none


def test_two_timelines_of_one_page_have_distinct_ids() -> None:
    first, second = (timeline_html(_media(), {}, key=k) for k in ("0", "1"))
    ids = set(re.findall(r"id='([^']+)'", first))
    assert ids and not ids & set(re.findall(r"id='([^']+)'", second))


def test_timeline_escapes_names_and_paths() -> None:
    fragment = timeline_html(_media(), {ADA: "<b>Ada</b>"})
    assert "<b>Ada" not in fragment and "&lt;b&gt;Ada&lt;/b&gt;" in fragment


def test_report_title_names_the_production_not_its_id() -> None:
    report = ScanReport(production_id="01JPRODUCTION0000000000000", media=(_media(),))
    page = report_html(report, {ADA: "Ada Lovelace"}, production="Night Train")
    assert "<title>Clearance scan: Night Train</title>" in page
    assert "01JPRODUCTION" not in page and ADA not in page
    assert "<td class='who'>Ada Lovelace</td>" in page


def test_reasons_name_performers_and_chip_other_ids() -> None:
    consent = "01JCNSNT".ljust(26, "0")
    text = f"no consent from performer {ADA} is on file; nearest is consent {consent} <x>"
    shown = named_text_html(text, {ADA: "Ada Lovelace"})
    assert shown == (
        "no consent from performer Ada Lovelace is on file; nearest is consent "
        f"<code class='id-chip'>{consent}</code> &lt;x&gt;"
    )
