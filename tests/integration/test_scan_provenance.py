"""Provenance read at scan (issue 15): each scanned file's C2PA manifest, read with the
real SDK from media really signed with a test chain (tests/c2pa_chain.py), shown per
file in the JSON, CSV and HTML reports; a registered performer in media declared
AI-generated is a synthetic replica, decided as independently created unless the scan
says otherwise. Faces are the fake encoders' coloured blocks (fast tier)."""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from likeness.bootstrap import Services
from likeness.cli.app import app
from likeness.domain.account import Role
from likeness.domain.consent import ReplicaKind
from likeness.domain.decision import DecisionOutcome
from likeness.domain.provenance import (
    ManifestState,
    SyntheticBasis,
    SyntheticMedia,
    SyntheticVerdict,
)
from likeness.domain.scan import MediaResult, MediaStatus, ScanOptions
from likeness.domain.scan_job import ScanJobStatus
from likeness.errors import InvalidInputError
from likeness.provenance.manifest import C2paProvenanceReader
from likeness.scan.report import report_csv
from likeness.services.scans import ScanService
from likeness.settings import Settings
from likeness.store.sealed_cache import SealedCache
from likeness.testing.media import RED, Block, Tone, face_image, tones_wav
from tests.api_world import bearer, build_world, client
from tests.c2pa_chain import (
    IPTC,
    SigningChain,
    created,
    make_chain,
    png_chunks,
    png_from_chunks,
    sign,
)
from tests.casting import cast_with_consent
from tests.clips import make_clip
from tests.conftest import fake_cli
from tests.loopback_only import watch_connections

runner = CliRunner()
AI = IPTC + "trainedAlgorithmicMedia"
# What the rules say when a consent for one replica kind meets a use of another
# (rules/engine.py, the replica-kind check), written out by hand.
KIND_MISMATCH = "is for a employment_based replica, not independently_created"


@pytest.fixture(scope="module")
def chain() -> SigningChain:
    return make_chain()


@pytest.fixture
def cast(fake_services: Services, tmp_path: Path) -> dict[str, str]:
    """Ada (red) holds an employment-based consent for her face in the film."""
    ids = cast_with_consent(fake_services, "ada", "bo")
    fake_services.enrolment.enrol(ids["ada"], [face_image(tmp_path / "enrol.png", [Block(RED)])])
    return ids


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    """Ada's face, no manifest."""
    return face_image(tmp_path / "photo.png", [Block(RED, x=200, y=150)])


@pytest.fixture
def generated(chain: SigningChain, photo: Path, tmp_path: Path) -> Path:
    """The same picture, signed by a generator declaring trainedAlgorithmicMedia."""
    return sign(chain, photo, tmp_path / "generated.png", created("trainedAlgorithmicMedia"))


def _ada(media: MediaResult, ada: str) -> object:
    [appearance] = [a for a in media.appearances if a.performer_id == ada]
    return appearance


def test_a_declared_ai_image_makes_its_performer_a_synthetic_replica(
    fake_services: Services, cast: dict[str, str], photo: Path, generated: Path
) -> None:
    report = fake_services.scans.scan([photo, generated], ScanOptions(cast["film"]))
    plain, made = report.media
    # the picture without a manifest: no provenance, Ada covered by her consent
    assert plain.provenance is not None and plain.provenance.state is ManifestState.NONE
    assert plain.synthetic is None
    [before] = plain.appearances
    assert (before.performer_id, before.outcome) == (cast["ada"], DecisionOutcome.COVERED)
    assert before.synthetic_replica is None
    # the signed one: its manifest read and validated, and what it declares
    origin = made.provenance
    assert origin is not None and origin.state is ManifestState.VALID, origin
    assert origin.claim_generator == "Test Image Model 2.1"
    assert [(a.action, a.digital_source_type) for a in origin.actions] == [("c2pa.created", AI)]
    assert origin.source_types == (AI,)
    assert origin.signer is not None
    assert (origin.signer.common_name, origin.signer.issuer) == (
        "Test Generator signer",
        "Test Generator Labs",
    )
    assert origin.problems == ()
    assert made.synthetic == SyntheticMedia(SyntheticBasis.MANIFEST, "trainedAlgorithmicMedia")
    # Ada in it: a synthetic replica, decided as independently created, which her
    # employment-based consent does not cover
    [after] = made.appearances
    assert after.performer_id == cast["ada"]
    assert after.synthetic_replica is ReplicaKind.INDEPENDENTLY_CREATED
    assert after.outcome is DecisionOutcome.NOT_COVERED and after.flag_log_index is not None
    assert any(KIND_MISMATCH in r.message for r in after.reasons), after.reasons


