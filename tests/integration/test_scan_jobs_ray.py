"""A scan job on Ray: its uploads, sealed while queued, are opened into in-memory files
whose paths (links to ``/proc/<pid>/fd/<n>``) Ray's worker processes read. Slow tier
(Ray starts); the fake encoders, in a process of its own (as tests/ray_scan.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from likeness.bootstrap import build_services, initialise
from likeness.settings import load_settings
from likeness.testing import fake_encoders
from likeness.testing.media import RED, Block, face_image
from tests.casting import cast_with_consent
from tests.ray_scan import run_for_json

pytestmark = pytest.mark.slow

JOB = """
import json, sys, time
from pathlib import Path
from likeness.bootstrap import build_services
from likeness.domain.account import Role
from likeness.domain.scan import ScanOptions
from likeness.settings import load_settings
from likeness.testing import fake_encoders

home, film, photo = sys.argv[1:]
settings = load_settings(home=Path(home), scan_runner="ray")
services = build_services(settings, encoders=fake_encoders())
try:
    admin = services.accounts.add_account("admin", Role.ADMIN)
    jobs = services.scan_jobs
    staged = jobs.stage()
    with staged.upload("scene.png") as out:
        out.write(Path(photo).read_bytes())
    job_id = jobs.submit(admin, staged, ScanOptions(film)).id
    for _ in range(1200):
        job = jobs.get(admin, job_id)
        if job.status.finished:
            break
        time.sleep(0.1)
    print(json.dumps({"status": job.status.value, "error": job.error,
                      "report": None if job.report is None else job.report.to_json()}))
finally:
    services.close()
"""


def test_a_scan_job_on_ray_reads_its_uploads_from_memory(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    initialise(settings)
    services = build_services(settings, encoders=fake_encoders())
    try:
        ids = cast_with_consent(services, "ada", "bo")
        services.enrolment.enrol(ids["ada"], [face_image(tmp_path / "ada.png", [Block(RED)])])
    finally:
        services.close()
    scene = face_image(tmp_path / "scene.png", [Block(RED, x=300, y=150)])
    answer = run_for_json("-c", JOB, str(settings.home), ids["film"], str(scene))
    assert answer["status"] == "done", answer["error"]
    [media] = answer["report"]["media"]
    assert media["path"] == "scene.png" and media["status"] == "scanned"
    assert [a["performer_id"] for a in answer["report"]["appearances"]] == [ids["ada"]]
    assert list((settings.home / "jobs").iterdir()) == []
