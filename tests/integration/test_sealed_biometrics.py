"""Biometric data sealed everywhere, tried against a real server process (with the fake
encoders, slowed to a real model's pace so there is time to look): uploads to enrol or
check never reach a disk, a scan job's uploads wait sealed and a crash leaves nothing
readable (start-up shreds it), stored scan reports keep their face thumbnails sealed,
and a platform's scan names it on its flags and their log entries."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from likeness.bootstrap import build_services, initialise
from likeness.domain.account import Role
from likeness.ledger.entry import decode_entry
from likeness.settings import Settings, load_settings
from likeness.testing import fake_encoders
from likeness.testing.media import GREEN, RED, Block, Tone, face_image, tones_wav
from tests.api_world import bearer
from tests.casting import cast_with_consent
from tests.fake_server import Served, fake_server

TRAILER = {"purpose": "appear in the trailer", "use_date": "2026-06-01"}


@dataclass
class Cast:
    home: Path
    ids: dict[str, str]
    tokens: dict[str, dict[str, str]]
    accounts: dict[str, str]


@pytest.fixture
def cast(settings: Settings, tmp_path: Path) -> Cast:
    """Ada (red, a consent for her face in the film) and Bo (green, none), enrolled; an
    account of each role that scans or reads the log."""
    initialise(settings)
    services = build_services(settings, encoders=fake_encoders())
    try:
        ids = cast_with_consent(services, "ada", "bo")
        services.enrolment.enrol(ids["ada"], [face_image(tmp_path / "ada.png", [Block(RED)])])
        services.enrolment.enrol(ids["bo"], [face_image(tmp_path / "bo.png", [Block(GREEN)])])
        tokens, accounts = {}, {}
        for role, acting in (
            (Role.PRODUCTION, {"production_id": ids["film"]}),
            (Role.PLATFORM, {}),
            (Role.ADMIN, {}),
            (Role.AUDITOR, {}),
        ):
            account = services.accounts.add_account(f"{role.value} co", role, **acting)
            accounts[role.value] = account.id
            tokens[role.value] = bearer(services.accounts.create_api_key(account.id).token)
    finally:
        services.close()
    return Cast(settings.home, ids, tokens, accounts)


def noisy_face(path: Path, colour: tuple[int, int, int] = RED) -> Path:
    """A photo of several MiB (grey noise does not compress; the fake encoder ignores
    grey), larger than the 1 MiB after which Starlette spools an upload to a file."""
    from PIL import Image

    noise = Image.frombytes("L", (1400, 1000), os.urandom(1400 * 1000)).convert("RGB")
    noise.paste(colour, (300, 300, 460, 460))
    noise.save(path)
    assert path.stat().st_size > 2 << 20
    return path


def window(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[middle : middle + 64]


def submit(served: Served, token: dict[str, str], film: str, *media: Path) -> str:
    answer = httpx.post(
        f"{served.base}/v1/scans",
        headers=token,
        files=[("files", (m.name, m.read_bytes(), "application/octet-stream")) for m in media],
        data={"production_id": film, **TRAILER},
        timeout=30,
    )
    assert answer.status_code == 202, answer.text
    job_id: str = answer.json()["id"]
    return job_id


def job(served: Served, token: dict[str, str], job_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(
        f"{served.base}/v1/scans/{job_id}", headers=token, timeout=30
    ).json()
    return answer


def wait_for(served: Served, token: dict[str, str], job_id: str, *states: str) -> dict[str, Any]:
    for _ in range(600):
        found = job(served, token, job_id)
        if found["status"] in states:
            return found
        time.sleep(0.05)
    raise AssertionError(f"scan job {job_id} never reached {states}: {found}")


def plaintext_on_disk(roots: list[Path], secrets: dict[str, bytes]) -> dict[str, list[str]]:
    """Which secrets some regular file under ``roots`` holds in clear."""
    found: dict[str, list[str]] = {}
    for root in roots:
        for path in root.rglob("*"):
            if path.is_symlink() or not path.is_file():
                continue
            try:
                data = path.read_bytes()
            except OSError:  # gone while we looked
                continue
            for name, secret in secrets.items():
                if secret in data:
                    found.setdefault(name, []).append(str(path))
    return found


def test_queued_scan_uploads_are_sealed_and_a_crash_leaves_nothing_readable(
    cast: Cast, tmp_path: Path
) -> None:
    film, production = cast.ids["film"], cast.tokens["production"]
    first = [noisy_face(tmp_path / f"take{i}.png") for i in (1, 2)]
    second = [
        noisy_face(tmp_path / "take3.png", GREEN),
        tones_wav(tmp_path / "line.wav", [Tone(440, 0.2, 5.8)], duration=6),
    ]
    secrets = {m.name: window(m.read_bytes()) for m in first + second}
    jobs = cast.home / "jobs"
    # one worker, two seconds per face search: the first job runs while the second waits
    with fake_server(cast.home, delay=2.0, env={"LIKENESS_SCAN_WORKERS": "1"}) as served:
        running = submit(served, production, film, *first)
        queued = submit(served, production, film, *second)
        wait_for(served, production, running, "running")
        assert job(served, production, queued)["status"] == "queued"
        assert len(list((jobs / queued).iterdir())) == 2  # both uploads wait on disk...
        assert plaintext_on_disk([cast.home], secrets) == {}  # ...sealed, as does the first's
        held = cast.home / "held"
        assert all(p.is_symlink() or p.is_dir() for p in held.rglob("*"))  # memory, by link
        served.crash()
    assert (jobs / queued).exists()  # what a crash leaves: sealed under a key now gone
    assert plaintext_on_disk([cast.home], secrets) == {}

    with fake_server(cast.home) as served:
        assert list(jobs.iterdir()) == []  # shredded at start-up
        assert list((cast.home / "held").iterdir()) == []
        for job_id in (running, queued):
            failed = job(served, production, job_id)
            assert failed["status"] == "failed"
            assert "submit it again" in failed["error"]


def test_uploads_to_enrol_or_check_never_reach_a_disk(cast: Cast, tmp_path: Path) -> None:
    """While the server works on an upload (2 s per face search), nothing is written to
    the system's temporary directory (Starlette's spool files included: the server's
    open files are looked at too) nor, in clear, to the data home."""
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    photo = noisy_face(tmp_path / "portrait.png")
    secrets = {"photo": window(photo.read_bytes())}
    use = {
        "production_id": cast.ids["film"],
        "replica_kind": "employment_based",
        "modalities": ["face"],
        "purpose": "appear in the trailer",
        "date": "2026-06-01",
    }
    with fake_server(cast.home, delay=2.0, env={"TMPDIR": str(system_tmp)}) as served:
        requests = {
            "check": lambda: httpx.post(
                f"{served.base}/v1/check/media",
                headers=cast.tokens["production"],
                files={"file": (photo.name, photo.read_bytes(), "image/png")},
                data={"use": json.dumps(use)},
                timeout=60,
            ),
            "enrol": lambda: httpx.post(
                f"{served.base}/v1/performers/{cast.ids['ada']}/enrolment",
                headers=cast.tokens["admin"],
                files={"files": (photo.name, photo.read_bytes(), "image/png")},
                timeout=60,
            ),
        }
        for name, send in requests.items():
            answers: list[httpx.Response] = []
            worker = threading.Thread(target=lambda s=send, a=answers: a.append(s()))
            worker.start()
            seen: set[str] = set()
            while worker.is_alive():
                seen.update(str(p) for p in system_tmp.rglob("*"))
                seen.update(open_files_under(served.process.pid, system_tmp))
                seen.update(
                    f"{k} in {v}" for k, v in plaintext_on_disk([cast.home], secrets).items()
                )
                time.sleep(0.02)
            worker.join()
            [answer] = answers
            assert answer.status_code in (200, 201), answer.text
            assert answer.json()  # a real answer: the upload was read and recognised
            assert seen == set(), f"{name}: the upload reached a disk: {seen}"


def open_files_under(pid: int, folder: Path) -> Iterator[str]:
    """Files the process holds open under ``folder`` (unnamed temporary files too)."""
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith(str(folder)):
            yield target


def test_stored_scan_reports_keep_their_thumbnails_sealed(cast: Cast, tmp_path: Path) -> None:
    scene = face_image(tmp_path / "scene.png", [Block(RED, x=200, y=150, size=150)])
    with fake_server(cast.home) as served:
        job_id = submit(served, cast.tokens["production"], cast.ids["film"], scene)
        assert (
            wait_for(served, cast.tokens["production"], job_id, "done", "failed")["status"]
            == "done"
        )
        report = httpx.get(
            f"{served.base}/v1/scans/{job_id}/report", headers=cast.tokens["production"], timeout=30
        ).json()
    [thumbnail] = [a["thumbnail"] for a in report["appearances"] if a["thumbnail"]]
    assert thumbnail.startswith("data:image/jpeg;base64,")
    encoded = thumbnail.partition(",")[2]
    secrets = {
        "thumbnail base64": encoded[len(encoded) // 2 :][:64].encode(),
        "thumbnail jpeg": window(base64.b64decode(encoded)),
    }
    assert plaintext_on_disk([cast.home], secrets) == {}  # database, WAL and all


def test_a_platform_scan_names_the_platform_on_its_flags_and_log_entries(
    cast: Cast, tmp_path: Path
) -> None:
    """Bo has no consent: his face in a platform's upload is flagged, and the flag and
    its log entry say which account submitted the scan."""
    upload = face_image(tmp_path / "upload.png", [Block(GREEN, x=300, y=100)])
    platform = cast.tokens["platform"]
    with fake_server(cast.home) as served:
        job_id = submit(served, platform, cast.ids["film"], upload)
        assert wait_for(served, platform, job_id, "done", "failed")["status"] == "done"
        report = httpx.get(
            f"{served.base}/v1/scans/{job_id}/report", headers=platform, timeout=30
        ).json()
        [flagged] = [a for a in report["appearances"] if a["decision"] == "not_covered"]
        receipt = httpx.get(
            f"{served.base}/v1/log/receipts/{flagged['flag_id']}",
            headers=cast.tokens["auditor"],
            timeout=30,
        ).json()
    entry = decode_entry(base64.b64decode(receipt["entry"]))
    assert entry["type"] == "appearance.flagged"
    assert entry["ids"] == {
        "performer": cast.ids["bo"],
        "production": cast.ids["film"],
        "account": cast.accounts["platform"],
    }
    services = build_services(load_settings(home=cast.home), encoders=fake_encoders())
    try:
        [flag] = services.scans.flags_for(cast.ids["bo"])
    finally:
        services.close()
    assert flag.submitted_by == cast.accounts["platform"]
    assert flag.log_index == flagged["flag_id"]