def test_the_scan_can_say_otherwise(
    fake_services: Services, cast: dict[str, str], generated: Path
) -> None:
    options = ScanOptions(cast["film"], synthetic_as=ReplicaKind.EMPLOYMENT_BASED)
    [media] = fake_services.scans.scan([generated], options).media
    [appearance] = media.appearances
    assert appearance.synthetic_replica is ReplicaKind.EMPLOYMENT_BASED
    assert appearance.outcome is DecisionOutcome.COVERED


def test_reports_show_the_declaration_per_file(
    fake_services: Services,
    settings: Settings,
    cast: dict[str, str],
    photo: Path,
    generated: Path,
    tmp_path: Path,
) -> None:
    out = {kind: tmp_path / f"report.{kind}" for kind in ("json", "html", "csv")}
    result = runner.invoke(
        app,
        [
            "--home",
            str(settings.home),
            "scan",
            str(photo),
            str(generated),
            "--production",
            cast["film"],
            *(arg for kind, path in out.items() for arg in (f"--{kind}", str(path))),
        ],
        obj=fake_cli(),
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out["json"].read_text())
    plain, made = data["media"]
    assert plain["provenance"]["state"] == "none" and plain["synthetic"] is None
    assert made["provenance"] == {
        "state": "valid",
        "claim_generator": "Test Image Model 2.1",
        "actions": [
            {
                "action": "c2pa.created",
                "digital_source_type": AI,
                "software_agent": "Test Image Model 2.1",
            }
        ],
        "digital_source_types": [AI],
        "ai_generated": True,
        "signer": {
            "issuer": "Test Generator Labs",
            "common_name": "Test Generator signer",
            "algorithm": "Es256",
            "time": None,
        },
        "problems": [],
    }
    assert made["synthetic"] == {"basis": "manifest", "detail": "trainedAlgorithmicMedia"}
    first, second = data["appearances"]
    assert "synthetic_replica" not in first and "decided_as" not in first
    assert (second["synthetic_replica"], second["decided_as"]) == (True, "independently_created")
    assert second["decision"] == "not_covered"

    rows = list(csv.DictReader(io.StringIO(out["csv"].read_text())))
    assert [(r["media"], r["synthetic_replica"], r["provenance"]) for r in rows] == [
        (str(photo), "", "none"),
        (str(generated), "independently_created", "valid"),
    ]
    assert rows[1]["digital_source_types"] == "trainedAlgorithmicMedia"
    assert rows[1]["claim_generator"] == "Test Image Model 2.1"
    assert rows[1]["signer"] == "Test Generator signer / Test Generator Labs"

    page = out["html"].read_text()
    assert "C2PA provenance: manifest none" in page
    assert (
        "C2PA provenance: manifest valid; declares trainedAlgorithmicMedia; made with "
        "Test Image Model 2.1; signed by Test Generator signer / Test Generator Labs"
    ) in page
    assert "Taken as AI-generated (manifest: trainedAlgorithmicMedia)" in page
    assert "synthetic replica, decided as independently created" in page


def test_a_claim_generator_that_is_a_formula_is_text_in_the_csv(
    fake_services: Services, cast: dict[str, str], chain: SigningChain, photo: Path, tmp_path: Path
) -> None:
    """The manifest's strings are whoever made the file's: a spreadsheet opening the
    report must not run one as a formula (docs/scan-report.md)."""
    manifest = created("trainedAlgorithmicMedia")
    manifest["claim_generator_info"] = [{"name": '=HYPERLINK("http://127.0.0.1/x","open")'}]
    signed = sign(chain, photo, tmp_path / "formula.png", manifest)
    report = fake_services.scans.scan([signed], ScanOptions(cast["film"]))
    [media] = report.media
    assert media.provenance is not None
    assert media.provenance.claim_generator == '=HYPERLINK("http://127.0.0.1/x","open")'
    [row] = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert row["claim_generator"] == '\'=HYPERLINK("http://127.0.0.1/x","open")'
    assert row["signer"] == "Test Generator signer / Test Generator Labs"


