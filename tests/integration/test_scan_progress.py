"""A scan's progress and cancelling it, in the portal and the API: the stage and percent
while it runs, a cancel that stops it and shreds its uploads, nobody else seeing or
cancelling it, the CSRF check, and a credential job's signing stage."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from likeness.api.app import create_app
from likeness.bootstrap import Services
from likeness.errors import TaskCancelledError
from likeness.testing.encoders import FakeFaceEncoder
from likeness.testing.media import GREEN, RED, Block, face_image
from tests.api_world import World, bearer, build_world
from tests.clips import make_clip
from tests.integration.test_portal import log_in

SIZE = (320, 240)
PAUSES: list[Pause] = []  # released when each test ends, whatever happened


@pytest.fixture
def world(fake_services: Services, tmp_path: Path) -> World:
    # Every report written: a scan held still would otherwise show the last report the
    # throttle let through (test_task_board.py tests the throttle itself).
    fake_services.tasks.interval = 0.0
    built = build_world(fake_services)
    # Ada (red) has a granted face consent in the production; Bo (green) has none there.
    fake_services.enrolment.enrol(built.performer, [face_image(tmp_path / "a.png", [Block(RED)])])
    fake_services.enrolment.enrol(
        built.performer_other, [face_image(tmp_path / "b.png", [Block(GREEN)])]
    )
    return built


@pytest.fixture
def portal(fake_services: Services) -> Callable[[], TestClient]:
    """A new browser (its own cookies) on the portal, each time it is called."""
    app = create_app(fake_services, deliver_webhooks=False)
    return lambda: TestClient(app, base_url="https://testserver", follow_redirects=False)


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    """Ada's face from 1 s to 7 s of an 8 s clip: 17 samples at the scan's 2 per second."""
    ada = face_image(tmp_path / "ada-shot.png", [Block(RED, x=100)], size=SIZE)
    return make_clip(tmp_path / "take 3.mp4", [(0, 1, None), (1, 7, ada), (7, 8, None)], size=SIZE)


class Pause:
    """Holds the scan inside detection at its ``after``-th whole-frame search until
    released: the work is the real scan, only held still while the test looks at it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, after: int) -> None:
        PAUSES.append(self)
        self.reached = threading.Event()
        self.release = threading.Event()
        self.calls = 0
        real = FakeFaceEncoder.detect

        def detect(encoder: FakeFaceEncoder, image: Any, **named: Any) -> Any:
            self.calls += 1
            if self.calls == after:
                self.reached.set()
                assert self.release.wait(20), "the test never released the scan"
            return real(encoder, image, **named)

        monkeypatch.setattr(FakeFaceEncoder, "detect", detect)


def _submit(http: TestClient, token: str, *clips: Path) -> str:
    answer = http.post(
        "/portal/scans",
        data={"csrf_token": token},
        files=[("files", (clip.name, clip.read_bytes(), "video/mp4")) for clip in clips],
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].partition("?")[0]


def _poll(http: TestClient, url: str, until: Callable[[str], bool]) -> str:
    text = ""
    for _ in range(400):
        text = http.get(url, headers={"hx-request": "true"}).text
        if until(text):
            return text
        time.sleep(0.05)
    raise AssertionError(text)


def _percent(text: str) -> int:
    found = re.search(r'<progress id="scan-progress" max="100" value="(\d+)"', text)
    assert found is not None, text
    return int(found.group(1))


