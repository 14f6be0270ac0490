"""``POST /v1/check/media`` and scan jobs over HTTP with the real face model, against a
real server: faces are identified and decided, strangers are ``unknown``, and the
recognition runs off the event loop (the server keeps answering meanwhile)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from likeness.bootstrap import build_services, initialise
from likeness.settings import load_settings
from tests.api_world import World, bearer, build_world, use_body
from tests.server import running_server

pytestmark = [pytest.mark.slow, pytest.mark.model]
FACES = Path(__file__).parents[1] / "assets" / "faces"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    settings = load_settings(home=tmp_path_factory.mktemp("media") / "home")
    initialise(settings)
    services = build_services(settings)
    world = build_world(services)
    services.enrolment.enrol(world.performer, [FACES / "obama.jpg"])  # world's performer
    services.close()
    with running_server(settings.home) as base:
        yield world, base


def check_media(base: str, world: World, photo: Path) -> httpx.Response:
    return httpx.post(
        f"{base}/v1/check/media",
        headers=bearer(world.tokens["platform"]),
        files={"file": (photo.name, photo.read_bytes(), "image/jpeg")},
        data={"use": json.dumps(use_body(world.production, world.today))},
        timeout=300,
    )


def test_the_server_answers_while_a_photo_is_being_recognised(served: tuple[World, str]) -> None:
    world, base = served
    finished: list[float] = []

    def slow() -> None:  # the first check loads dlib's models: seconds of work
        check_media(base, world, FACES / "obama2.jpg")
        finished.append(time.monotonic())

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.3)
    answered = []
    while worker.is_alive() and len(answered) < 20:
        httpx.get(f"{base}/healthz", timeout=30).raise_for_status()
        answered.append(time.monotonic())
    worker.join()
    assert answered, "the check finished before the first health check was sent"
    assert finished and answered[0] < finished[0]  # served while recognition ran


def test_a_consented_face_is_covered_and_a_stranger_is_unknown(served: tuple[World, str]) -> None:
    world, base = served
    known = check_media(base, world, FACES / "obama2.jpg")
    assert known.status_code == 200, known.text
    body = known.json()
    [finding] = body["findings"]
    assert finding["performer_id"] == world.performer
    assert finding["decision"] == "covered"
    assert finding["consent_id"] is None  # a platform is not told which consent covers it
    assert world.consent not in known.text
    assert len(finding["where"]) == 4 and finding["distance"] < 0.5
    assert body["covered"] is True
    assert body["receipt"]["index"] == body["log_index"]

    stranger = check_media(base, world, FACES / "biden.jpg").json()
    assert [f["decision"] for f in stranger["findings"]] == ["unknown"]
    assert stranger["findings"][0]["performer_id"] is None


def test_a_file_that_is_not_an_image_is_refused(served: tuple[World, str]) -> None:
    world, base = served
    answer = httpx.post(
        f"{base}/v1/check/media",
        headers=bearer(world.tokens["platform"]),
        files={"file": ("face.jpg", b"not a picture at all", "image/jpeg")},
        data={"use": json.dumps(use_body(world.production, world.today))},
        timeout=60,
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["kind"] == "invalid"
    bad_use = httpx.post(
        f"{base}/v1/check/media",
        headers=bearer(world.tokens["platform"]),
        files={"file": ("face.jpg", (FACES / "obama2.jpg").read_bytes(), "image/jpeg")},
        data={"use": "{not json"},
        timeout=60,
    )
    assert bad_use.status_code == 422
    assert "'use' field" in bad_use.json()["error"]["message"]


def test_a_scan_job_over_http_reports_each_upload_by_its_name(served: tuple[World, str]) -> None:
    world, base = served
    headers = bearer(world.tokens["production"])
    submitted = httpx.post(
        f"{base}/v1/scans",
        headers=headers,
        files=[
            ("files", ("obama2.jpg", (FACES / "obama2.jpg").read_bytes(), "image/jpeg")),
            ("files", ("empty.mp4", b"\x00" * 100, "video/mp4")),
        ],
        data={"production_id": world.production},
        timeout=60,
    )
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()
    assert job["status"] in ("queued", "running")
    deadline = time.monotonic() + 300
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = httpx.get(f"{base}/v1/scans/{job['id']}", headers=headers, timeout=30).json()
    assert job["status"] == "done", job
    report = httpx.get(f"{base}/v1/scans/{job['id']}/report", headers=headers, timeout=30).json()
    faces = [a for a in report["appearances"] if a["performer_id"] == world.performer]
    assert faces and faces[0]["decision"] == "covered"
    assert faces[0]["media"] == "obama2.jpg"  # uploaded names, not server paths
    broken = [m for m in report["media"] if m["path"] == "empty.mp4"]
    assert broken and broken[0]["status"] == "error"
    assert "/jobs/" not in json.dumps(report)