def test_a_cached_scan_still_shows_the_provenance(
    fake_services: Services, cast: dict[str, str], generated: Path
) -> None:
    options = ScanOptions(cast["film"])
    first = fake_services.scans.scan([generated], options).media[0]
    again = fake_services.scans.scan([generated], options).media[0]
    assert (first.status, again.status) == (MediaStatus.SCANNED, MediaStatus.CACHED)
    assert again.provenance == first.provenance and again.synthetic == first.synthetic
    assert again.appearances[0].synthetic_replica is ReplicaKind.INDEPENDENTLY_CREATED


def test_an_edit_of_generated_media_keeps_its_parents_declaration(
    fake_services: Services,
    cast: dict[str, str],
    chain: SigningChain,
    generated: Path,
    tmp_path: Path,
) -> None:
    """A crop signed by an editor declares no source type itself; its parent ingredient's
    manifest (kept in the file) does."""
    edit = {
        "claim_generator_info": [{"name": "Test Editor", "version": "1"}],
        "title": "cropped",
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": [{"action": "c2pa.cropped"}]}}
        ],
    }
    edited = sign(chain, generated, tmp_path / "edited.png", edit, edit=True)
    [media] = fake_services.scans.scan([edited], ScanOptions(cast["film"])).media
    origin = media.provenance
    assert origin is not None and origin.state is ManifestState.VALID, origin
    assert origin.claim_generator == "Test Editor 1"
    assert [a.action for a in origin.actions] == ["c2pa.opened", "c2pa.cropped"]
    assert all(a.digital_source_type is None for a in origin.actions)
    assert origin.source_types == (AI,)
    assert media.synthetic == SyntheticMedia(SyntheticBasis.MANIFEST, "trainedAlgorithmicMedia")


def test_a_tampered_image_is_invalid_and_still_declared(
    fake_services: Services, cast: dict[str, str], generated: Path, tmp_path: Path
) -> None:
    """Pixels changed after signing: the data hash no longer matches. What the manifest
    declares is still reported, and still marks the performer (docs/provenance.md)."""
    with Image.open(generated) as picture:
        changed = picture.convert("RGB")
    changed.putpixel((0, 0), (0, 0, 0))
    buffer = io.BytesIO()
    changed.save(buffer, "PNG")
    new_pixels = [c for c in png_chunks(buffer.getvalue()) if c[0] == b"IDAT"]
    chunks = png_chunks(generated.read_bytes())
    at = next(i for i, c in enumerate(chunks) if c[0] == b"IDAT")
    kept = [c for c in chunks if c[0] != b"IDAT"]
    tampered = tmp_path / "tampered.png"
    tampered.write_bytes(png_from_chunks(kept[:at] + new_pixels + kept[at:]))

    [media] = fake_services.scans.scan([tampered], ScanOptions(cast["film"])).media
    assert media.status is MediaStatus.SCANNED
    origin = media.provenance
    assert origin is not None and origin.state is ManifestState.INVALID
    assert any(p.startswith("assertion.dataHash.mismatch") for p in origin.problems), origin
    assert origin.source_types == (AI,)
    assert media.synthetic == SyntheticMedia(SyntheticBasis.MANIFEST, "trainedAlgorithmicMedia")
    assert media.appearances[0].synthetic_replica is ReplicaKind.INDEPENDENTLY_CREATED


def test_a_corrupted_manifest_is_invalid_and_the_scan_goes_on(
    fake_services: Services, cast: dict[str, str], photo: Path, generated: Path, tmp_path: Path
) -> None:
    chunks = png_chunks(generated.read_bytes())
    at = next(i for i, c in enumerate(chunks) if c[0] == b"caBX")
    jumbf = bytearray(chunks[at][1])
    jumbf[8:24] = bytes(b ^ 0xFF for b in jumbf[8:24])  # the manifest store's own header
    chunks[at] = (b"caBX", bytes(jumbf))
    broken = tmp_path / "broken.png"
    broken.write_bytes(png_from_chunks(chunks))

    report = fake_services.scans.scan([broken, photo], ScanOptions(cast["film"]))
    media, after = report.media
    assert media.status is MediaStatus.SCANNED
    origin = media.provenance
    assert origin is not None and origin.state is ManifestState.INVALID
    assert origin.problems and origin.problems[0], origin  # with the SDK's reason
    assert origin.source_types == () and media.synthetic is None  # nothing could be read
    [appearance] = media.appearances
    assert appearance.outcome is DecisionOutcome.COVERED and appearance.synthetic_replica is None
    assert after.provenance is not None and after.provenance.state is ManifestState.NONE


