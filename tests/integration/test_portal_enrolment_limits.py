"""Enrolment in the portal at its edges, without the models: a verdict never shows where
the server held an upload, and a form takes a bounded number of files."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from likeness.api.app import create_app
from likeness.bootstrap import build_services, initialise
from likeness.settings import load_settings
from likeness.testing import FixedClock, fake_encoders
from tests.api_world import World, build_world
from tests.integration.test_portal import log_in

Upload = tuple[str, tuple[str, bytes, str]]


@pytest.fixture
def performer(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[World, TestClient, str]]:
    settings = load_settings(home=tmp_path / "home")
    initialise(settings, clock=clock)
    services = build_services(settings, clock=clock, encoders=fake_encoders())
    http = TestClient(
        create_app(services, deliver_webhooks=False),
        base_url="https://testserver",
        follow_redirects=False,
    )
    w = build_world(services)
    yield w, http, log_in(http, w.usernames["performer"])
    services.close()


def noise(name: str, size: int = 5000) -> Upload:
    return ("files", (name, os.urandom(size), "application/octet-stream"))


def verdict_of(html: str, name: str) -> str:
    """The verdict message shown beside the file ``name``."""
    found = re.search(
        rf'<span class="verdict-file">{re.escape(name)}</span>.*?'
        r'<span class="verdict-message">([^<]*)</span>',
        html,
        re.S,
    )
    assert found is not None, html
    return unescape(found.group(1))


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("video", "not a media file FFmpeg can read"),
        ("voice", "not a readable audio or video file"),
    ],
)
@pytest.mark.parametrize("htmx", [True, False])
def test_a_verdict_names_the_upload_never_where_the_server_held_it(
    performer: tuple[World, TestClient, str], kind: str, said: str, htmx: bool
) -> None:
    """The decoder's own message repeats the path it read (``'/tmp/.../000-a.mp4'``):
    the verdict says the name the file was sent with instead."""
    w, http, csrf = performer
    answer = http.post(
        "/portal/enrolment/check",
        headers={"HX-Request": "true"} if htmx else {},
        data={"csrf_token": csrf, "kind": kind},
        files=[noise("a.mp4")],
    )
    assert answer.status_code == 200
    message = verdict_of(answer.text, "a.mp4")
    assert said in message
    assert "'a.mp4'" in message  # where the decoder named the held file
    home = str(w.services.settings.home)
    for leak in ("/tmp", home, str(Path(home).parent), "/held/", "000-a.mp4"):
        assert leak not in unescape(answer.text), leak


def send(http: TestClient, url: str, kind: str, count: int, csrf: str) -> str:
    """``count`` files of noise sent with the form of ``kind``: the answer's text."""
    files = [noise(f"file{n}.bin", 100) for n in range(count)]
    return unescape(http.post(url, data={"csrf_token": csrf, "kind": kind}, files=files).text)


@pytest.mark.parametrize(
    ("kind", "most", "said"),
    [
        ("face", 10, "one form takes at most 10 photos, not 11; nothing was read"),
        ("video", 1, "one form takes one video, not 2 files; nothing was read"),
        ("voice", 5, "one form takes at most 5 recordings, not 6; nothing was read"),
    ],
)
def test_a_check_takes_a_bounded_number_of_files(
    performer: tuple[World, TestClient, str], kind: str, most: int, said: str
) -> None:
    _, http, csrf = performer
    at_most = send(http, "/portal/enrolment/check", kind, most, csrf)
    assert len(re.findall(r'class="verdict-file"', at_most)) == most  # each one checked
    over = send(http, "/portal/enrolment/check", kind, most + 1, csrf)
    assert said in over
    assert 'class="verdict-file"' not in over  # none was looked at


@pytest.mark.parametrize(
    ("kind", "most", "said"),
    [
        ("face", 10, "one form takes at most 10 photos, not 11"),
        ("voice", 5, "one form takes at most 5 recordings, not 6"),
    ],
)
def test_enrolling_takes_a_bounded_number_of_files(
    performer: tuple[World, TestClient, str], kind: str, most: int, said: str
) -> None:
    w, http, csrf = performer
    log_size = w.services.ledger.size()
    files = [noise(f"file{n}.bin", 100) for n in range(most + 1)]
    over = http.post(f"/portal/enrolment/{kind}", data={"csrf_token": csrf}, files=files)
    assert over.status_code == 422
    assert f"Nothing was enrolled: {said}" in unescape(over.text)
    assert w.services.ledger.size() == log_size
    page = http.get("/portal/enrolment").text
    assert f"up to {most} at a time" in page  # the form says its bound before it is sent
