"""A scan with a file it could not read: the portal's scan page names each such file and
why, in its status line and above the results, and the inbox does not call the scan
clean (a clearance page must never look clean for a file that was not scanned)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from likeness.bootstrap import Services
from tests.api_world import World
from tests.integration.test_portal import log_in
from tests.integration.test_scan_progress import _poll, _submit, clip, portal, world

__all__ = ["clip", "portal", "world"]  # fixtures from test_scan_progress.py


def _done(text: str) -> bool:
    return 'id="scan-state">done<' in text


def test_a_file_not_scanned_is_named_on_the_scan_page_and_in_the_inbox(
    fake_services: Services, world: World, portal: Callable[[], TestClient], clip: Path
) -> None:
    bad = clip.with_name("bad.mp4")
    bad.write_bytes(os.urandom(4000))  # no decoder reads it
    http = portal()
    token = log_in(http, "production")
    url = _submit(http, token, clip, bad)
    status = _poll(http, url, _done)
    assert '<strong id="scan-unscanned">1 of 2 files not scanned</strong>' in status
    assert "Not scanned: <strong>bad.mp4</strong> &mdash; not a media file" in status
    assert "Not scanned: <strong>take 3.mp4</strong>" not in status
    assert 'id="not-scanned"' in http.get(url).text  # the whole page too, not only the poll
    inbox = http.get("/portal/inbox").text
    assert "1 file could not be scanned: nothing uncovered in the rest" in inbox
    assert "bad.mp4 finished: nothing uncovered" not in inbox


def test_a_scan_of_readable_files_lists_none_as_not_scanned(
    fake_services: Services, world: World, portal: Callable[[], TestClient], clip: Path
) -> None:
    http = portal()
    token = log_in(http, "production")
    status = _poll(http, _submit(http, token, clip), _done)
    assert "not scanned" not in status.lower()
    assert "take 3.mp4 finished: nothing uncovered" in http.get("/portal/inbox").text
