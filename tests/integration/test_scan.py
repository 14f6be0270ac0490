"""Clearance scans through the services and the CLI, with the fake encoders of
``likeness.testing`` (fast tier): clips whose faces are coloured blocks and whose voices
are tones, at scripted times. The same pipeline with the real models on real photos and
speech, and on Ray: test_scan_models.py (slow tier)."""

from __future__ import annotations

import json
import time
import wave
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from likeness.bootstrap import Services, build_services
from likeness.cli.app import EXIT_CODES, app
from likeness.domain.account import Role
from likeness.domain.consent import Modality
from likeness.domain.decision import DecisionOutcome
from likeness.domain.scan import MediaStatus, ScanOptions
from likeness.domain.scan_job import ScanJobStatus
from likeness.ledger.entry import decode_entry
from likeness.recognition.encoders import Encoders
from likeness.scan.detect import Detector
from likeness.services.scans import ScanService
from likeness.settings import Settings
from likeness.store.sealed_cache import SealedCache
from likeness.testing import FakeFaceEncoder, FakeVoiceEncoder
from likeness.testing.media import BLUE, GREEN, RED, Block, Tone, face_image, tones_wav
from tests.casting import cast_with_consent
from tests.clips import make_clip
from tests.conftest import fake_cli

runner = CliRunner()
SIZE = (640, 360)


@pytest.fixture
def cards(tmp_path: Path) -> dict[str, Path]:
    """Red is Ada; green is Bo; blue is a stranger. Each shot puts its faces where the
    shot before had none (IoU tracking follows a box across a cut)."""
    return {
        "ada": face_image(tmp_path / "ada.png", [Block(RED)]),
        "stranger": face_image(tmp_path / "stranger.png", [Block(BLUE, x=400, y=250, size=100)]),
        "bo_and_stranger": face_image(
            tmp_path / "pair.png", [Block(GREEN, x=120, y=60), Block(BLUE, x=400, y=40, size=100)]
        ),
    }


@pytest.fixture
def script(cards: dict[str, Path]) -> list[tuple[float, float, str | Path | None]]:
    return [
        (0, 4, cards["ada"]),
        (4, 6, None),
        (6, 10, cards["stranger"]),
        (10, 14, cards["bo_and_stranger"]),
    ]


@pytest.fixture
def cast(fake_services: Services, cards: dict[str, Path]) -> dict[str, str]:
    """Ada (red, a consent for her face) and Bo (green, none)."""
    ids = cast_with_consent(fake_services, "ada", "bo")
    fake_services.enrolment.enrol(ids["ada"], [cards["ada"]])
    bo_card = face_image(cards["ada"].parent / "bo.png", [Block(GREEN)])
    fake_services.enrolment.enrol(ids["bo"], [bo_card])
    return ids


def test_scan_matches_the_script(
    fake_services: Services, cast: dict[str, str], script: list, tmp_path: Path
) -> None:  # type: ignore[type-arg]
    clip = make_clip(tmp_path / "clip.mp4", script, size=SIZE)
    report = fake_services.scans.scan([clip], ScanOptions(production_id=cast["film"]))
    [media] = report.media
    assert (media.status, media.error) == (MediaStatus.SCANNED, None)
    found = media.appearances
    named = {a.performer_id: a for a in found if a.performer_id}
    assert set(named) == {cast["ada"], cast["bo"]}
    ada, bo = named[cast["ada"]], named[cast["bo"]]
    assert (ada.start, ada.end) == (0, 3.5)  # frames sampled at 2 fps: 0.0 … 3.5
    assert (bo.start, bo.end) == (10, 13.5)
    assert ada.outcome is DecisionOutcome.COVERED and ada.consent_id
    assert bo.outcome is DecisionOutcome.NOT_COVERED and bo.reasons and bo.consent_id is None
    unknown = [a for a in found if a.performer_id is None]
    assert [(a.start, a.end) for a in unknown] == [(6, 9.5), (10, 13.5)]
    assert all(a.outcome is DecisionOutcome.UNKNOWN and a.score for a in unknown)
    assert report.stats().not_covered == 1 and report.stats().unknown == 2
    # the not_covered appearance is flagged in the log, with no personal data
    assert ada.flag_log_index is None and bo.flag_log_index is not None
    entry = decode_entry(fake_services.ledger.receipt(bo.flag_log_index).entry)
    assert entry["type"] == "appearance.flagged"
    assert entry["ids"] == {"performer": cast["bo"], "production": cast["film"]}
    # ... and listed for the performer it shows (their dashboard), and only for them
    [flag] = fake_services.scans.flags_for(cast["bo"])
    assert (flag.log_index, flag.production_id, flag.modality) == (
        bo.flag_log_index,
        cast["film"],
        Modality.FACE,
    )
    assert (flag.start, flag.end, flag.media) == (bo.start, bo.end, "clip.mp4")
    assert fake_services.scans.flags_for(cast["ada"]) == []


