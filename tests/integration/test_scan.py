"""Clearance scans on ground-truth clips: real photos composited into video at scripted
times, with the real models. Marked `model` (CI runs it)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from likeness.bootstrap import Services
from likeness.cli.app import app
from likeness.domain.consent import Grantor, Modality, ReplicaKind, UseDescription
from likeness.domain.lifecycle import ConsentRequest
from likeness.domain.production import Agreement, ProductionKind
from likeness.ledger.entry import decode_entry
from likeness.services.inputs import PerformerInput, ProductionInput
from likeness.services.scans import ScanOptions
from likeness.settings import Settings
from tests.clips import FACES, make_clip

pytest.importorskip("dlib")
pytest.importorskip("av")
pytestmark = pytest.mark.model
runner = CliRunner()

SCRIPT = [(0, 4, "obama3.jpg"), (4, 6, None), (6, 10, "sample2.jpg"), (10, 14, "sample3.jpg")]
WOMAN_BOX = (1455, 252, 193, 193)  # in sample1.jpg; she is also in sample3.jpg


@pytest.fixture
def cast(services: Services, tmp_path: Path) -> dict[str, str]:
    from tests.integration.test_recognition import crop

    obama = services.registry.add_performer(
        PerformerInput(legal_name="Obama", date_of_birth=date(1961, 8, 4))
    ).value.id
    woman = services.registry.add_performer(
        PerformerInput(legal_name="Woman", date_of_birth=date(1990, 1, 1))
    ).value.id
    film = services.registry.add_production(
        ProductionInput(
            title="Clip",
            company="Acme",
            kind=ProductionKind.STREAMING,
            agreement=Agreement.SAG_AFTRA_TV_THEATRICAL,
            start_date=date(2025, 1, 1),
        )
    ).value.id
    services.recognition.enrol(obama, [FACES / "obama.jpg", FACES / "obama2.jpg"])
    services.recognition.enrol(
        woman, [crop(FACES / "sample1.jpg", WOMAN_BOX, tmp_path / "woman.jpg")]
    )
    consent = services.consents.request(
        obama,
        film,
        ConsentRequest(
            replica_kind=ReplicaKind.EMPLOYMENT_BASED,
            modalities=frozenset({Modality.FACE}),
            description=UseDescription(
                project="Clip",
                purpose="appear in the trailer",
                character="Himself",
                scenes=("1",),
                media=("streaming",),
                territory="worldwide",
            ),
            valid_from=date(2025, 12, 1),
            valid_until=date(2027, 1, 1),
        ),
    ).value
    services.consents.grant(
        consent.id, by=Grantor.PERFORMER, signed_separately=True, clear_and_conspicuous=True
    )
    return {"obama": obama, "woman": woman, "film": film}


def test_scan_matches_the_script(services: Services, cast: dict[str, str], tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.mp4", SCRIPT)
    report = services.scans.scan([clip], ScanOptions(production_id=cast["film"]))
    [media] = report.media
    assert media.status == "scanned" and media.error is None
    found = media.appearances
    named = {a["performer_id"]: a for a in found if a["performer_id"]}
    assert set(named) == {cast["obama"], cast["woman"]}  # no false match for anyone else
    obama, woman = named[cast["obama"]], named[cast["woman"]]
    assert abs(obama["start"] - 0) <= 1 and abs(obama["end"] - 4) <= 1
    assert abs(woman["start"] - 10) <= 1 and abs(woman["end"] - 14) <= 1
    assert obama["decision"] == "covered" and obama["consent_id"]
    assert woman["decision"] == "not_covered" and woman["reasons"]
    unknown = [a for a in found if a["performer_id"] is None]
    assert unknown and all(a["decision"] == "unknown" for a in unknown)
    assert all(a["start"] >= 6 - 1 for a in unknown)  # strangers appear only from 6 s on
    assert report.stats()["not_covered"] == 1
    # the not_covered appearance is flagged in the log, with no personal data
    entry = decode_entry(services.ledger.receipt(woman["flag_log_index"]).entry)
    assert entry["type"] == "appearance.flagged"
    assert entry["ids"] == {"performer": cast["woman"], "production": cast["film"]}
    # ... and listed for the performer it shows (their dashboard), and only for them
    [flag] = services.scans.flags_for(cast["woman"])
    assert (flag.log_index, flag.production_id, flag.modality) == (
        woman["flag_log_index"],
        cast["film"],
        "face",
    )
    assert services.scans.flags_for(cast["obama"]) == []


def test_second_scan_is_served_from_the_cache(
    services: Services, cast: dict[str, str], tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "clip.mp4", SCRIPT[:1])
    first = services.scans.scan([clip], ScanOptions(production_id=cast["film"]))
    second = services.scans.scan([clip], ScanOptions(production_id=cast["film"]))
    assert second.media[0].status == "cached"
    strip = [
        {k: v for k, v in a.items() if k != "flag_log_index"} for a in first.media[0].appearances
    ]
    assert [
        {k: v for k, v in a.items() if k != "flag_log_index"} for a in second.media[0].appearances
    ] == strip
    cache = services.layout.root / "scan-cache"
    assert all(b"embedding" not in p.read_bytes() for p in cache.iterdir())  # sealed


def test_bad_files_are_reported_and_the_batch_continues(
    services: Services, cast: dict[str, str], tmp_path: Path
) -> None:
    good = make_clip(tmp_path / "good.mp4", SCRIPT[:1])
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "cut.mp4").write_bytes(good.read_bytes()[: len(good.read_bytes()) // 3])
    (tmp_path / "notes.mp4").write_text("this is not a video")
    report = services.scans.scan(
        [tmp_path / "empty.mp4", tmp_path / "cut.mp4", tmp_path / "notes.mp4", good],
        ScanOptions(production_id=cast["film"]),
    )
    status = {Path(m.path).name: (m.status, m.error) for m in report.media}
    assert status["empty.mp4"] == ("error", f"{tmp_path / 'empty.mp4'}: the file is empty")
    assert status["notes.mp4"][0] == "error" and "not a media file" in status["notes.mp4"][1]
    # the MP4 index (moov) is written last, so the first third has none: refused
    assert status["cut.mp4"][0] == "error" and "Invalid data" in status["cut.mp4"][1]
    assert status["good.mp4"][0] == "scanned"
    assert report.media[-1].appearances[0]["performer_id"] == cast["obama"]


def test_cli_reports_and_release_gate(
    services: Services, settings: Settings, cast: dict[str, str], tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "clip.mp4", SCRIPT)
    out = {kind: tmp_path / f"report.{kind}" for kind in ("json", "html", "csv")}
    result = runner.invoke(
        app,
        [
            "--home",
            str(settings.home),
            "scan",
            str(clip),
            "--production",
            cast["film"],
            "--json",
            str(out["json"]),
            "--html",
            str(out["html"]),
            "--csv",
            str(out["csv"]),
            "--fail-on",
            "not_covered",
            "--date",
            "2026-01-05",
        ],
    )
    assert result.exit_code == 12, result.output
    assert "1 appearance(s) are not_covered" in result.stderr
    data = json.loads(out["json"].read_text())
    assert set(data) >= {"media", "appearances", "stats"}
    for appearance in data["appearances"]:
        assert set(appearance) >= {
            "performer_id",
            "modality",
            "start",
            "end",
            "score",
            "decision",
            "consent_id",
            "reasons",
            "thumbnail",
        }
    page = out["html"].read_text()
    assert page.count("class='bar'") == len(data["appearances"])
    assert "data:image/jpeg;base64," in page and "http" not in page.replace(
        "http://cv.iptc.org", ""
    )  # self-contained: no external resource
    assert "not_covered" in page
    rows = out["csv"].read_text().splitlines()
    assert rows[0].startswith("media,performer_id,modality") and len(rows) == 1 + len(
        data["appearances"]
    )
    # without a not_covered appearance the gate passes
    clean = make_clip(tmp_path / "clean.mp4", SCRIPT[:1])
    passed = runner.invoke(
        app,
        [
            "--home",
            str(settings.home),
            "scan",
            str(clean),
            "--production",
            cast["film"],
            "--fail-on",
            "not_covered",
            "--date",
            "2026-01-05",
        ],
    )
    assert passed.exit_code == 0, passed.output


def test_ray_run_matches_the_local_run(
    services: Services, cast: dict[str, str], tmp_path: Path
) -> None:
    pytest.importorskip("ray", reason="the scale extra is installed by scripts/test and CI")
    from likeness.scan.ray_runner import RayDetector

    clips = [make_clip(tmp_path / "a.mp4", SCRIPT[:2]), make_clip(tmp_path / "b.mp4", SCRIPT[2:])]
    (tmp_path / "empty.mp4").write_bytes(b"")
    inputs = [*clips, tmp_path / "empty.mp4", FACES / "obama3.jpg"]
    local = services.scans.scan(inputs, ScanOptions(production_id=cast["film"]))
    services.scans._cache.shred()  # the Ray run must detect for itself
    detector = RayDetector(num_cpus=2)
    try:
        distributed = services.scans.scan(
            inputs, ScanOptions(production_id=cast["film"]), detector=detector
        )
    finally:
        detector.shutdown()

    def comparable(report):  # type: ignore[no-untyped-def]
        return [
            (
                Path(m.path).name,
                m.status,
                m.error,
                [{k: v for k, v in a.items() if k != "flag_log_index"} for a in m.appearances],
            )
            for m in report.media
        ]

    assert comparable(distributed) == comparable(local)
    assert [m.status for m in distributed.media] == ["scanned", "scanned", "error", "scanned"]


def test_speech_in_a_clip_is_found_at_its_time(
    services: Services, cast: dict[str, str], tmp_path: Path
) -> None:
    pytest.importorskip("resemblyzer")
    import shutil
    import subprocess

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
    services.recognition.enrol(cast["obama"], wavs[:2])  # Obama's "voice", for the test
    clip = make_clip(tmp_path / "talk.mp4", [(0, 16, None)], speech=[(6.0, wavs[2])])
    report = services.scans.scan([clip], ScanOptions(production_id=cast["film"]))
    [spoken] = [a for a in report.media[0].appearances if a["modality"] == "voice"]
    assert spoken["performer_id"] == cast["obama"]
    assert abs(spoken["start"] - 6.0) <= 1.0
    assert spoken["decision"] == "not_covered"  # his consent is for his face, not his voice


def test_a_16k_frame_and_silent_audio_are_reported_per_file(
    services: Services, cast: dict[str, str], tmp_path: Path
) -> None:
    import wave

    import av

    huge = tmp_path / "16k.mp4"
    with av.open(str(huge), "w") as container:
        stream = container.add_stream("libx264", rate=1)
        stream.width, stream.height, stream.pix_fmt = 15360, 8640, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for packet in stream.encode(av.VideoFrame(15360, 8640, "yuv420p")):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    silent = tmp_path / "silence.wav"
    with wave.open(str(silent), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x00\x00" * 16000 * 3)
    good = make_clip(tmp_path / "good.mp4", SCRIPT[:1])
    report = services.scans.scan([huge, silent, good], ScanOptions(production_id=cast["film"]))
    by_name = {Path(m.path).name: m for m in report.media}
    assert by_name["16k.mp4"].status == "error"
    assert "15360 × 8640 frames exceed the 40 MP limit" in str(by_name["16k.mp4"].error)
    assert by_name["silence.wav"].status == "scanned" and by_name["silence.wav"].appearances == []
    assert by_name["good.mp4"].appearances[0]["performer_id"] == cast["obama"]
