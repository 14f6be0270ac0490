"""Names, not ids, on the portal pages of consents, dashboards and the downloadable scan
report: each page shows the person's name or the production's title, and an id only
inside an id chip (tests/portal_tour.py's visible text leaves chips out)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from likeness.api.app import create_app
from likeness.bootstrap import build_services, initialise
from likeness.domain.scan import ScanOptions
from likeness.domain.scan_job import ScanJobStatus
from likeness.settings import load_settings
from likeness.store.scan_jobs import ScanJobRepository, ScanJobRow
from likeness.testing import FixedClock
from tests.api_world import World, build_world
from tests.integration.test_portal import log_in
from tests.portal_tour import bare_ids, visible_text


@pytest.fixture
def world(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[World, TestClient]]:
    settings = load_settings(home=tmp_path / "home")
    initialise(settings, clock=clock)
    services = build_services(settings, clock=clock)
    app = create_app(services, deliver_webhooks=False)
    http = TestClient(app, base_url="https://testserver", follow_redirects=False)
    yield build_world(services), http
    services.close()


def shown(http: TestClient, url: str) -> tuple[str, str]:
    answer = http.get(url)
    assert answer.status_code == 200, (url, answer.status_code, visible_text(answer.text))
    return answer.text, visible_text(answer.text)


def test_the_performers_dashboard_names_each_request_by_production_and_project(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    log_in(http, "performer")
    html, text = shown(http, "/portal")
    assert bare_ids(text) == []
    # the request waiting for her: a link reading the production (its project has the
    # same name), to the consent's page; the id beside it in a chip
    link = re.search(rf'<a href="/portal/consents/{w.requested}">([^<]+)</a>', html)
    assert link is not None and link.group(1) == "The Long Night"
    assert f'data-copy="{w.requested}"' in html


def test_the_production_and_admin_dashboards_name_performers(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    log_in(http, "production")
    html, text = shown(http, "/portal")
    assert bare_ids(text) == []
    link = re.search(rf'<a href="/portal/consents/{w.consent}">([^<]+)</a>', html)
    assert link is not None and link.group(1) == "Ada Lovelace"  # the project is the title
    http.cookies.clear()
    log_in(http, "admin")
    html, text = shown(http, "/portal")
    assert bare_ids(text) == []
    # every production's consents: both parties, and the project where it is not the title
    assert "Bo Other for Other Film: The Long Night" in text
    assert "Ada Lovelace for The Long Night" in text


@pytest.mark.parametrize("role", ["performer", "production"])
def test_the_consent_page_names_performer_production_and_project(
    world: tuple[World, TestClient], role: str
) -> None:
    w, http = world
    log_in(http, w.usernames[role])
    html, text = shown(http, f"/portal/consents/{w.consent}")
    assert bare_ids(text) == []
    assert "Performer Ada Lovelace" in text and "Production The Long Night (Northlight)" in text
    title = re.search(r"<title>(.*?)</title>", html)
    assert title is not None and w.consent not in title.group(1)
    assert "Ada Lovelace" in title.group(1)


def test_the_downloadable_report_names_people_and_the_production(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    services = w.services
    report = {
        "production_id": w.production,
        "media": [
            {
                "path": "trailer.mp4",
                "sha256": "ab",
                "status": "scanned",
                "error": None,
                "duration": 20.0,
            }
        ],
        "appearances": [
            {
                "media": "trailer.mp4",
                "performer_id": w.performer_other,
                "modality": "face",
                "start": 4.0,
                "end": 9.5,
                "score": 0.41,
                "decision": "not_covered",
                "consent_id": None,
                "reasons": [
                    {
                        "rule": "B2.1",
                        "message": f"no consent from performer {w.performer_other} is on file",
                    }
                ],
                "thumbnail": "",
                "frames": [4.0],
            }
        ],
    }
    job = services.ids.new()
    with services.database.write() as connection:
        ScanJobRepository(connection).add(
            ScanJobRow(
                id=job,
                account_id=w.accounts["production"],
                production_id=w.production,
                status=ScanJobStatus.DONE,
                options=json.dumps(ScanOptions(w.production).to_json()),
                media=("trailer.mp4",),
                report=json.dumps(report),
                shows=(),
                error=None,
                created_at=services.clock.now(),
                finished_at=services.clock.now(),
            )
        )
    log_in(http, "production")
    html, text = shown(http, f"/portal/scans/{job}/report.html")
    assert "<title>Clearance scan: The Long Night</title>" in html
    assert "<td class='who'>Bo Other</td>" in html
    assert "no consent from performer Bo Other is on file" in text
    assert "Bo Other — face" in html  # the timeline's lane
    assert re.findall(r"class='tick-label'[^>]*>([^<]+)<", html)[-1] == "0:20"
    assert bare_ids(text) == [] and w.production not in html