def test_second_scan_is_served_from_the_cache(
    fake_services: Services, cast: dict[str, str], script: list, tmp_path: Path
) -> None:  # type: ignore[type-arg]
    clip = make_clip(tmp_path / "clip.mp4", script[:1], size=SIZE)
    first = fake_services.scans.scan([clip], ScanOptions(production_id=cast["film"]))
    second = fake_services.scans.scan([clip], ScanOptions(production_id=cast["film"]))
    assert [m.status for m in (*first.media, *second.media)] == [
        MediaStatus.SCANNED,
        MediaStatus.CACHED,
    ]
    assert second.media[0].appearances == first.media[0].appearances
    cache = fake_services.layout.root / "scan-cache"
    assert all(b"embedding" not in p.read_bytes() for p in cache.iterdir())  # sealed


class NextFaceModel(FakeFaceEncoder):
    """Another version of the face model: its embeddings are not comparable."""

    model_id = "fake-face@2"


def test_a_changed_model_detects_again(
    fake_services: Services,
    settings: Settings,
    cast: dict[str, str],
    script: list,  # type: ignore[type-arg]
    tmp_path: Path,
) -> None:
    clip = make_clip(tmp_path / "clip.mp4", script[:1], size=SIZE)
    options = ScanOptions(production_id=cast["film"])
    before = fake_services.scans.scan([clip], options)
    assert before.media[0].appearances[0].performer_id == cast["ada"]
    upgraded = build_services(settings, encoders=Encoders(NextFaceModel, FakeVoiceEncoder))
    try:
        after = upgraded.scans.scan([clip], options)
        again = upgraded.scans.scan([clip], options)
    finally:
        upgraded.close()
    # detected afresh by the new model, and matched only against that model's templates
    # (there are none yet): the old model's cached detections are not reused
    assert after.media[0].status is MediaStatus.SCANNED
    [appearance] = after.media[0].appearances
    assert (appearance.performer_id, appearance.score) == (None, None)
    assert again.media[0].status is MediaStatus.CACHED  # the new model's own cache
    assert len(list((fake_services.layout.root / "scan-cache").iterdir())) == 2


