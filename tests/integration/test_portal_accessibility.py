"""Every portal page, for every role that may see it (the tour of tests/portal_tour.py,
whose routes come from the app), in Debian's Chromium against one ``likeness serve``:
axe-core (npm, tests/browser) finds no serious or critical violation; at 375 px wide the
page scrolls only vertically; a skip link moves the focus to the main content; and the
visible text holds no bare ULID (ids only in id chips, beside a name)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from likeness.api.app import create_app
from likeness.bootstrap import build_services, initialise
from likeness.settings import load_settings
from likeness.testing import fake_encoders
from tests.api_world import PASSWORD, ROLES
from tests.integration.test_scan_report_browser import CHROMIUM, FLAGS
from tests.portal_tour import (
    ANONYMOUS,
    LOOPBACK,
    REFUSED,
    TourWorld,
    Visit,
    bare_ids,
    build_tour_world,
    unvisited,
)
from tests.server import running_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = Path(__file__).parents[1] / "browser" / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}

# The visible text without the id chips (innerText follows the CSS: hidden is left out).
TEXT_WITHOUT_CHIPS = """() => {
  const chips = [...document.querySelectorAll('.id-chip')];
  chips.forEach(c => c.setAttribute('data-tour-hidden', c.style.display));
  chips.forEach(c => c.style.display = 'none');
  const text = document.body.innerText;
  chips.forEach(c => c.style.display = c.getAttribute('data-tour-hidden'));
  return text;
}"""

# What makes the page wider than the screen: elements past its right edge that are not
# inside something that scrolls by itself (a .table-wrap), shallowest first.
TOO_WIDE = """(width) => {
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return true; }
    return false; };
  const classes = el => typeof el.className === 'string' && el.className.trim()
    ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes(el);
  return [...document.body.querySelectorAll('*')]
    .filter(el => el.getBoundingClientRect().right > width + 0.5 && !scrolls(el))
    .slice(0, 5).map(el => name(el) + ' ' + Math.round(el.getBoundingClientRect().right) + 'px');
}"""


NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)))"


@dataclass
class Findings:
    pages: int = 0
    expected: int = 0  # pages the tour should check
    axe: list[str] = field(default_factory=list)  # serious or critical violations
    minor: list[str] = field(default_factory=list)  # the others, printed
    wide: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    keyboard: list[str] = field(default_factory=list)
    unvisited: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TourWorld, str, list[str]]]:
    root = tmp_path_factory.mktemp("accessibility")
    with pytest.MonkeyPatch.context() as env:
        env.delenv("LIKENESS_DATABASE_URL", raising=False)  # one store, the server's too
        settings = load_settings(home=root / "home", egress_allow=LOOPBACK)
        initialise(settings)
        services = build_services(settings, encoders=fake_encoders())
        tour = build_tour_world(services, root)
        missing = unvisited(create_app(services, deliver_webhooks=False))
        services.close()
        # development: plain http keeps the session cookie (production's is Secure)
        with running_server(settings.home, environment="development") as base:
            yield tour, base, missing


def axe_violations(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe(where: str, violation: dict[str, Any]) -> str:
    targets = [" ".join(map(str, n["target"])) for n in violation["nodes"][:4]]
    return f"{where}: {violation['impact']} {violation['id']} ({violation['help']}) at {targets}"


def check_page(page: Any, where: str, visit: Visit | None, found: Findings) -> None:
    """Every check on a page just opened (the keyboard's first, from the top)."""
    found.pages += 1
    if visit is None or not visit.document:  # a printable document has no menu to skip
        check_skip_link(page, where, found)
    page.set_viewport_size(DESKTOP)
    seen = set()
    for violation in axe_violations(page):
        seen.add(violation["id"])
        line = describe(where, violation)
        (found.axe if violation["impact"] in FAILING_IMPACTS else found.minor).append(line)
    for around in bare_ids(page.evaluate(TEXT_WITHOUT_CHIPS)):
        found.ids.append(f"{where} shows a bare id: ...{around}...")
    page.set_viewport_size(PHONE)
    page.evaluate(NEXT_FRAME)  # the page's resize handlers run (layout.js)
    # again on a phone: what only a narrow screen shows (a scroller that takes no focus)
    for violation in axe_violations(page):
        if violation["id"] not in seen:
            line = describe(f"{where} at 375 px", violation)
            (found.axe if violation["impact"] in FAILING_IMPACTS else found.minor).append(line)
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        culprits = page.evaluate(TOO_WIDE, PHONE["width"])
        found.wide.append(f"{where}: {width} px wide at 375 px: {culprits}")


def check_skip_link(page: Any, where: str, found: Findings) -> None:
    """The first Tab stop is the skip link, and Enter on it moves the focus to main. A
    page that focuses a field on arrival (the login form) has the link just before it."""
    autofocused = page.evaluate("document.activeElement !== document.body")
    page.keyboard.press("Shift+Tab" if autofocused else "Tab")
    first = page.evaluate("[document.activeElement.className, document.activeElement.hash]")
    if first != ["skip", "#main"]:  # no Enter then: it might press some other button
        found.keyboard.append(f"{where}: the first Tab stop is {first}, not the skip link")
        return
    page.keyboard.press("Enter")
    focused = page.evaluate("document.activeElement.id")
    if focused != "main":
        found.keyboard.append(f"{where}: the skip link moved the focus to {focused!r}")


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/portal.*"))


@pytest.fixture(scope="module")
def findings(served: tuple[TourWorld, str, list[str]]) -> Findings:
    """The whole tour, once: each role in its own browser context, each of its pages."""
    from playwright import sync_api as playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("the browser tests need Debian's chromium (scripts/system-deps installs it)")
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/browser-deps (npm ci in tests/browser)")
    tour, base, missing = served
    found = Findings(unvisited=missing)
    found.expected = len(REFUSED) + sum(len(tour.visits(r)) for r in (ANONYMOUS, *ROLES))
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        for role in (ANONYMOUS, *ROLES):
            # bypass_csp: axe is injected into pages whose policy forbids scripts (the notice)
            context = browser.new_context(bypass_csp=True, viewport=DESKTOP)
            page = context.new_page()
            if role != ANONYMOUS:
                log_in(page, base, tour.world.usernames[role])
            for visit, url in tour.visits(role):
                answer = page.goto(f"{base}{url}")
                if answer is None or answer.status != 200:
                    found.answers.append(f"{url} as {role}: {answer and answer.status}")
                    continue
                check_page(page, f"{url} as {role}", visit, found)
            for url, status in [(u, s) for r, u, s in REFUSED if r == role]:
                answer = page.goto(f"{base}{url}")
                if answer is None or answer.status != status:
                    found.answers.append(f"{url} as {role}: {answer and answer.status}")
                    continue
                check_page(page, f"{url} ({status}) as {role}", None, found)
            context.close()
        browser.close()
    print(f"\n{found.pages} pages checked; axe's minor and moderate findings:")
    print("\n".join(found.minor) or "none")
    return found


def test_every_page_route_is_on_the_tour(findings: Findings) -> None:
    assert findings.unvisited == [], "add a Visit to tests/portal_tour.py (or a NOT_PAGES reason)"
    assert findings.answers == []
    assert findings.pages == findings.expected > 60  # every role's pages, not an empty tour


def test_no_serious_or_critical_axe_violation_on_any_page(findings: Findings) -> None:
    assert findings.axe == [], "\n".join(findings.axe)


def test_every_page_scrolls_only_vertically_at_375_px(findings: Findings) -> None:
    assert findings.wide == [], "\n".join(findings.wide)


def test_a_skip_link_moves_the_focus_to_the_main_content(findings: Findings) -> None:
    assert findings.keyboard == [], "\n".join(findings.keyboard)


def test_no_page_shows_a_bare_ulid(findings: Findings) -> None:
    assert findings.ids == [], "\n".join(findings.ids)


def test_the_checks_catch_a_page_that_breaks_them() -> None:
    """The same checks on a page made to fail each: an unlabelled field and faint text
    (axe), a table wider than a phone outside a .table-wrap, an id outside a chip."""
    from playwright import sync_api as playwright

    bad = """<!doctype html><html lang="en"><head><title>Bad</title></head><body>
      <a class="skip" href="#main">Skip to content</a><main id="main" tabindex="-1">
      <h1>Bad</h1><input type="text" name="who"><p style="color:#ccc">faint</p>
      <table style="width:900px"><tr><td>wide</td></tr></table>
      <p>Who: 01JABCDEFGHJKMNPQRSTVWXYZ0 <span class="id-chip">01JABCDEFGHJKMNPQRSTVWXYZ1</span></p>
      </main></body></html>"""
    found = Findings()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport=DESKTOP)
        page.set_content(bad)
        check_page(page, "bad", None, found)
        page.set_content(
            '<!doctype html><html lang="en"><title>No skip</title><body><main id="main">'
            "<h1>No skip link</h1><button>Go</button></main></body></html>"
        )
        check_page(page, "no skip link", None, found)
        browser.close()
    rules = {line.split()[2] for line in found.axe}
    assert {"label", "color-contrast"} <= rules
    assert len(found.wide) == 1 and "table" in found.wide[0]
    assert len(found.ids) == 1 and "Who: 01JABCDEFGHJKMNPQRSTVWXYZ0" in found.ids[0]
    assert len(found.keyboard) == 1 and found.keyboard[0].startswith("no skip link: ")