def test_a_running_scan_shows_its_stage_and_percent_then_names_and_a_timeline(
    fake_services: Services,
    world: World,
    portal: Callable[[], TestClient],
    clip: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pause = Pause(monkeypatch, after=2)  # the search at 2 s, the fifth sample of 17
    http = portal()
    token = log_in(http, "production")
    assert "data-upload-progress" in http.get("/portal/scans").text
    url = _submit(http, token, clip)
    assert pause.reached.wait(20)
    running = _poll(http, url, lambda t: 'id="scan-stage">detecting<' in t)
    assert _percent(running) == 5 * 100 // 17  # the fifth sample is being searched
    assert 'id="scan-state">running<' in running
    full = http.get(url).text
    assert 'id="cancel-scan"' in full and f'action="{url}/cancel"' in full
    # Another process of the server reads the same board: the API answers it too.
    api = TestClient(create_app(fake_services, deliver_webhooks=False))
    job = api.get(f"/v1/scans/{url.rsplit('/', 1)[1]}", headers=bearer(world.tokens["production"]))
    progress = job.json()["progress"]
    assert progress["stage"] == "detecting" and progress["total"] == 17
    assert progress["done"] == 5 and progress["percent"] == 29

    pause.release.set()
    done = _poll(http, url, lambda t: 'id="scan-state">done<' in t)
    assert "<progress" not in done and 'hx-swap-oob="true"' in done  # the Cancel form goes
    assert 'hx-get="' not in done  # polling stops
    who = re.findall(r'<span class="who-name">([^<]+)</span>', done)
    assert who == ["Ada Lovelace"]
    assert f'data-copy="{world.performer}"' in done  # the id beside the name, in a chip
    assert "<figure class='scan-timeline' data-media='take 3.mp4'>" in done
    assert "<svg class='timeline'" in done and "src='data:image/jpeg;base64," in done
    assert "Ada Lovelace (face), 0:01–0:0" in done  # the timeline names her too


def test_cancelling_stops_the_scan_and_shreds_its_uploads(
    fake_services: Services,
    world: World,
    portal: Callable[[], TestClient],
    clip: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    pause = Pause(monkeypatch, after=2)
    http = portal()
    token = log_in(http, "production")
    bo = face_image(tmp_path / "bo-shot.png", [Block(GREEN, x=100)], size=SIZE)
    second = make_clip(tmp_path / "take 4.mp4", [(0, 4, bo)], size=SIZE)
    url = _submit(http, token, clip, second)
    job_id = url.rsplit("/", 1)[1]
    assert pause.reached.wait(20)
    running = _poll(http, url, lambda t: "detecting (file 1 of 2)" in t)
    assert _percent(running) == 5 * 100 // (17 + 9)  # samples of both files expected
    folder = fake_services.layout.root / "jobs" / job_id
    assert folder.is_dir() and any(folder.iterdir())  # its sealed upload, while it runs
    held = fake_services.layout.root / "held"
    assert any(held.iterdir())  # the upload opened into memory

    answer = http.post(f"{url}/cancel", data={"csrf_token": token})
    assert answer.status_code == 303
    shown = http.get(answer.headers["location"]).text
    assert "Cancelling: the scan stops at its next step." in shown
    assert 'id="scan-cancelling">cancelling<' in shown
    pause.release.set()
    ended = _poll(http, url, lambda t: 'id="scan-state">cancelled<' in t)
    assert "cancelled before it finished" in ended
    assert not folder.exists()  # shredded
    assert list(held.iterdir()) == []  # the in-memory copy is gone
    assert pause.calls == 2  # no whole-frame search after the cancel, in neither file
    assert fake_services.scans.flag_count() == 0
    for _ in range(100):  # the decoding thread stopped with the scan
        if not any(t.name == "likeness-decode" for t in threading.enumerate()):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the decoding thread outlived its scan")
    task = fake_services.tasks.get(job_id)
    assert task is not None and task.status.value == "cancelled"
    again = http.post(f"{url}/cancel", data={"csrf_token": token})
    assert again.status_code == 409
    assert "there is nothing to cancel" in again.text


def test_another_production_neither_sees_nor_cancels_it_and_csrf_is_checked(
    fake_services: Services,
    world: World,
    portal: Callable[[], TestClient],
    clip: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pause = Pause(monkeypatch, after=2)
    http = portal()
    token = log_in(http, "production")
    url = _submit(http, token, clip)
    job_id = url.rsplit("/", 1)[1]
    assert pause.reached.wait(20)

    other = portal()
    other_token = log_in(other, "production-other")
    for answer in (
        other.get(url),
        other.get(url, headers={"hx-request": "true"}),
        other.post(f"{url}/cancel", data={"csrf_token": other_token}),
    ):
        assert answer.status_code == 403
        assert "detecting" not in answer.text and "take 3.mp4" not in answer.text
    api = TestClient(create_app(fake_services, deliver_webhooks=False))
    refused = api.post(
        f"/v1/scans/{job_id}/cancel", headers=bearer(world.tokens["production_other"])
    )
    assert refused.status_code == 403
    assert "take 3.mp4" not in refused.text
    # Without the session's CSRF token, the owner's own cancel is refused too.
    assert http.post(f"{url}/cancel", data={}).status_code == 403
    assert http.post(f"{url}/cancel", data={"csrf_token": "x" * 43}).status_code == 403
    task = fake_services.tasks.get(job_id)
    assert task is not None and task.cancel_requested_at is None

    pause.release.set()
    assert 'id="scan-state">done<' in _poll(http, url, lambda t: 'scan-state">done' in t)


def test_the_api_cancels_a_queued_scan_and_refuses_a_finished_one(
    fake_services: Services, world: World, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pause = Pause(monkeypatch, after=1)
    api = TestClient(create_app(fake_services, deliver_webhooks=False))
    headers = bearer(world.tokens["production"])

    def submit() -> str:
        answer = api.post(
            "/v1/scans",
            files={"files": (clip.name, clip.read_bytes(), "video/mp4")},
            data={"production_id": world.production},
            headers=headers,
        )
        assert answer.status_code == 202, answer.text
        assert answer.json()["progress"]["stage"] == "queued"
        return str(answer.json()["id"])

    first = submit()  # holds the one scan worker (LIKENESS_SCAN_WORKERS defaults to 1)
    assert pause.reached.wait(20)
    second = submit()  # waits behind it
    cancelled = api.post(f"/v1/scans/{second}/cancel", headers=headers)
    assert cancelled.status_code == 202
    assert cancelled.json()["progress"]["cancel_requested"] is True
    pause.release.set()
    for job_id, status in ((first, "done"), (second, "cancelled")):
        for _ in range(400):
            job = api.get(f"/v1/scans/{job_id}", headers=headers).json()
            if job["status"] not in ("queued", "running"):
                break
            time.sleep(0.05)
        assert job["status"] == status, job
        assert job["progress"] is None
    assert not (fake_services.layout.root / "jobs" / second).exists()
    finished = api.post(f"/v1/scans/{first}/cancel", headers=headers)
    assert finished.status_code == 409
    assert "has finished (done)" in finished.json()["error"]["message"]


def test_a_credential_signing_reports_its_signing_stage(
    fake_services: Services, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import likeness.services.credentials as credentials

    reached, release = threading.Event(), threading.Event()
    real = credentials.sign_into

    def held_sign_into(*args: Any, **named: Any) -> Any:
        reached.set()
        assert release.wait(20)
        return real(*args, **named)

    monkeypatch.setattr(credentials, "sign_into", held_sign_into)
    api = TestClient(create_app(fake_services, deliver_webhooks=False))
    headers = bearer(world.tokens["production"])
    still = face_image(tmp_path / "poster.jpg", [Block(RED)])
    job = api.post(
        "/v1/credentials",
        files={"file": (still.name, still.read_bytes(), "image/jpeg")},
        data={"production_id": world.production},
        headers=headers,
    ).json()
    assert reached.wait(20)
    progress = api.get(f"/v1/scans/{job['id']}", headers=headers).json()["progress"]
    assert progress["stage"] == "signing" and progress["percent"] == 99
    release.set()
    for _ in range(400):
        done = api.get(f"/v1/credentials/{job['id']}", headers=headers).json()
        if done["status"] == "done":
            break
        time.sleep(0.05)
    assert done["credential"]["status"] == "issued"


@pytest.fixture(autouse=True)
def _no_paused_scan_left(fake_services: Services) -> Iterator[None]:
    """A failed test's held scan is let go before its services close (they wait for it)."""
    yield
    while PAUSES:
        PAUSES.pop().release.set()


def test_a_cancel_inside_detection_stops_the_detector_and_its_decoding_thread(
    fake_services: Services, clip: Path
) -> None:
    """Not one file's failure (the batch would go on to the next file): the whole
    detection stops, and the thread decoding ahead stops and closes the file."""
    seen: list[float] = []

    def cancel_at_third(path: Path, at: float) -> None:
        seen.append(at)
        if len(seen) == 3:
            raise TaskCancelledError("01J0000000000000000000000T")

    answers = fake_services.detector.detect([clip, clip], 2.0, cancel_at_third)
    with pytest.raises(TaskCancelledError):
        next(answers)
    assert seen == [0.0, 0.5, 1.0]
    for _ in range(100):
        if not any(t.name == "likeness-decode" for t in threading.enumerate()):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the decoding thread outlived the detection")