def test_bad_files_are_reported_and_the_batch_continues(
    fake_services: Services, cast: dict[str, str], script: list, tmp_path: Path
) -> None:  # type: ignore[type-arg]
    good = make_clip(tmp_path / "good.mp4", script[:1], size=SIZE)
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "cut.mp4").write_bytes(good.read_bytes()[: len(good.read_bytes()) // 3])
    (tmp_path / "notes.mp4").write_text("this is not a video")
    report = fake_services.scans.scan(
        [tmp_path / "empty.mp4", tmp_path / "cut.mp4", tmp_path / "notes.mp4", good],
        ScanOptions(production_id=cast["film"]),
    )
    status = {Path(m.path).name: (m.status, m.error) for m in report.media}
    assert status["empty.mp4"] == (
        MediaStatus.ERROR,
        f"{tmp_path / 'empty.mp4'}: the file is empty",
    )
    assert status["notes.mp4"][0] is MediaStatus.ERROR
    assert "not a media file" in str(status["notes.mp4"][1])
    # the MP4 index (moov) is written last, so the first third has none: refused
    assert status["cut.mp4"][0] is MediaStatus.ERROR and "Invalid data" in str(status["cut.mp4"][1])
    assert status["good.mp4"] == (MediaStatus.SCANNED, None)
    assert report.media[-1].appearances[0].performer_id == cast["ada"]
    assert report.stats().errors == 3


def test_cli_reports_and_release_gate(
    fake_services: Services,
    settings: Settings,
    cast: dict[str, str],
    script: list,  # type: ignore[type-arg]
    tmp_path: Path,
) -> None:
    clip = make_clip(tmp_path / "clip.mp4", script, size=SIZE)
    out = {kind: tmp_path / f"report.{kind}" for kind in ("json", "html", "csv")}
    args = ["--home", str(settings.home), "scan", "--production", cast["film"]]
    reports = [arg for kind, path in out.items() for arg in (f"--{kind}", str(path))]
    result = runner.invoke(
        app,
        [*args, str(clip), *reports, "--fail-on", "not_covered", "--date", "2026-01-05"],
        obj=fake_cli(),
    )
    assert result.exit_code == 12, result.output
    assert "failing: 1 appearance(s) are not_covered" in result.stderr
    assert result.stdout.strip() == (
        "media: 1, errors: 0, cached: 0, appearances: 4, covered: 1, exempt: 0, not_covered: 1, "
        "unknown: 2"
    )
    data = json.loads(out["json"].read_text())
    assert [a["decision"] for a in data["appearances"]] == [
        "covered",
        "unknown",
        "not_covered",
        "unknown",
    ]
    assert data["stats"]["not_covered"] == 1 and data["media"][0]["status"] == "scanned"
    page = out["html"].read_text()
    assert page.count("class='bar'") == len(data["appearances"])
    assert "data:image/jpeg;base64," in page and "http" not in page  # self-contained
    rows = out["csv"].read_text().splitlines()
    assert rows[0] == (
        "media,performer_id,modality,start,end,score,decision,consent_id,reasons,"
        "synthetic_replica,provenance,digital_source_types,claim_generator,signer,"
        "threshold,calibration"
    )
    assert len(rows) == 1 + len(data["appearances"])
    # without a not_covered appearance the gate passes
    clean = make_clip(tmp_path / "clean.mp4", script[:1], size=SIZE)
    passed = runner.invoke(
        app, [*args, str(clean), "--fail-on", "not_covered", "--date", "2026-01-05"], obj=fake_cli()
    )
    assert passed.exit_code == 0, passed.output


def test_a_voice_in_a_clip_is_found_at_its_time(
    fake_services: Services, cast: dict[str, str], tmp_path: Path
) -> None:
    fake_services.enrolment.enrol(
        cast["ada"], [tones_wav(tmp_path / "ada.wav", [Tone(250, 0, 4)], duration=4)]
    )
    talk = tones_wav(tmp_path / "talk.wav", [Tone(250, 6, 10)], duration=16)
    clip = make_clip(tmp_path / "talk.mp4", [(0, 16, None)], size=SIZE, speech=[(0.0, talk)])
    report = fake_services.scans.scan([clip], ScanOptions(production_id=cast["film"]))
    [spoken] = [a for a in report.media[0].appearances if a.modality is Modality.VOICE]
    assert spoken.performer_id == cast["ada"]
    assert abs(float(spoken.start) - 6.0) <= 0.1 and abs(float(spoken.end) - 10.0) <= 0.1
    assert spoken.outcome is DecisionOutcome.NOT_COVERED  # her consent is for her face


def test_a_16k_frame_and_silent_audio_are_reported_per_file(
    fake_services: Services, cast: dict[str, str], script: list, tmp_path: Path
) -> None:  # type: ignore[type-arg]
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
    good = make_clip(tmp_path / "good.mp4", script[:1], size=SIZE)
    report = fake_services.scans.scan([huge, silent, good], ScanOptions(production_id=cast["film"]))
    by_name = {Path(m.path).name: m for m in report.media}
    assert by_name["16k.mp4"].status is MediaStatus.ERROR
    assert "15360 × 8640 frames exceed the 40 MP limit" in str(by_name["16k.mp4"].error)
    assert by_name["silence.wav"].status is MediaStatus.SCANNED
    assert by_name["silence.wav"].appearances == ()
    assert by_name["good.mp4"].appearances[0].performer_id == cast["ada"]


def test_a_folder_is_scanned_for_the_media_files_it_holds(
    fake_services: Services, cast: dict[str, str], cards: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "deliverables"
    (folder / "stills").mkdir(parents=True)
    face_image(folder / "stills" / "poster.JPG", [Block(RED)])
    tones_wav(folder / "score.wav", [], duration=1)
    (folder / "notes.txt").write_text("not media")
    (folder / "cover.gif").write_bytes(b"GIF89a")  # a suffix the system does not read
    report = fake_services.scans.scan([folder], ScanOptions(production_id=cast["film"]))
    assert [Path(m.path).name for m in report.media] == ["score.wav", "poster.JPG"]
    assert report.media[1].appearances[0].performer_id == cast["ada"]


def test_the_same_content_twice_is_detected_once(
    fake_services: Services, cast: dict[str, str], cards: dict[str, Path], tmp_path: Path
) -> None:
    copy = tmp_path / "copy.png"
    copy.write_bytes(cards["ada"].read_bytes())
    asked: list[list[Path]] = []

    class Counting:
        def __init__(self, inner: Detector) -> None:
            self.inner = inner

        def fingerprint(self) -> str:
            return self.inner.fingerprint()

        def detect(
            self, paths: Sequence[Path], fps: float, on_sample: Any = None
        ) -> Iterator[tuple[Path, Any]]:
            asked.append(list(paths))
            return self.inner.detect(paths, fps, on_sample)

        def close(self) -> None:
            self.inner.close()

    scans = scan_service(fake_services, Counting(fake_services.detector), tmp_path)
    report = scans.scan([cards["ada"], cards["ada"], copy], ScanOptions(cast["film"]))
    assert asked == [[cards["ada"]]]  # the repeated path once, the same bytes once
    assert [m.status for m in report.media] == [MediaStatus.SCANNED, MediaStatus.CACHED]
    assert [a.performer_id for m in report.media for a in m.appearances] == [cast["ada"]] * 2


class Backwards:
    """A detector that answers in reverse order and forgets the last file."""

    def __init__(self, inner: Detector) -> None:
        self.inner = inner

    def fingerprint(self) -> str:
        return self.inner.fingerprint()

    def detect(
        self, paths: Sequence[Path], fps: float, on_sample: Any = None
    ) -> Iterator[tuple[Path, Any]]:
        answers = list(self.inner.detect(paths, fps, on_sample))
        return iter(answers[1:][::-1])

    def close(self) -> None:
        self.inner.close()


def test_answers_are_matched_to_their_files_whatever_their_order(
    fake_services: Services, cast: dict[str, str], cards: dict[str, Path], tmp_path: Path
) -> None:
    bo = face_image(tmp_path / "bo-card.png", [Block(GREEN)])
    scans = scan_service(fake_services, Backwards(fake_services.detector), tmp_path)
    report = scans.scan([cards["ada"], bo, cards["stranger"]], ScanOptions(cast["film"]))
    ada, bo_media, stranger = report.media
    assert ada.status is MediaStatus.ERROR  # the answer that never came
    assert "the detector gave no result for this file" in str(ada.error)
    assert bo_media.appearances[0].performer_id == cast["bo"]
    assert stranger.appearances[0].performer_id is None


def scan_service(services: Services, detector: Detector, tmp_path: Path) -> ScanService:
    """The scan service of ``services`` with another detector (and a cache of its own)."""
    return ScanService(
        gallery=services.gallery,
        detector=detector,
        uses=services.uses,
        ledger=services.ledger,
        clock=services.clock,
        cache=SealedCache(tmp_path / "cache", services.master_key, "scan-cache"),
        database=services.database,
    )


def test_a_scan_job_names_each_upload_once(
    fake_services: Services, cast: dict[str, str], cards: dict[str, Path]
) -> None:
    """Two uploads sent with the same name (two cameras' IMG_0001.PNG) stay two files,
    each with its own appearances."""
    account = fake_services.accounts.add_account(
        "Acme", Role.PRODUCTION, production_id=cast["film"]
    )
    jobs = fake_services.scan_jobs
    staged = jobs.stage()
    for card in (cards["ada"], cards["stranger"]):
        with staged.upload("IMG_0001.PNG") as out:
            out.write(card.read_bytes())
    job_id, folder = staged.id, staged.folder
    job = jobs.submit(account, staged, ScanOptions(cast["film"]))
    assert job.media == ("IMG_0001.PNG", "IMG_0001 (2).PNG")
    for _ in range(200):
        job = jobs.get(account, job_id)
        if job.status.finished:
            break
        time.sleep(0.05)
    assert job.status is ScanJobStatus.DONE and job.report is not None, job.error
    assert [[a.performer_id for a in m.appearances] for m in job.report.media] == [
        [cast["ada"]],
        [None],
    ]
    assert job.report.stats().appearances == 2
    assert not folder.exists()  # uploads shredded


@pytest.mark.parametrize("fps", ["0", "-1", "31"])
def test_a_sampling_rate_out_of_range_is_refused(
    fake_services: Services,
    settings: Settings,
    cast: dict[str, str],
    cards: dict[str, Path],
    fps: str,
) -> None:
    result = runner.invoke(
        app,
        ["--home", str(settings.home), "scan", str(cards["ada"]), "--production", cast["film"],
         "--fps", fps],
        obj=fake_cli(),
    )  # fmt: skip
    assert result.exit_code == EXIT_CODES["invalid"], result.output
    assert f"a scan samples between 0 and 30 frames per second, not {fps}" in result.stderr