def test_a_remote_manifest_is_unreadable_and_never_fetched(
    fake_services: Services,
    cast: dict[str, str],
    chain: SigningChain,
    tmp_path: Path,
) -> None:
    """A file whose manifest is stored at a URL: the reader's offline settings fetch
    nothing, and the state says why it could not be read (docs/provenance.md)."""
    import c2pa

    # A loopback listener stands at the URL: the SDK fetches in native code, which the
    # loopback guard does not see, so the listener's queue shows any fetch.
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        port = listener.getsockname()[1]
        url = f"http://127.0.0.1:{port}/manifest.c2pa"
        remote = sign(
            chain,
            face_image(tmp_path / "photo.jpg", [Block(RED, x=200, y=150)]),
            tmp_path / "remote.jpg",
            created("trainedAlgorithmicMedia"),
            remote_url=url,
        )

        with watch_connections() as tried:
            [media] = fake_services.scans.scan([remote], ScanOptions(cast["film"])).media
        assert tried == []
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing connected
        assert media.status is MediaStatus.SCANNED
        assert media.provenance is not None
        assert media.provenance.state is ManifestState.UNREADABLE
        assert media.provenance.problems == (
            "its manifest is stored elsewhere and is not fetched: Remote: must fetch remote "
            f"manifests from url {url}",
        )
        assert media.synthetic is None  # nothing was read, so nothing is declared

        # The control: the SDK's default settings do fetch it, and the listener sees
        # that (it answers by hanging up, so the fetch fails at once).
        fetched: list[bytes] = []

        def hang_up() -> None:
            connection, _ = listener.accept()
            with connection:
                fetched.append(connection.recv(200))

        listener.setblocking(True)
        listener.settimeout(10)
        answering = threading.Thread(target=hang_up)
        answering.start()
        with remote.open("rb") as stream, pytest.raises(c2pa.C2paError):
            c2pa.Reader("image/jpeg", stream)
        answering.join()
        assert fetched[0].startswith(b"GET /manifest.c2pa ")


def test_audio_and_video_without_a_manifest_scan_fine(
    fake_services: Services, cast: dict[str, str], tmp_path: Path
) -> None:
    wav = tones_wav(tmp_path / "talk.wav", [Tone(250, 0, 2)], duration=3)
    clip = make_clip(tmp_path / "clip.mp4", [(0, 2, None)], size=(320, 240))
    report = fake_services.scans.scan([wav, clip], ScanOptions(cast["film"]))
    assert [(m.status, m.error) for m in report.media] == [(MediaStatus.SCANNED, None)] * 2
    assert [m.provenance.state for m in report.media if m.provenance] == [ManifestState.NONE] * 2
    assert [m.synthetic for m in report.media] == [None, None]


def test_a_signed_wav_is_read(
    fake_services: Services, cast: dict[str, str], chain: SigningChain, tmp_path: Path
) -> None:
    voice = tones_wav(tmp_path / "voice.wav", [Tone(250, 0, 2)], duration=3)
    signed = sign(chain, voice, tmp_path / "signed.wav", created("trainedAlgorithmicMedia"))
    [media] = fake_services.scans.scan([signed], ScanOptions(cast["film"])).media
    assert media.status is MediaStatus.SCANNED
    assert media.provenance is not None and media.provenance.state is ManifestState.VALID
    assert media.provenance.source_types == (AI,)


def test_a_scan_job_stores_the_provenance(
    fake_services: Services, cast: dict[str, str], generated: Path
) -> None:
    """Over HTTP the upload is read from memory (scan/memory_files.py), and the sealed
    report read back keeps the provenance and the mark."""
    account = fake_services.accounts.add_account(
        "Acme", Role.PRODUCTION, production_id=cast["film"]
    )
    jobs = fake_services.scan_jobs
    staged = jobs.stage()
    with staged.upload("generated.png") as out:
        out.write(generated.read_bytes())
    job = jobs.submit(account, staged, ScanOptions(cast["film"]))
    for _ in range(200):
        job = jobs.get(account, job.id)
        if job.status.finished:
            break
        time.sleep(0.05)
    assert job.status is ScanJobStatus.DONE and job.report is not None, job.error
    [media] = job.report.media
    assert media.provenance is not None and media.provenance.state is ManifestState.VALID
    assert media.provenance.source_types == (AI,)
    assert media.appearances[0].synthetic_replica is ReplicaKind.INDEPENDENTLY_CREATED


