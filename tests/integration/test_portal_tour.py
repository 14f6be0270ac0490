"""The portal's tour without a browser (tests/portal_tour.py): every page route of the
app is visited by some role or said not to be a page, every role opens each page of its
tour, and no page's text shows a bare ULID (ids only in id chips, beside a name). The
same tour runs in Chromium with axe-core in test_portal_accessibility.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from likeness.api.app import create_app, fastapi_app
from likeness.bootstrap import build_services, initialise
from likeness.settings import load_settings
from likeness.testing import fake_encoders
from tests.api_world import ROLES
from tests.integration.test_portal import log_in
from tests.portal_tour import (
    ANONYMOUS,
    LOOPBACK,
    NOT_PAGES,
    REFUSED,
    VISITS,
    TourWorld,
    bare_ids,
    build_tour_world,
    page_routes,
    unvisited,
    visible_text,
)


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TourWorld, object]]:
    root = tmp_path_factory.mktemp("tour")
    with pytest.MonkeyPatch.context() as env:
        env.delenv("LIKENESS_DATABASE_URL", raising=False)  # one store for the module
        settings = load_settings(home=root / "home", egress_allow=LOOPBACK)
        initialise(settings)
        services = build_services(settings, encoders=fake_encoders())
        world = build_tour_world(services, root)
        yield world, create_app(services, deliver_webhooks=False)
        services.close()


def test_every_page_route_is_visited_or_said_not_to_be_a_page(
    tour: tuple[TourWorld, object],
) -> None:
    _, app = tour
    routes = page_routes(app)
    assert "/portal" in routes and "/login" in routes  # the listing finds the app's pages
    assert unvisited(app) == [], "add a Visit to tests/portal_tour.py (or a NOT_PAGES reason)"
    assert not set(NOT_PAGES) & {v.route for v in VISITS}
    stale = {v.route for v in VISITS} - routes
    assert stale == set(), "visits of routes the app no longer has"
    assert {role for v in VISITS for role in v.roles} == {ANONYMOUS, *ROLES}


def test_a_page_route_without_a_visit_is_named(tour: tuple[TourWorld, object]) -> None:
    world, _ = tour
    app = create_app(world.world.services, deliver_webhooks=False)
    before = unvisited(app)

    def nowhere() -> str:
        return "a page no role visits"

    fastapi_app(app).add_api_route("/portal/nowhere/{thing_id}", nowhere, methods=["GET"])
    fastapi_app(app).add_api_route("/portal/nowhere", nowhere, methods=["POST"])  # not a page
    assert unvisited(app) == sorted([*before, "/portal/nowhere/{thing_id}"])


@pytest.mark.parametrize("role", [ANONYMOUS, *ROLES])
def test_each_role_opens_its_pages_and_no_page_shows_a_bare_id(
    tour: tuple[TourWorld, object], role: str
) -> None:
    world, app = tour
    http = TestClient(app, base_url="https://testserver", follow_redirects=False)
    if role != ANONYMOUS:
        log_in(http, world.world.usernames[role])
    problems: list[str] = []
    pages = [(url, 200) for _, url in world.visits(role)]
    pages += [(url, status) for refused, url, status in REFUSED if refused == role]
    for url, status in pages:
        answer = http.get(url, follow_redirects=True)
        if answer.status_code != status:
            problems.append(f"{url}: {answer.status_code}, not {status}")
            continue
        assert answer.headers["content-type"].startswith("text/html"), url
        for around in bare_ids(visible_text(answer.text)):
            problems.append(f"{url} shows a bare id: ...{around}...")
    assert problems == [], f"as {role}:\n" + "\n".join(problems)


def test_the_visible_text_leaves_out_id_chips_only() -> None:
    """The check itself: an id in a chip is not reported; one in a cell, a link or a
    heading is, with the text around it."""
    ulid = "01JABCDEFGHJKMNPQRSTVWXYZ0"
    chip = f'<span class="id-chip"><code class="id">{ulid}</code><button>Copy id</button></span>'
    html = (
        f"<html><head><title>{ulid}</title></head><body><p>Ada Lovelace {chip}</p>"
        f"<ul><li>first<li>second</ul><script>var id = '{ulid}';</script></body></html>"
    )
    assert bare_ids(visible_text(html)) == []
    assert "Ada Lovelace" in visible_text(html) and "second" in visible_text(html)
    for shown in (f"<td>{ulid}</td>", f'<a href="/x">{ulid}</a>', f"<h1>Scan {ulid}</h1>"):
        found = bare_ids(visible_text(f"<body><p>Who: {shown}</p></body>"))
        assert len(found) == 1 and "Who:" in found[0], shown
    assert bare_ids(visible_text(f'<body><a href="/portal/consents/{ulid}">Ada</a></body>')) == []
