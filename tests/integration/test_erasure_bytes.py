"""Erasure that erases: a performer enrolled (face and voice), scanned over HTTP and with
the service (which fills the scan cache), checked and reported, then erased, leaves none
of their biometric bytes anywhere in the data home — database, write-ahead log, index
files, scan cache, jobs, vault — and no salt that would open their commitments; the log
still audits green. Fast tier: the fake encoders of ``likeness.testing``."""

from __future__ import annotations

import base64
import json
import re
import struct
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from likeness.bootstrap import Services
from likeness.cli.app import app as cli
from likeness.domain.account import Role
from likeness.domain.consent import Modality, ReplicaKind, UseFacts
from likeness.domain.scan import ScanOptions
from likeness.domain.use import UseReport
from likeness.recognition.media import load_audio, load_rgb
from likeness.services.events import consent_key, performer_key, template_key, use_key
from likeness.settings import Settings
from likeness.testing import FakeFaceEncoder, FakeVoiceEncoder
from likeness.testing.media import GREEN, RED, Block, Tone, face_image, tones_wav
from tests.api_world import bearer, client
from tests.casting import cast_with_consent
from tests.conftest import fake_cli

ADA_HZ = 440.0  # Ada's voice: a tone


def home_bytes(home: Path) -> dict[Path, bytes]:
    """Every file under the data home, hidden ones and links' targets excluded."""
    return {
        p: p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file() and not p.is_symlink()
    }


def holding(files: dict[Path, bytes], needle: bytes) -> list[str]:
    return [str(path) for path, data in files.items() if needle in data]


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


@pytest.fixture
def http(fake_services: Services) -> Iterator[TestClient]:
    with client(fake_services) as http:
        yield http


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
    """The performer's record salts, by record key, read before erasure."""
    with services.database.read() as connection:

        def ids(table: str) -> list[str]:
            return [
                row[0]
                for row in connection.exec_driver_sql(
                    f"SELECT id FROM {table} WHERE performer_id = ?", (performer_id,)
                )
            ]

        keys = [
            performer_key(performer_id),
            *map(consent_key, ids("consents")),
            *map(use_key, ids("uses")),
            *map(template_key, ids("templates")),
        ]
        rows = connection.exec_driver_sql("SELECT record_key, salt FROM record_salts")
        salts = {key: bytes(salt) for key, salt in rows}
    return {key: salts[key] for key in keys if key in salts}


