"""The watch page: an admin lists the watched sources, adds one, runs the watcher now in
the background, follows the run's progress and cancels it. The feed is served on
127.0.0.1 by the test (allow-listed in the egress gate); nothing else is reached."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from likeness.api.app import create_app
from likeness.bootstrap import Services
from likeness.domain.task import TaskKind, TaskStatus
from likeness.errors import ConflictError
from likeness.testing.encoders import FakeFaceEncoder
from likeness.testing.media import GREEN, RED, Block, face_image
from tests.api_world import World, build_world
from tests.clips import make_clip
from tests.integration.test_portal import log_in
from tests.integration.test_watch import _rss, site, watching

__all__ = ["site", "watching"]  # fixtures from test_watch.py
SIZE = (320, 240)


@pytest.fixture
def world(watching: Services, site: tuple[Path, str], tmp_path: Path) -> Iterator[World]:
    watching.tasks.interval = 0.0  # every report written: a held run shows where it is
    built = build_world(watching)
    watching.enrolment.enrol(built.performer, [face_image(tmp_path / "a.png", [Block(RED)])])
    watching.enrolment.enrol(
        built.performer_other, [face_image(tmp_path / "b.png", [Block(GREEN)])]
    )
    root, base = site
    bo = face_image(tmp_path / "bo.png", [Block(GREEN, x=100)], size=SIZE)
    ada = face_image(tmp_path / "ada.png", [Block(RED, x=100)], size=SIZE)
    make_clip(root / "leak.mp4", [(0, 1, None), (1, 4, bo)], size=SIZE)
    make_clip(root / "trailer.mp4", [(0, 4, ada)], size=SIZE)
    (root / "feed.xml").write_text(_rss(base, ["leak.mp4", "trailer.mp4"]))
    yield built
    release.set()  # a failed test's held run is let go before the services close


release = threading.Event()


@pytest.fixture
def http(watching: Services) -> TestClient:
    release.clear()
    app = create_app(watching, deliver_webhooks=False)
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def _hold_second_search(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Holds the run inside its first item's scan (its second whole-frame search) until
    ``release`` is set."""
    reached = threading.Event()
    calls = [0]
    real = FakeFaceEncoder.detect

    def detect(encoder: FakeFaceEncoder, image: Any, **named: Any) -> Any:
        calls[0] += 1
        if calls[0] == 2:
            reached.set()
            assert release.wait(20)
        return real(encoder, image, **named)

    monkeypatch.setattr(FakeFaceEncoder, "detect", detect)
    return reached


def _poll(http: TestClient, url: str, pattern: str) -> str:
    text = ""
    for _ in range(400):
        text = http.get(url, headers={"hx-request": "true"}).text
        if re.search(pattern, text):
            return text
        time.sleep(0.05)
    raise AssertionError(text)


def test_an_admin_adds_a_source_runs_it_and_sees_the_outcome(
    watching: Services, world: World, site: tuple[Path, str], http: TestClient
) -> None:
    _, base = site
    token = log_in(http, "admin")
    added = http.post(
        "/portal/watch/sources",
        data={"csrf_token": token, "url": f"{base}/feed.xml", "production_id": world.production},
    )
    assert added.status_code == 303, added.text
    listing = http.get("/portal/watch").text
    assert f"{base}/feed.xml" in listing
    assert "The Long Night" in listing and f'data-copy="{world.production}"' in listing
    assert '<label for="source-url">' in listing and '<label for="source-production">' in listing

    ran = http.post("/portal/watch/run", data={"csrf_token": token})
    assert ran.status_code == 303
    url = ran.headers["location"].partition("?")[0]
    done = _poll(http, url, r'id="run-state">done<')
    assert "2 new items (1 clear, 1 flagged)" in done
    assert 'hx-swap-oob="true"' in done  # the Cancel form goes
    page = http.get("/portal/watch").text
    assert f"{base}/leak.mp4" in page and "state-flagged" in page
    assert "2 new items" in page  # the run listed among recent runs
    [flag] = watching.scans.flags_for(world.performer_other)
    assert flag.location == f"{base}/leak.mp4"


