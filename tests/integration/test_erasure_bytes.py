"""Erasure that erases: a performer enrolled (face and voice), scanned over HTTP and with
the service (which fills the scan cache), checked and reported, then erased, leaves none
of their biometric bytes anywhere in the data home — database, write-ahead log, index
files, scan cache, jobs, vault — and no salt that would open their commitments; the log
still audits green. Fast tier: the fake encoders of ``likeness.testing``; slow tier: the
real models on real photos and synthesised speech."""

from __future__ import annotations

import base64
import json
import re
import shutil
import struct
import subprocess
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from likeness.bootstrap import Services, build_services
from likeness.cli.app import app as cli
from likeness.cli.state import CliState
from likeness.domain.account import Role
from likeness.domain.consent import Modality, ReplicaKind, UseFacts
from likeness.domain.scan import ScanOptions
from likeness.domain.use import UseReport
from likeness.recognition.media import load_audio, load_rgb
from likeness.services.events import consent_key, performer_key, template_key, use_key
from likeness.settings import Settings
from likeness.store.log_store import SaltRepository
from likeness.store.record_keys import biometric, keys_of, personal, report
from likeness.testing.media import GREEN, RED, Block, Tone, face_image, tones_wav
from tests.api_world import bearer, client
from tests.casting import cast_with_consent
from tests.clips import FACES
from tests.stored_bytes import holding, stored_files

ADA_HZ = 440.0  # Ada's voice: a tone


def window(data: bytes, size: int = 64) -> bytes:
    """A distinctive slice from the middle of a file."""
    middle = len(data) // 2
    return data[middle : middle + size]


def float_forms(vector: tuple[float, ...]) -> list[bytes]:
    """An embedding as the vault and index pack it (float64), as float32, and as the JSON
    text a cache would write."""
    forms = [
        struct.pack(f"<{len(vector)}d", *vector),
        struct.pack(f"<{len(vector)}f", *vector),
        json.dumps(list(vector)).encode(),
    ]
    return forms + [text for v in vector if len(text := repr(v).encode()) >= 12]


def token(services: Services, role: Role, **acting_for: str) -> dict[str, str]:
    account = services.accounts.add_account(f"{role.value} account", role, **acting_for)
    return bearer(services.accounts.create_api_key(account.id, "test").token)


def wait_for_job(http: TestClient, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    for _ in range(400):
        job: dict[str, Any] = http.get(f"/v1/scans/{job_id}", headers=headers).json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"scan job {job_id} did not finish")


def salts_of(services: Services, performer_id: str) -> dict[str, bytes]:
    """The salts behind the performer's log commitments, by record key, read before
    erasure (derived from their record keys: store/log_store.py)."""
    with services.database.read() as connection:

        def ids(table: str) -> list[str]:
            return [
                row[0]
                for row in connection.execute(
                    text(f"SELECT id FROM {table} WHERE performer_id = :p"), {"p": performer_id}
                )
            ]

        owned = [
            (performer_key(performer_id), personal(performer_id)),
            *((consent_key(i), personal(performer_id)) for i in ids("consents")),
            *((use_key(i), personal(performer_id)) for i in ids("uses")),
            *((template_key(i), biometric(performer_id)) for i in ids("templates")),
        ]
        salts = SaltRepository(connection)
        found = {key: salts.get(key, owner) for key, owner in owned}
    return {key: salt for key, salt in found.items() if salt is not None}


def wrapped_keys(services: Services, performer_id: str, *jobs: str) -> dict[str, bytes]:
    """The performer's record keys as stored (wrapped), and those of scan reports."""
    owners = [personal(performer_id), biometric(performer_id), *map(report, jobs)]
    with services.database.read() as connection:
        keys = keys_of(connection)
        found = {owner: keys.wrapped_form(connection, owner) for owner in owners}
    return {owner: form for owner, form in found.items() if form is not None}


@dataclass(frozen=True)
class Kit:
    """Media of Ada (enrolled, scanned, checked) and of Bo (enrolled), per encoder tier."""

    photo: Path  # Ada's enrolment photo
    voice: Path  # Ada's enrolment recording
    bo: Path
    scene: Path  # scanned over HTTP (a job), with ``speech``
    speech: Path
    cli_scene: Path  # scanned by the service (the CLI's way)
    check: Path  # POST /v1/check/media