def test_an_erased_performer_leaves_no_biometric_byte_in_the_data_home(
    fake_services: Services, http: TestClient, settings: Settings, tmp_path: Path
) -> None:
    services = fake_services
    ids = cast_with_consent(services, "ada", "bo")  # a consent for Ada's face, not her voice
    ada, film = ids["ada"], ids["film"]
    admin = token(services, Role.ADMIN)
    production = token(services, Role.PRODUCTION, production_id=film)

    photo = face_image(tmp_path / "ada.png", [Block(RED)])
    voice = tones_wav(tmp_path / "ada.wav", [Tone(ADA_HZ, 0.2, 5.8)], duration=6)
    for path, kind in ((photo, "image/png"), (voice, "audio/wav")):
        enrolled = http.post(
            f"/v1/performers/{ada}/enrolment",
            headers=admin,
            files={"files": (path.name, path.read_bytes(), kind)},
        )
        assert enrolled.status_code == 201, enrolled.text
    services.enrolment.enrol(ids["bo"], [face_image(tmp_path / "bo.png", [Block(GREEN)])])

    scene = face_image(tmp_path / "scene.png", [Block(RED, x=300, y=200, size=140)])
    speech = tones_wav(tmp_path / "speech.wav", [Tone(ADA_HZ, 0.5, 6.5)], duration=7)
    submitted = http.post(
        "/v1/scans",
        headers=production,
        files=[
            ("files", (scene.name, scene.read_bytes(), "image/png")),
            ("files", (speech.name, speech.read_bytes(), "audio/wav")),
        ],
        data={"production_id": film, "purpose": "appear in the trailer", "use_date": "2026-06-01"},
    )
    assert submitted.status_code == 202, submitted.text
    job = wait_for_job(http, production, submitted.json()["id"])
    assert job["status"] == "done", job
    report = http.get(f"/v1/scans/{job['id']}/report", headers=production).json()
    shown = [a for a in report["appearances"] if a["performer_id"] == ada]
    assert {a["modality"] for a in shown} == {"face", "voice"}  # seen, and her voice flagged
    thumbnails = [a["thumbnail"] for a in shown if a["thumbnail"]]
    assert thumbnails and all(t.startswith("data:image/jpeg;base64,") for t in thumbnails)

    # the CLI's way: the scan service, whose sealed cache keeps detections and embeddings
    cli_scene = face_image(tmp_path / "scene2.png", [Block(RED, x=40, y=40, size=160)])
    services.scans.scan([cli_scene], ScanOptions(production_id=film, use_date=date(2026, 6, 1)))
    assert list((services.layout.root / "scan-cache").iterdir())

    check_photo = face_image(tmp_path / "check.jpg", [Block(RED, x=200, y=100, size=150)])
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
        files={"file": (check_photo.name, check_photo.read_bytes(), "image/jpeg")},
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
    assert any(key.startswith("template:") for key in salts)  # enrolment commitments
    assert any(key.startswith("use:") for key in salts) and performer_key(ada) in salts
    face = FakeFaceEncoder().faces(load_rgb(photo))[0].embedding
    heard = FakeVoiceEncoder().embed(load_audio(voice))
    jpegs = [base64.b64decode(t.partition(",")[2]) for t in thumbnails]
    secrets: dict[str, bytes] = {
        **{f"salt {key}": salt for key, salt in salts.items()},
        **{f"face embedding {i}": form for i, form in enumerate(float_forms(face))},
        **{f"voice embedding {i}": form for i, form in enumerate(float_forms(heard))},
        **{f"thumbnail {i}": t.encode() for i, t in enumerate(thumbnails)},
        **{
            f"thumbnail base64 {i}": t.partition(",")[2][:80].encode()
            for i, t in enumerate(thumbnails)
        },
        **{f"thumbnail jpeg {i}": window(jpeg) for i, jpeg in enumerate(jpegs)},
        **{f"{p.name} bytes": window(p.read_bytes()) for p in (photo, voice, scene, speech)},
        f"{check_photo.name} bytes": window(check_photo.read_bytes()),
        f"{cli_scene.name} bytes": window(cli_scene.read_bytes()),
    }
    short = {name: s for name, s in secrets.items() if len(s) < 8}
    assert not short, short  # each long enough not to occur by chance

    services.registry.erase_performer(ada)

    files = home_bytes(services.layout.root)
    assert any(p.name.endswith("-wal") or p.suffix == ".db" for p in files)
    left = {name: where for name, s in secrets.items() if (where := holding(files, s))}
    assert left == {}, f"erased biometric data still in the data home: {left}"
    assert not (services.layout.vault / ada).exists()
    assert http.get(f"/v1/scans/{job['id']}", headers=production).json()["status"] == "erased"

    assert services.ledger.audit().ok
    audited = CliRunner().invoke(
        cli, ["--home", str(settings.home), "log", "audit"], obj=fake_cli()
    )
    assert audited.exit_code == 0, audited.output


def test_the_search_finds_what_is_there(fake_services: Services, tmp_path: Path) -> None:
    """The search is not blind: before erasure the salts, the sealed scan report and
    the database files are there to be found (and the thumbnails are not: sealed)."""
    services = fake_services
    ids = cast_with_consent(services, "ada", "bo")
    services.enrolment.enrol(ids["ada"], [face_image(tmp_path / "ada.png", [Block(RED)])])
    salts = salts_of(services, ids["ada"])
    files = home_bytes(services.layout.root)
    for key, salt in salts.items():
        assert holding(files, salt), key
    assert re.search(rb"SQLite format 3", b"".join(files.values()))
