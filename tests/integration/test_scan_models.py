"""Clearance scans with the real models: real photos composited into video at scripted
times (dlib), synthesised speech (Resemblyzer), and the same scan on Ray. Marked `model`
and `slow`: CI runs them; `-m "not slow"` skips them locally. The pipeline's behaviour
with the fake encoders: test_scan.py."""

from __future__ import annotations

import ipaddress
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from likeness.bootstrap import Services, build_services, initialise
from likeness.domain.consent import Modality
from likeness.domain.decision import DecisionOutcome
from likeness.domain.scan import MediaStatus, ScanOptions, ScanReport
from likeness.ledger.entry import decode_entry
from likeness.settings import load_settings
from tests.casting import cast_with_consent
from tests.clips import FACES, make_clip
from tests.ray_scan import run_for_json

pytestmark = [pytest.mark.model, pytest.mark.slow]

SCRIPT: list[tuple[float, float, str | Path | None]] = [
    (0, 4, "obama3.jpg"),
    (4, 6, None),
    (6, 10, "sample2.jpg"),
    (10, 14, "sample3.jpg"),
]
WOMAN_BOX = (1455, 252, 193, 193)  # in sample1.jpg; she is also in sample3.jpg


def enrol_cast(services: Services, tmp_path: Path) -> dict[str, str]:
    """Obama (consent for his face in this film) and the woman of sample1/sample3 (none)."""
    from tests.integration.test_recognition import crop

    ids = cast_with_consent(services, "obama", "woman")
    services.enrolment.enrol(ids["obama"], [FACES / "obama.jpg", FACES / "obama2.jpg"])
    woman = crop(FACES / "sample1.jpg", WOMAN_BOX, tmp_path / "woman.jpg")
    services.enrolment.enrol(ids["woman"], [woman])
    return ids


@pytest.fixture
def cast(services: Services, tmp_path: Path) -> dict[str, str]:
    return enrol_cast(services, tmp_path)


def test_scan_matches_the_script(services: Services, cast: dict[str, str], tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.mp4", SCRIPT)
    report = services.scans.scan([clip], ScanOptions(production_id=cast["film"]))
    [media] = report.media
    assert media.status is MediaStatus.SCANNED and media.error is None
    found = media.appearances
    named = {a.performer_id: a for a in found if a.performer_id}
    assert set(named) == {cast["obama"], cast["woman"]}  # no false match for anyone else
    obama, woman = named[cast["obama"]], named[cast["woman"]]
    assert abs(obama.start - 0) <= 1 and abs(obama.end - 4) <= 1
    assert abs(woman.start - 10) <= 1 and abs(woman.end - 14) <= 1
    assert obama.outcome is DecisionOutcome.COVERED and obama.consent_id
    assert woman.outcome is DecisionOutcome.NOT_COVERED and woman.reasons
    unknown = [a for a in found if a.performer_id is None]
    assert unknown and all(a.outcome is DecisionOutcome.UNKNOWN for a in unknown)
    assert all(a.start >= 6 - 1 for a in unknown)  # strangers appear only from 6 s on
    assert report.stats().not_covered == 1
    assert woman.flag_log_index is not None
    entry = decode_entry(services.ledger.receipt(woman.flag_log_index).entry)
    assert entry["ids"] == {"performer": cast["woman"], "production": cast["film"]}


def test_speech_in_a_clip_is_found_at_its_time(
    services: Services, cast: dict[str, str], tmp_path: Path
) -> None:
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.fail("needs Debian's espeak-ng (scripts/system-deps installs it)")
    voice = "en-gb-scotland+m5"
    lines = [
        "Every performer deserves consent and fair pay for the use of a digital replica.",
        "The studio asked to scan the background actors on Tuesday morning before lunch.",
        "Please read the contract carefully and ask your agent about every clause.",
    ]
    wavs = []
    for i, text in enumerate(lines):
        wavs.append(tmp_path / f"line{i}.wav")
        subprocess.run([espeak, "-v", voice, "-w", str(wavs[-1]), text], check=True)
    services.enrolment.enrol(cast["obama"], wavs[:2])  # Obama's "voice", for the test
    clip = make_clip(tmp_path / "talk.mp4", [(0, 16, None)], speech=[(6.0, wavs[2])])
    report = services.scans.scan([clip], ScanOptions(production_id=cast["film"]))
    [spoken] = [a for a in report.media[0].appearances if a.modality is Modality.VOICE]
    assert spoken.performer_id == cast["obama"]
    assert abs(float(spoken.start) - 6.0) <= 1.0
    assert spoken.outcome is DecisionOutcome.NOT_COVERED  # his consent is for his face


def small(source: Path, out: Path, side: int = 640) -> Path:
    from PIL import Image

    with Image.open(source) as image:
        image.convert("RGB").resize(_fit(image.size, side)).save(out, quality=92)
    return out


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    scale = side / max(size)
    return round(size[0] * scale), round(size[1] * scale)


def _comparable(report: ScanReport) -> list[object]:
    data = report.to_json()
    for appearance in data["appearances"]:
        appearance.pop("flag_id", None)  # each run flags in its own log entries
    for media in data["media"]:
        media["path"] = Path(media["path"]).name
    for appearance in data["appearances"]:
        appearance["media"] = Path(appearance["media"]).name
    return [data["media"], data["appearances"], data["stats"]]


def test_ray_gives_the_local_report_with_a_non_default_detector(tmp_path: Path) -> None:
    """Both with dlib's CNN detector (LIKENESS_FACE_DETECTOR=cnn) on images of at most
    640 px: the Ray workers detect with the configured detector, not a default one. Ray
    runs in a process of its own (tests/ray_scan.py); every socket its processes open is
    on loopback."""
    inputs = [
        small(FACES / "obama3.jpg", tmp_path / "obama3.jpg"),
        small(FACES / "sample3.jpg", tmp_path / "sample3.jpg"),
        small(FACES / "sample6.jpg", tmp_path / "sample6.jpg"),
        tmp_path / "empty.jpg",
        tmp_path / "junk.jpg",
    ]
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "junk.jpg").write_bytes(b"not an image")
    home = tmp_path / "home"
    initialise(load_settings(home=home))
    local = build_services(load_settings(home=home, face_detector="cnn"))
    try:
        cast = enrol_cast(local, tmp_path)
        options = ScanOptions(production_id=cast["film"], use_date=date(2026, 1, 5))
        here = local.scans.scan(inputs, options)
    finally:
        local.close()
    shutil.rmtree(home / "scan-cache")  # Ray must detect for itself
    answer = run_for_json(
        "-m", "tests.ray_scan", str(home), cast["film"], "2026-01-05", *map(str, inputs)
    )
    there = ScanReport.from_json(answer["report"])
    assert _comparable(there) == _comparable(here)
    assert [m.status for m in there.media] == [MediaStatus.SCANNED] * 3 + [MediaStatus.ERROR] * 2
    assert {cast["obama"], cast["woman"]} <= {a.performer_id for a in there.appearances()}
    assert answer["children"] > 2, "Ray started no processes"
    assert answer["addresses"], "no sockets seen: the check would pass vacuously"
    outside = [a for a in answer["addresses"] if not ipaddress.ip_address(a).is_loopback]
    assert outside == [], f"Ray used non-loopback addresses: {outside}"
