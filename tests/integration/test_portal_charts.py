"""Charts in the portal: the performer's earnings and the log's growth."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from likeness.api.app import create_app
from likeness.bootstrap import Services, build_services, initialise
from likeness.services.inputs import PerformerInput
from likeness.settings import load_settings
from likeness.testing import FixedClock
from tests.api_world import PASSWORD, World, build_world

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def services(tmp_path: Path, clock: FixedClock) -> Iterator[Services]:
    settings = load_settings(home=tmp_path / "home")
    initialise(settings, clock=clock)
    built = build_services(settings, clock=clock)
    yield built
    built.close()


@pytest.fixture
def world(services: Services) -> World:
    return build_world(services)


def signed_in(services: Services, username: str) -> TestClient:
    http = TestClient(
        create_app(services, deliver_webhooks=False),
        base_url="https://testserver",
        follow_redirects=False,
    )
    form = http.get("/login").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert found is not None
    answer = http.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": found.group(1)},
    )
    assert answer.status_code == 303
    return http


def figure(html: str, ident: str) -> ET.Element:
    start = html.index(f'<figure class="chart" id="{ident}">')
    end = html.index("</figure>", start) + len("</figure>")
    return ET.fromstring(html[start:end])


def bars(element: ET.Element) -> list[tuple[str, float]]:
    found = []
    for rect in element.iter(f"{SVG}rect"):
        title = rect.find(f"{SVG}title")
        assert title is not None and title.text is not None
        found.append((title.text.split(":")[0], float(rect.get("data-value", "nan"))))
    return found


def test_the_performer_sees_earnings_by_month_and_by_production(
    world: World, services: Services
) -> None:
    [use] = services.uses.recent(performer_id=world.performer)
    owed = use.decision.total
    assert owed.amount > 0
    html = signed_in(services, "performer").get("/portal").text
    code = owed.currency.lower()
    by_month = figure(html, f"chart-earnings-month-{code}")
    drawn = bars(by_month)
    assert len(drawn) == 12  # the last twelve months, this one last
    this_month = date(world.today.year, world.today.month, 1).strftime("%b %Y")
    assert drawn[-1] == (this_month, float(owed.amount))
    assert all(value == 0 for _, value in drawn[:-1])
    text = "".join(by_month.itertext())
    assert f"{owed.amount:.2f} {owed.currency}" in text  # the table says it in words
    by_production = figure(html, f"chart-earnings-production-{code}")
    assert bars(by_production) == [("The Long Night", float(owed.amount))]


def test_a_performer_with_no_uses_is_told_so(world: World, services: Services) -> None:
    html = signed_in(services, "performer-other").get("/portal").text
    assert "No use owed you anything from" in html
    assert "No production&#39;s use owed you anything" in html or (
        "No production's use owed you anything" in html
    )
    assert '<figure class="chart" id="chart-earnings' not in html


def test_the_log_page_draws_the_logs_size_day_by_day(
    world: World, services: Services, clock: FixedClock
) -> None:
    first_day = services.ledger.size()
    auditor = signed_in(services, "auditor")
    chart = figure(auditor.get("/portal/log").text, "chart-log-growth")
    assert bars(chart)[-1][1] == first_day
    clock.advance(days=2)
    for name in ("Cy Third", "Di Fourth"):
        services.registry.add_performer(
            PerformerInput(legal_name=name, date_of_birth=date(1980, 1, 1))
        )
    added = services.ledger.size() - first_day
    assert added >= 2
    auditor = signed_in(services, "auditor")  # a session lasts 12 hours
    chart = figure(auditor.get("/portal/log").text, "chart-log-growth")
    values = [value for _, value in bars(chart)]
    assert values == [first_day, first_day, first_day + added]  # counted again only anew
    rows = [
        ["".join(cell.itertext()) for cell in row]
        for row in chart.iter("tr")
        if row.find("td") is not None
    ]
    assert rows[-1][1] == f"{first_day + added:,} entries (+{added:,})"