def test_a_run_shows_its_progress_and_a_cancel_stops_it(
    watching: Services,
    world: World,
    site: tuple[Path, str],
    http: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, base = site
    watching.watch.add(f"{base}/feed.xml", world.production)
    reached = _hold_second_search(monkeypatch)
    token = log_in(http, "admin")
    url = http.post("/portal/watch/run", data={"csrf_token": token}).headers["location"]
    url = url.partition("?")[0]
    assert reached.wait(20)
    running = _poll(http, url, r'id="run-stage">checking<')
    assert 'id="run-count">item 1 of 2<' in running
    assert '<progress id="run-progress" max="100" value="0">' in running
    assert 'id="cancel-run"' in http.get(url).text
    # A second run is refused while this one goes on.
    again = http.post("/portal/watch/run", data={"csrf_token": token})
    assert again.status_code == 409 and "under way" in again.text

    assert http.post(f"{url}/cancel", data={}).status_code == 403  # no CSRF token
    cancelled = http.post(f"{url}/cancel", data={"csrf_token": token})
    assert cancelled.status_code == 303
    assert 'id="run-cancelling">cancelling<' in http.get(url).text
    release.set()
    ended = _poll(http, url, r'id="run-state">cancelled<')
    assert "cancelled; the items checked before stay" in ended
    assert watching.watch.items() == []  # the item being checked was not recorded
    assert list((watching.layout.root / "held").iterdir()) == []
    # The next run takes the items up again.
    url = http.post("/portal/watch/run", data={"csrf_token": token}).headers["location"]
    assert "2 new items" in _poll(http, url.partition("?")[0], r'id="run-state">done<')


def test_only_admins_see_the_watch_page_and_runs(
    watching: Services, world: World, http: TestClient
) -> None:
    token = log_in(http, "admin")
    url = http.post("/portal/watch/run", data={"csrf_token": token}).headers["location"]
    url = url.partition("?")[0]
    _poll(http, url, r'id="run-state">done<')
    other = TestClient(
        create_app(watching, deliver_webhooks=False),
        base_url="https://testserver",
        follow_redirects=False,
    )
    other_token = log_in(other, "production")
    for answer in (
        other.get("/portal/watch"),
        other.get(url),
        other.post("/portal/watch/run", data={"csrf_token": other_token}),
        other.post(f"{url}/cancel", data={"csrf_token": other_token}),
        other.post(
            "/portal/watch/sources", data={"csrf_token": other_token, "url": "http://127.0.0.1/x"}
        ),
    ):
        assert answer.status_code == 403
        # The admin that every refusal allows is named once.
        assert "(allowed: admin)" in answer.text and "admin, admin" not in answer.text
    assert watching.watch.sources() == []


def test_a_run_whose_process_stopped_is_marked_failed_and_another_may_start(
    watching: Services, world: World
) -> None:
    admin = watching.accounts.get_account(world.accounts["admin"])
    # A run left running by a process that died: on the board, no thread behind it.
    orphan = watching.tasks.open(TaskKind.WATCH, admin.id)
    with pytest.raises(ConflictError, match="under way"):
        watching.watch_runs.start(admin)
    watching.clock.advance(minutes=9)  # type: ignore[attr-defined]
    assert watching.watch_runs.runs(admin)[0].status is TaskStatus.RUNNING  # not yet
    watching.clock.advance(minutes=2)  # type: ignore[attr-defined]
    [stale] = watching.watch_runs.runs(admin)
    assert stale.id == orphan.task_id and stale.status is TaskStatus.FAILED
    assert stale.message is not None and "stopped reporting" in stale.message
    # another may start (with no source to read it may have finished already)
    started = watching.watch_runs.start(admin)
    assert started.id != orphan.task_id
    assert started.status in (TaskStatus.RUNNING, TaskStatus.DONE)


def test_a_restart_ends_runs_no_live_process_holds_and_keeps_those_one_does(
    watching: Services,
    world: World,
    site: tuple[Path, str],
    http: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, base = site
    watching.watch.add(f"{base}/feed.xml", world.production)
    admin = watching.accounts.get_account(world.accounts["admin"])
    # A run left on the board by a process that died: nothing holds it.
    orphan = watching.tasks.open(TaskKind.WATCH, admin.id).task_id
    watching.clock.advance(minutes=11)  # type: ignore[attr-defined]
    reached = _hold_second_search(monkeypatch)
    held = watching.watch_runs.start(admin).id  # the orphan went stale: this one starts
    assert reached.wait(20)
    watching.tasks.open(TaskKind.WATCH, admin.id, task_id="01J0000000000000000000DEAD")
    # Another server process starts (the lock is per open file: this process's hold
    # counts as another's would), running its start-up inside the TestClient.
    with TestClient(create_app(watching, deliver_webhooks=False), base_url="https://testserver"):
        pass
    dead = watching.tasks.get("01J0000000000000000000DEAD")
    assert dead is not None and dead.status is TaskStatus.FAILED
    assert dead.message == "the server stopped before the run finished; run it again"
    running = watching.tasks.get(held)
    assert running is not None and running.status is TaskStatus.RUNNING  # its process lives
    token = log_in(http, "admin")
    page = http.get("/portal/watch/runs/01J0000000000000000000DEAD").text
    assert 'id="run-state">failed<' in page and "the server stopped before" in page
    stale = watching.tasks.get(orphan)
    assert stale is not None and stale.status is TaskStatus.FAILED
    release.set()
    _poll(http, f"/portal/watch/runs/{held}", r'id="run-state">done<')
    assert list((watching.layout.root / "watch-runs").iterdir()) == []  # let go when done
    assert http.post("/portal/watch/run", data={"csrf_token": token}).status_code == 303


def test_a_stale_run_is_ended_when_its_page_is_read(
    watching: Services, world: World, http: TestClient
) -> None:
    admin = watching.accounts.get_account(world.accounts["admin"])
    orphan = watching.tasks.open(TaskKind.WATCH, admin.id).task_id
    log_in(http, "admin")
    url = f"/portal/watch/runs/{orphan}"
    assert 'id="run-state">running<' in http.get(url, headers={"hx-request": "true"}).text
    watching.clock.advance(minutes=11)  # type: ignore[attr-defined]
    polled = http.get(url, headers={"hx-request": "true"}).text  # what the page polls
    assert 'id="run-state">failed<' in polled and "stopped reporting" in polled


def test_a_cancel_of_a_run_no_process_holds_ends_it_at_once(
    watching: Services, world: World, http: TestClient
) -> None:
    admin = watching.accounts.get_account(world.accounts["admin"])
    orphan = watching.tasks.open(TaskKind.WATCH, admin.id).task_id
    token = log_in(http, "admin")
    url = f"/portal/watch/runs/{orphan}"
    cancelled = http.post(f"{url}/cancel", data={"csrf_token": token})
    assert cancelled.status_code == 303 and "Cancelled." in unquote(cancelled.headers["location"])
    task = watching.tasks.get(orphan)
    assert task is not None and task.status is TaskStatus.CANCELLED
    assert task.message == "cancelled; no server process was running it any more"
    assert 'id="run-state">cancelled<' in http.get(url).text
    assert http.post("/portal/watch/run", data={"csrf_token": token}).status_code == 303