def fake_kit(folder: Path) -> Kit:
    return Kit(
        photo=face_image(folder / "ada.png", [Block(RED)]),
        voice=tones_wav(folder / "ada.wav", [Tone(ADA_HZ, 0.2, 5.8)], duration=6),
        bo=face_image(folder / "bo.png", [Block(GREEN)]),
        scene=face_image(folder / "scene.png", [Block(RED, x=300, y=200, size=140)]),
        speech=tones_wav(folder / "speech.wav", [Tone(ADA_HZ, 0.5, 6.5)], duration=7),
        cli_scene=face_image(folder / "scene2.png", [Block(RED, x=40, y=40, size=160)]),
        check=face_image(folder / "check.jpg", [Block(RED, x=200, y=100, size=150)]),
    )


def model_kit(folder: Path) -> Kit:
    """Real photos (tests/assets/faces) and speech synthesised by espeak-ng."""
    from PIL import Image, ImageOps

    espeak = shutil.which("espeak-ng")
    assert espeak is not None, "the model tier needs Debian's espeak-ng (scripts/system-deps)"

    def say(name: str, text: str) -> Path:
        subprocess.run([espeak, "-v", "en-us+f2", "-w", str(folder / name), text], check=True)
        return folder / name

    mirrored = folder / "check.jpg"
    with Image.open(FACES / "obama2.jpg") as image:
        ImageOps.mirror(image).save(mirrored)
    return Kit(
        photo=FACES / "obama.jpg",
        voice=say("ada.wav", "Every performer deserves consent and fair pay for the use of "
                  "a digital replica of their face and voice."),
        bo=FACES / "biden.jpg",
        scene=FACES / "obama2.jpg",
        speech=say("speech.wav", "Please read the contract carefully and ask your agent "
                   "about every clause before you sign it."),
        cli_scene=FACES / "obama3.jpg",
        check=mirrored,
    )  # fmt: skip


def test_an_erased_performer_leaves_no_biometric_byte_in_the_data_home(
    fake_services: Services, settings: Settings, tmp_path: Path
) -> None:
    erase_and_search(fake_services, settings, fake_kit(tmp_path), voice_flagged=True)


@pytest.mark.slow
@pytest.mark.model
def test_with_the_real_models_erasure_leaves_no_biometric_byte(
    services: Services, settings: Settings, tmp_path: Path
) -> None:
    """The same with dlib and Resemblyzer: 128 and 256 floats per template."""
    erase_and_search(services, settings, model_kit(tmp_path), voice_flagged=False)


def erase_and_search(
    services: Services, settings: Settings, kit: Kit, *, voice_flagged: bool
) -> None:
    with client(services) as http:
        _erase_and_search(services, http, settings, kit, voice_flagged=voice_flagged)