class Classifier:
    """A stand-in for an offline classifier of synthetic media (none ships): it says
    what it was told to about each file, and records what it was asked."""

    def __init__(self, synthetic: set[str], *, fails: bool = False) -> None:
        self.synthetic, self.fails = synthetic, fails
        self.asked: list[str] = []

    def classify(self, path: Path) -> SyntheticVerdict:
        self.asked.append(path.name)
        if self.fails:
            raise InvalidInputError(f"{path.name}: the classifier cannot judge this file")
        return SyntheticVerdict(path.name in self.synthetic, "test-detector@1", 0.93)


def _with_classifier(services: Services, classifier: Classifier, tmp_path: Path) -> ScanService:
    return ScanService(
        gallery=services.gallery,
        detector=services.detector,
        uses=services.uses,
        ledger=services.ledger,
        clock=services.clock,
        cache=SealedCache(tmp_path / "cache", services.master_key, "scan-cache"),
        database=services.database,
        provenance=C2paProvenanceReader(),
        classifier=classifier,
    )


def test_a_classifier_plugs_in_where_no_manifest_declares(
    fake_services: Services, cast: dict[str, str], photo: Path, generated: Path, tmp_path: Path
) -> None:
    other = face_image(tmp_path / "other.png", [Block(RED, x=50, y=50)])
    classifier = Classifier({"photo.png"})
    scans = _with_classifier(fake_services, classifier, tmp_path)
    report = scans.scan([photo, generated, other], ScanOptions(cast["film"]))
    judged, declared, clean = report.media
    assert classifier.asked == ["photo.png", "other.png"]  # a manifest's declaration suffices
    assert judged.synthetic == SyntheticMedia(
        SyntheticBasis.CLASSIFIER, "test-detector@1 (score 0.93)"
    )
    assert judged.appearances[0].synthetic_replica is ReplicaKind.INDEPENDENTLY_CREATED
    assert declared.synthetic is not None and declared.synthetic.basis is SyntheticBasis.MANIFEST
    assert clean.synthetic is None and clean.appearances[0].synthetic_replica is None


def test_a_classifier_that_cannot_judge_fails_that_file_only(
    fake_services: Services, cast: dict[str, str], photo: Path, generated: Path, tmp_path: Path
) -> None:
    scans = _with_classifier(fake_services, Classifier(set(), fails=True), tmp_path)
    failed, declared = scans.scan([photo, generated], ScanOptions(cast["film"])).media
    assert failed.status is MediaStatus.ERROR
    assert failed.error == "photo.png: the classifier cannot judge this file"
    assert declared.status is MediaStatus.SCANNED and declared.synthetic is not None


def test_the_cli_says_otherwise_with_synthetic_as(
    fake_services: Services,
    settings: Settings,
    cast: dict[str, str],
    generated: Path,
    tmp_path: Path,
) -> None:
    report = tmp_path / "report.json"
    result = runner.invoke(
        app,
        ["--home", str(settings.home), "scan", str(generated), "--production", cast["film"],
         "--synthetic-as", "employment_based", "--json", str(report)],
        obj=fake_cli(),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [appearance] = json.loads(report.read_text())["appearances"]
    assert (appearance["decision"], appearance["decided_as"]) == ("covered", "employment_based")


def test_a_scan_over_the_api_takes_synthetic_as_and_reports_provenance(
    fake_services: Services, generated: Path
) -> None:
    world, http = build_world(fake_services), client(fake_services)
    headers = bearer(world.tokens["production"])
    submitted = http.post(
        "/v1/scans",
        files={"files": ("generated.png", generated.read_bytes(), "image/png")},
        data={"production_id": world.production, "synthetic_as": "digital_alteration"},
        headers=headers,
    )
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()
    assert job["options"]["synthetic_as"] == "digital_alteration"
    for _ in range(200):
        job = http.get(f"/v1/scans/{job['id']}", headers=headers).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert job["status"] == "done", job
    report = http.get(f"/v1/scans/{job['id']}/report", headers=headers).json()
    [media] = report["media"]
    assert media["provenance"]["state"] == "valid"
    assert media["provenance"]["digital_source_types"] == [AI]
    assert media["synthetic"] == {"basis": "manifest", "detail": "trainedAlgorithmicMedia"}
