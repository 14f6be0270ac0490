"""Where media lives while it waits or is worked on: sealed files (a queued scan job's
uploads) refuse any tampering, in-memory files are readable by path (from another
process too, as a Ray worker reads them) and leave nothing when released, and scan
jobs seal what they store and drop what an erasure made stale."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from likeness.bootstrap import Services
from likeness.domain.account import Role
from likeness.domain.scan import ScanOptions, ScanReport
from likeness.domain.scan_job import ScanJobStatus
from likeness.errors import VaultError
from likeness.scan.memory_files import MemoryFiles
from likeness.services.scan_jobs import ScanJobService
from likeness.store.scan_jobs import ScanJobRepository, ScanJobRow
from likeness.store.sealed_files import CHUNK, SealedWriter, new_key, read_sealed
from likeness.store.secret_box import SecretBox
from likeness.testing.media import GREEN, RED, Block, face_image
from tests.api_world import bearer, client
from tests.casting import cast_with_consent

FILM = bytes(range(256)) * (CHUNK // 256 * 2 + 7)  # a little over two chunks


def sealed(path: Path, key: bytes, data: bytes = FILM, *, pieces: int = 1000) -> Path:
    with SealedWriter(path, key, "job/clip.mp4") as out:
        for start in range(0, len(data), pieces):
            out.write(data[start : start + pieces])
    return path


def test_a_sealed_file_reads_back_and_holds_no_plaintext(tmp_path: Path) -> None:
    key = new_key()
    path = sealed(tmp_path / "clip.sealed", key, pieces=77_777)
    stored = path.read_bytes()
    assert FILM[1000:1064] not in stored and len(stored) > len(FILM)
    assert b"".join(read_sealed(path, key, "job/clip.mp4")) == FILM
    empty = sealed(tmp_path / "empty.sealed", key, b"")
    assert b"".join(read_sealed(empty, key, "job/clip.mp4")) == b""


@pytest.mark.parametrize("damage", ["cut at a chunk", "cut mid-chunk", "swapped", "flipped"])
def test_a_damaged_sealed_file_is_refused(tmp_path: Path, damage: str) -> None:
    key = new_key()
    path = sealed(tmp_path / "clip.sealed", key)
    data = path.read_bytes()
    first = 4 + 12 + CHUNK + 16  # length, nonce, chunk, tag
    if damage == "cut at a chunk":
        data = data[: first * 2]  # the third (last) chunk dropped
    elif damage == "cut mid-chunk":
        data = data[: first + 100]
    elif damage == "swapped":
        data = data[first : first * 2] + data[:first] + data[first * 2 :]
    else:
        data = data[:50] + bytes([data[50] ^ 1]) + data[51:]
    path.write_bytes(data)
    with pytest.raises(VaultError, match="damaged or cut short"):
        b"".join(read_sealed(path, key, "job/clip.mp4"))


def test_a_sealed_file_opens_only_with_its_key_and_name(tmp_path: Path) -> None:
    key = new_key()
    path = sealed(tmp_path / "clip.sealed", key)
    with pytest.raises(VaultError):
        b"".join(read_sealed(path, new_key(), "job/clip.mp4"))
    with pytest.raises(VaultError):
        b"".join(read_sealed(path, key, "other-job/clip.mp4"))


def test_memory_files_are_read_by_path_and_gone_when_released(tmp_path: Path) -> None:
    memory = MemoryFiles(tmp_path / "held")
    photo = face_image(tmp_path / "face.png", [Block(RED)]).read_bytes()
    with memory.folder() as folder:
        held = folder.add("000-face.png")
        held.write(photo)
        assert held.path.suffix == ".png" and held.path.is_symlink()
        assert held.path.read_bytes() == photo
        # another process of this machine (a Ray worker) reads the same path
        other = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sys; sys.stdout.buffer.write(open({str(held.path)!r}, 'rb').read())",
            ],
            capture_output=True,
            check=True,
        )
        assert other.stdout == photo
        on_disk = [p for p in (tmp_path / "held").rglob("*") if p.is_file() and not p.is_symlink()]
        assert on_disk == []
        link = held.path
    assert not link.exists() and list((tmp_path / "held").iterdir()) == []
    with memory.folder() as folder, pytest.raises(ValueError):
        folder.add("../escape.png")


def test_a_crashed_process_leaves_links_that_sweep_removes(tmp_path: Path) -> None:
    root = tmp_path / "held"
    crashed = subprocess.run(  # holds a file, then dies without releasing it
        [
            sys.executable,
            "-c",
            "import os, sys; from pathlib import Path; from likeness.scan.memory_files import "
            "MemoryFiles; held = MemoryFiles(Path(sys.argv[1])).folder(); "
            "held.__enter__().add('x.png').write(b'face'); os._exit(9)",
            str(root),
        ],
        check=False,
    )
    assert crashed.returncode == 9
    [left] = list(root.iterdir())
    [link] = list(left.iterdir())
    assert link.is_symlink() and not link.exists()  # the memory died with the process
    memory = MemoryFiles(root)
    with memory.folder() as live:
        live.add("y.png").write(b"live")
        assert memory.sweep() == 1
        assert [p.name for p in root.iterdir()] == [live.path.name]  # ours stays


def seal_service(services: Services, scans: Any) -> ScanJobService:
    """The scan-job service of ``services`` scanning with ``scans``."""
    from concurrent.futures import ThreadPoolExecutor

    return ScanJobService(
        database=services.database,
        clock=services.clock,
        ids=services.ids,
        scans=scans,
        root=services.layout.root / "jobs",
        executor=ThreadPoolExecutor(1),
        reports=SecretBox(services.master_key, "scan-report"),
        memory=services.memory,
        tasks=services.tasks,
    )


def test_a_report_showing_a_performer_erased_during_the_scan_is_not_kept(
    fake_services: Services, tmp_path: Path
) -> None:
    """Erasure looks for stored reports showing the performer; one still being scanned
    cannot be seen then, so it is dropped when it is done."""
    services = fake_services
    ids = cast_with_consent(services, "ada", "bo")
    services.enrolment.enrol(ids["bo"], [face_image(tmp_path / "bo.png", [Block(RED)])])
    admin = services.accounts.add_account("admin", Role.ADMIN)

    class ErasingScans:
        def scan(self, paths: list[Path], options: ScanOptions, **named: Any) -> ScanReport:
            report = services.scans.scan(paths, options, **named)
            assert report.appearances()[0].performer_id == ids["bo"]
            services.registry.erase_performer(ids["bo"])  # meanwhile
            return report

    jobs = seal_service(services, ErasingScans())
    staged = jobs.stage()
    with staged.upload("scene.png") as out:
        out.write(face_image(tmp_path / "scene.png", [Block(RED, x=50)]).read_bytes())
    job_id = jobs.submit(admin, staged, ScanOptions(ids["film"])).id
    for _ in range(200):
        job = jobs.get(admin, job_id)
        if job.status.finished:
            break
        time.sleep(0.05)
    assert job.status is ScanJobStatus.ERASED and job.report is None
    assert job.error == "erased with a performer it showed"


THUMBNAIL = "data:image/jpeg;base64," + "QUJD" * 40 + "LEGACYTHUMBNAIL"


def legacy_job(services: Services, ids: dict[str, str], account_id: str) -> str:
    """A done job whose report (showing Ada) an older version stored in clear."""
    thumbnail = THUMBNAIL
    appearance = {
        "media": "clip.mp4",
        "performer_id": ids["ada"],
        "modality": "face",
        "start": "1.00",
        "end": "2.00",
        "score": 0.1,
        "thumbnail": thumbnail,
        "frames": ["1.00"],
        "decision": "unknown",
        "consent_id": None,
        "reasons": [],
    }
    report = ScanReport(ids["film"], ()).to_json() | {"appearances": [appearance]}
    report["media"] = [
        {
            "path": "clip.mp4",
            "sha256": "0" * 64,
            "status": "scanned",
            "error": None,
            "duration": 3.0,
        }
    ]
    job_id = services.ids.new()
    with services.database.write() as connection:
        ScanJobRepository(connection).add(
            ScanJobRow(
                id=job_id,
                account_id=account_id,
                production_id=ids["film"],
                status=ScanJobStatus.DONE,
                options=json.dumps(ScanOptions(ids["film"]).to_json()),
                media=("clip.mp4",),
                report=json.dumps(report),
                shows=(),
                error=None,
                created_at=services.clock.now(),
                finished_at=services.clock.now(),
            )
        )
    return job_id


def test_reports_stored_in_clear_are_sealed_at_start_up(fake_services: Services) -> None:
    """A report written by a version before sealing is sealed at the next start, and
    still reads the same."""
    services = fake_services
    ids = cast_with_consent(services, "ada", "bo")
    admin = services.accounts.add_account("admin", Role.ADMIN)
    job_id = legacy_job(services, ids, admin.id)
    home = services.layout.root

    def stored() -> bytes:
        """SQLite: the database files (the clear copy's pages are zeroed). PostgreSQL: the
        live rows only (no version stored reports in clear there: PostgreSQL came later,
        and a dead row of a clear report would outlive the sealing)."""
        if services.database.engine.dialect.name == "sqlite":
            return b"".join(p.read_bytes() for p in home.glob("likeness.db*"))
        with services.database.read() as connection:
            rows = connection.execute(text("SELECT report FROM scan_jobs")).scalars()
            return "".join(r or "" for r in rows).encode()

    assert b"LEGACYTHUMBNAIL" in stored()
    services.scan_jobs.interrupt_unfinished()  # what serve runs at start-up
    assert b"LEGACYTHUMBNAIL" not in stored()
    shown = services.scan_jobs.get(admin, job_id).report
    assert shown is not None and shown.appearances()[0].thumbnail == THUMBNAIL


def test_an_unreadable_report_in_clear_is_dropped_at_start_up(fake_services: Services) -> None:
    services = fake_services
    ids = cast_with_consent(services, "ada", "bo")
    admin = services.accounts.add_account("admin", Role.ADMIN)
    job_id = legacy_job(services, ids, admin.id)
    with services.database.write() as connection:
        connection.execute(
            text("UPDATE scan_jobs SET report = :report WHERE id = :id"),
            {"report": '{"media": "LEGACYTHUMBNAIL, no longer readable"}', "id": job_id},
        )
    services.scan_jobs.interrupt_unfinished()
    job = services.scan_jobs.get(admin, job_id)
    assert job.status is ScanJobStatus.FAILED and job.report is None
    assert "cannot read" in (job.error or "")
    with services.database.read() as connection:
        rows = connection.execute(text("SELECT report FROM scan_jobs")).scalars()
        assert all(r is None or "LEGACYTHUMBNAIL" not in r for r in rows)
    if services.database.engine.dialect.name == "sqlite":  # and its pages are zeroed
        assert b"LEGACYTHUMBNAIL" not in b"".join(
            p.read_bytes() for p in services.layout.root.glob("likeness.db*")
        )


@pytest.mark.parametrize("sealed_first", [False, True])
def test_erasure_removes_reports_showing_the_performer(
    fake_services: Services, sealed_first: bool
) -> None:
    """Whether a report is still in clear (an older version, before the next start) or
    sealed, erasing a performer it shows removes it; others' reports stay."""
    services = fake_services
    ids = cast_with_consent(services, "ada", "bo")
    admin = services.accounts.add_account("admin", Role.ADMIN)
    showing = legacy_job(services, ids, admin.id)
    if sealed_first:
        services.scan_jobs.interrupt_unfinished()
    services.registry.erase_performer(ids["bo"])  # not in the report
    assert services.scan_jobs.get(admin, showing).status is ScanJobStatus.DONE
    services.registry.erase_performer(ids["ada"])
    job = services.scan_jobs.get(admin, showing)
    assert job.status is ScanJobStatus.ERASED and job.report is None


def test_a_refused_upload_is_named_not_located(fake_services: Services, tmp_path: Path) -> None:
    """An upload held in memory is refused by its name, never by where the server holds
    it (the data home's path is nobody's business)."""
    services = fake_services
    ids = cast_with_consent(services, "ada", "bo")
    admin = services.accounts.add_account("admin", Role.ADMIN)
    token = services.accounts.create_api_key(admin.id).token
    two = face_image(tmp_path / "two.png", [Block(RED), Block(GREEN, x=400, y=300, size=100)])
    with client(services) as http:
        answer = http.post(
            f"/v1/performers/{ids['ada']}/enrolment",
            headers=bearer(token),
            files={"files": (two.name, two.read_bytes(), "image/png")},
        )
    error = answer.json()["error"]
    assert error["kind"] == "invalid", answer.text
    assert error["message"].startswith("000-two.png: found 2 faces"), error
    assert str(services.layout.root) not in answer.text