def _erase_and_search(
    services: Services, http: TestClient, settings: Settings, kit: Kit, *, voice_flagged: bool
) -> None:
    ids = cast_with_consent(services, "ada", "bo")  # a consent for Ada's face, not her voice
    ada, film = ids["ada"], ids["film"]
    admin = token(services, Role.ADMIN)
    production = token(services, Role.PRODUCTION, production_id=film)

    for path in (kit.photo, kit.voice):
        enrolled = http.post(
            f"/v1/performers/{ada}/enrolment",
            headers=admin,
            files={"files": (path.name, path.read_bytes(), "application/octet-stream")},
        )
        assert enrolled.status_code == 201, enrolled.text
    services.enrolment.enrol(ids["bo"], [kit.bo])

    submitted = http.post(
        "/v1/scans",
        headers=production,
        files=[
            ("files", (m.name, m.read_bytes(), "application/octet-stream"))
            for m in (kit.scene, kit.speech)
        ],
        data={"production_id": film, "purpose": "appear in the trailer", "use_date": "2026-06-01"},
    )
    assert submitted.status_code == 202, submitted.text
    job = wait_for_job(http, production, submitted.json()["id"])
    assert job["status"] == "done", job
    report = http.get(f"/v1/scans/{job['id']}/report", headers=production).json()
    shown = [a for a in report["appearances"] if a["performer_id"] == ada]
    assert "face" in {a["modality"] for a in shown}, report
    if voice_flagged:  # heard, and not covered: flagged
        assert [a["decision"] for a in shown if a["modality"] == "voice"] == ["not_covered"]
    thumbnails = [a["thumbnail"] for a in shown if a["thumbnail"]]
    assert thumbnails and all(t.startswith("data:image/jpeg;base64,") for t in thumbnails)

    # the CLI's way: the scan service, whose sealed cache keeps detections and embeddings
    services.scans.scan([kit.cli_scene], ScanOptions(production_id=film, use_date=date(2026, 6, 1)))
    assert list((services.layout.root / "scan-cache").iterdir())

    use = {
        "production_id": film,
        "replica_kind": "employment_based",
        "modalities": ["face"],
        "purpose": "appear in the trailer",
        "date": "2026-06-01",
    }
    checked = http.post(
        "/v1/check/media",
        headers=production,
        files={"file": (kit.check.name, kit.check.read_bytes(), "image/jpeg")},
        data={"use": json.dumps(use)},
    )
    assert checked.status_code == 200, checked.text
    assert [f["performer_id"] for f in checked.json()["findings"]] == [ada]
    services.uses.report(
        UseReport(
            ada,
            UseFacts(
                production_id=film,
                replica_kind=ReplicaKind.EMPLOYMENT_BASED,
                modalities=frozenset({Modality.FACE}),
                purpose="appear in the trailer",
                date=date(2026, 6, 1),
            ),
        )
    )

    salts = salts_of(services, ada)
    wrapped = wrapped_keys(services, ada, job["id"])
    assert len(wrapped) == 3, wrapped  # personal, biometric, and the stored report's
    assert sum(key.startswith("template:") for key in salts) == 2  # face and voice
    assert any(key.startswith("use:") for key in salts) and performer_key(ada) in salts
    face = services.encoders.face().faces(load_rgb(kit.photo))[0].embedding
    heard = services.encoders.voice().embed(load_audio(kit.voice))
    jpegs = [base64.b64decode(t.partition(",")[2]) for t in thumbnails]
    media = (kit.photo, kit.voice, kit.scene, kit.speech, kit.cli_scene, kit.check)
    secrets: dict[str, bytes] = {
        **{f"salt {key}": salt for key, salt in salts.items()},
        **{f"wrapped key {owner}": form for owner, form in wrapped.items()},
        **{f"face embedding {i}": form for i, form in enumerate(float_forms(face))},
        **{f"voice embedding {i}": form for i, form in enumerate(float_forms(heard))},
        **{f"thumbnail {i}": t.encode() for i, t in enumerate(thumbnails)},
        **{
            f"thumbnail base64 {i}": t.partition(",")[2][:80].encode()
            for i, t in enumerate(thumbnails)
        },
        **{f"thumbnail jpeg {i}": window(jpeg) for i, jpeg in enumerate(jpegs)},
        **{f"{p.name} bytes": window(p.read_bytes()) for p in media},
    }
    short = {name: s for name, s in secrets.items() if len(s) < 8}
    assert not short, short  # each long enough not to occur by chance

    services.registry.erase_performer(ada)

    files = stored_files(services.layout.root, services.database)
    assert any(p.name.endswith("-wal") or p.suffix == ".db" for p in files)
    left = {name: where for name, s in secrets.items() if (where := holding(files, s))}
    assert left == {}, f"erased biometric data still in the data home: {left}"
    assert not (services.layout.vault / ada).exists()
    assert http.get(f"/v1/scans/{job['id']}", headers=production).json()["status"] == "erased"

    assert services.ledger.audit().ok
    audited = CliRunner().invoke(
        cli,
        ["--home", str(settings.home), "log", "audit"],
        obj=CliState(build=lambda s: build_services(s, encoders=services.encoders)),
    )
    assert audited.exit_code == 0, audited.output


def test_the_search_finds_what_is_there(fake_services: Services, tmp_path: Path) -> None:
    """The search is not blind: before erasure the salts, the sealed scan report and
    the database files are there to be found (and the thumbnails are not: sealed)."""
    services = fake_services
    ids = cast_with_consent(services, "ada", "bo")
    services.enrolment.enrol(ids["ada"], [face_image(tmp_path / "ada.png", [Block(RED)])])
    files = stored_files(services.layout.root, services.database)
    for owner, wrapped in wrapped_keys(services, ids["ada"]).items():
        assert holding(files, wrapped), owner  # salts are derived from these: not stored
    assert re.search(rb"SQLite format 3", b"".join(files.values()))
