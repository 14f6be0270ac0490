"""The calibration page: each calibration's rates and its distance histogram, drawn with
the chosen threshold, for admins and auditors only."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient

from likeness.api.app import create_app
from likeness.bootstrap import Services
from likeness.store.calibrations import CalibrationRepository
from tests.api_world import PASSWORD, build_world
from tests.integration.test_calibration import PEOPLE, expected_distances, labelled_folder

SVG = "{http://www.w3.org/2000/svg}"


def signed_in(services: Services, username: str) -> TestClient:
    http = TestClient(
        create_app(services, deliver_webhooks=False),
        base_url="https://testserver",
        follow_redirects=False,
    )
    found = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/login").text)
    assert found is not None
    answer = http.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": found.group(1)},
    )
    assert answer.status_code == 303
    return http


def test_the_page_draws_the_stored_distances_with_the_threshold(
    fake_services: Services, tmp_path: Path
) -> None:
    build_world(fake_services)
    folder = labelled_folder(tmp_path / "set", PEOPLE)
    run = fake_services.calibrations.calibrate(folder, target_fmr=0.05, created_by="cli:op")
    c = run.calibration
    stored = fake_services.calibrations.get(c.id)  # read back from the database
    assert stored.histogram == c.histogram and stored.histogram is not None
    genuine, impostor = expected_distances()
    html = signed_in(fake_services, "auditor").get("/portal/calibration").text
    start = html.index('<figure class="chart"')
    chart = ET.fromstring(html[start : html.index("</figure>", start) + len("</figure>")])
    groups = {g.get("data-name"): g for g in chart.iter(f"{SVG}g")}
    counted = {
        name: sum(int(r.get("data-count", "0")) for r in group) for name, group in groups.items()
    }
    assert counted == {"genuine": len(genuine), "impostor": len(impostor)}  # 2 and 13
    markers = {
        line.get("data-label"): float(line.get("data-value", "nan"))
        for line in chart.iter(f"{SVG}line")
        if line.get("class") == "marker"
    }
    assert markers == {"chosen": c.threshold, "default": 0.5}
    assert "fake-face@1" in html and "2 genuine, 13 impostor" in html
    assert "No: at least 60 impostor pairs with no false match are needed" in html
    assert "Ada Lovelace" not in html  # the operator's labels are never kept
    assert signed_in(fake_services, "admin").get("/portal/calibration").status_code == 200
    for role in ("performer", "production", "platform"):
        assert signed_in(fake_services, role).get("/portal/calibration").status_code == 403


def test_a_calibration_kept_before_histograms_says_where_to_find_them(
    fake_services: Services, tmp_path: Path
) -> None:
    build_world(fake_services)
    run = fake_services.calibrations.calibrate(labelled_folder(tmp_path / "set", PEOPLE))
    with fake_services.database.write() as connection:  # as a row written before them
        connection.exec_driver_sql("DELETE FROM calibrations")
        CalibrationRepository(connection).add(replace(run.calibration, histogram=None))
    html = signed_in(fake_services, "admin").get("/portal/calibration").text
    assert "made before distance histograms were kept" in html
    assert '<figure class="chart"' not in html


def test_no_calibration_yet_is_said(fake_services: Services) -> None:
    build_world(fake_services)
    html = signed_in(fake_services, "auditor").get("/portal/calibration").text
    assert "No calibration yet" in html and "0.5 for faces" in html
