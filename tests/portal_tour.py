"""A tour of the portal: every page route of the app, and for each role of
``tests/api_world.py`` the URLs to visit, with real ids from a world that has something
on every page (a scan with appearances, flags, a takedown notice).

A route must be visited by some role (``VISITS``) or listed in ``NOT_PAGES`` with why:
``unvisited`` names the rest, and the tests fail on them. Adding a page is one line in
``VISITS``: its route as the app declares it, the URL with ``{placeholders}`` from
``TourWorld.ids``, and the roles that may open it.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from likeness.api.app import fastapi_app
from likeness.bootstrap import Services
from likeness.domain.log_events import WEBHOOK_EVENTS
from likeness.domain.scan import ScanOptions
from likeness.domain.scan_job import ScanJobStatus
from likeness.store.scan_jobs import ScanJobRepository, ScanJobRow
from likeness.testing.media import GREEN, RED, Block, face_image
from tests.api_world import ROLES, World, build_world
from tests.clips import make_clip
from tests.integration.test_calibration import PEOPLE, labelled_folder

ANONYMOUS = "anonymous"  # no session: the pages anyone may open
PERFORMER_SIDE = ("performer", "representative")
LOOPBACK = ("127.0.0.1/32",)  # egress the tour world's webhook needs to be accepted
PAGE_PREFIXES = ("/portal", "/login", "/logout", "/retention")

# Crockford base-32, as ULIDs are written (no I, L, O, U), 26 characters, not inside a word.
ULID = re.compile(r"(?<![0-9A-Za-z])[0-9A-HJKMNP-TV-Z]{26}(?![0-9A-Za-z])")


@dataclass(frozen=True)
class Visit:
    route: str  # the path as the app declares it
    url: str  # with {placeholders} from TourWorld.ids
    roles: tuple[str, ...]
    # A standalone document (printable notice, downloadable report): no portal menu,
    # skip link or main landmark of base.html, but the same checks otherwise.
    document: bool = False


# One line per page and set of roles that may see it.
VISITS: tuple[Visit, ...] = (
    Visit("/login", "/login", (ANONYMOUS,)),
    Visit("/retention", "/retention", (ANONYMOUS, *ROLES)),
    Visit("/portal", "/portal", ROLES),  # the auditor's is the log page (a redirect)
    Visit("/portal/webhooks", "/portal/webhooks", (*PERFORMER_SIDE, "production", "admin")),
    Visit("/portal/consents/new", "/portal/consents/new", ("production", "admin")),
    Visit(
        "/portal/consents/{consent_id}",
        "/portal/consents/{consent}",
        (*PERFORMER_SIDE, "production", "admin"),
    ),
    Visit("/portal/consents/{consent_id}", "/portal/consents/{requested}", PERFORMER_SIDE),
    Visit("/portal/uses/new", "/portal/uses/new", ("production", "admin")),
    Visit("/portal/uses/new", "/portal/uses/new?consent_id={consent}", ("production",)),
    Visit("/portal/scans", "/portal/scans", ("production", "admin")),
    Visit("/portal/scans/{job_id}", "/portal/scans/{scan}", ("production", "admin")),
    Visit("/portal/scans/{job_id}", "/portal/scans/{job}", ("production",)),
    Visit(
        "/portal/scans/{job_id}/report.html",
        "/portal/scans/{scan}/report.html",
        ("production", "admin"),
        document=True,
    ),
    Visit(
        "/portal/takedowns/{takedown_id}/notice.html",
        "/portal/takedowns/{takedown}/notice.html",
        PERFORMER_SIDE,
        document=True,
    ),
    Visit("/portal/log", "/portal/log", ("auditor", "admin")),
    Visit("/portal/account", "/portal/account", ROLES),
    Visit("/portal/inbox", "/portal/inbox", ROLES),
    Visit("/portal/admin", "/portal/admin", ("admin",)),
    Visit("/portal/admin/accounts", "/portal/admin/accounts", ("admin",)),
    Visit("/portal/admin/accounts/{account_id}", "/portal/admin/accounts/{account}", ("admin",)),
    Visit("/portal/admin/performers", "/portal/admin/performers", ("admin",)),
    Visit(
        "/portal/admin/performers/{performer_id}",
        "/portal/admin/performers/{performer}",
        ("admin",),
    ),
    Visit("/portal/admin/productions", "/portal/admin/productions", ("admin",)),
    Visit("/portal/admin/retention", "/portal/admin/retention", ("admin",)),
    Visit("/portal/admin/webhooks", "/portal/admin/webhooks", ("admin",)),
    Visit("/portal/calibration", "/portal/calibration", ("auditor", "admin")),
    Visit("/portal/enrolment", "/portal/enrolment", PERFORMER_SIDE),
    Visit("/portal/watch", "/portal/watch", ("admin",)),
    Visit("/portal/watch/runs/{task_id}", "/portal/watch/runs/{watch_run}", ("admin",)),
    Visit("/portal/enrolment/remove", "/portal/enrolment/remove?modality=face", PERFORMER_SIDE),
)

# The error page a role gets instead (status): a page it may not open, one that is not
# there. Checked like the rest.
REFUSED: tuple[tuple[str, str, int], ...] = (
    ("performer", "/portal/scans", 403),
    ("production", "/portal/no-such-page", 404),
)

# GET routes under the portal's prefixes that are not pages, and why.
NOT_PAGES: dict[str, str] = {
    "/": "a redirect to /portal or /login, both visited",
    "/portal/uses/consent-fields": "an htmx fragment of the use form, whose template "
    "/portal/uses/new?consent_id= renders in the page (visited)",
    "/portal/receipts/{index}": "a JSON download (a log receipt)",
    "/portal/scans/{job_id}/signed": "a file download (the signed copy)",
}


def page_routes(app: Any) -> set[str]:
    """The GET routes of the portal as the app declares them (``create_app``'s answer)."""
    from fastapi.routing import iter_route_contexts

    routes = iter_route_contexts(fastapi_app(app).routes)
    return {
        r.path
        for r in routes
        if r.path is not None
        and "GET" in (r.methods or ())
        and (r.path == "/" or r.path.startswith(PAGE_PREFIXES))
    }


def unvisited(app: Any) -> list[str]:
    """Page routes that no visit covers and ``NOT_PAGES`` does not explain."""
    covered = {v.route for v in VISITS} | set(NOT_PAGES)
    return sorted(page_routes(app) - covered)


@dataclass
class TourWorld:
    world: World
    ids: dict[str, str] = field(default_factory=dict)  # placeholders of the visits' URLs

    def visits(self, role: str) -> list[tuple[Visit, str]]:
        """What ``role`` opens on the tour: each visit and its URL."""
        return [(v, v.url.format(**self.ids)) for v in VISITS if role in v.roles]


def build_tour_world(services: Services, scratch: Path) -> TourWorld:
    """``build_world`` plus what makes the pages non-empty: a webhook of Ada's (the
    settings must allow loopback egress: ``LOOPBACK``), Ada Lovelace and Bo Other
    enrolled (as fake faces: ``services`` must use the fake encoders), a finished scan of
    The Long Night in which Ada is covered and Bo is not, a scan of Other Film that flags
    Ada, a takedown notice Ada drafted from that flag, a finished watch run over a
    folder holding the clip, and a face calibration on a labelled folder."""
    world = build_world(services)
    performer = services.accounts.get_account(world.accounts["performer"])
    # a subscriber on a closed loopback port: the deliveries the scans cause stay failed
    events = [event.value for event in WEBHOOK_EVENTS]
    services.webhooks.subscribe(performer, "http://127.0.0.1:9/likeness", events)
    ada = face_image(scratch / "ada.png", [Block(RED)])
    bo = face_image(scratch / "bo.png", [Block(GREEN)])
    services.enrolment.enrol(world.performer, [ada])
    services.enrolment.enrol(world.performer_other, [bo])
    clip = make_clip(scratch / "clip.mp4", [(0, 3, ada), (3, 5, None), (5, 8, bo)], size=(640, 360))
    report = services.scans.scan([clip], ScanOptions(production_id=world.production))
    scan = services.ids.new()
    with services.database.write() as connection:
        ScanJobRepository(connection).add(
            ScanJobRow(
                id=scan,
                account_id=world.accounts["production"],
                production_id=world.production,
                status=ScanJobStatus.DONE,
                options=json.dumps(ScanOptions(world.production).to_json()),
                media=(clip.name,),
                report=json.dumps(report.to_json()),
                shows=(),
                error=None,
                created_at=services.clock.now(),
                finished_at=services.clock.now(),
            )
        )
    elsewhere = services.scans.scan([clip], ScanOptions(production_id=world.production_other))
    [flag] = [
        a.flag_log_index
        for a in elsewhere.appearances()
        if a.performer_id == world.performer and a.flag_log_index is not None
    ]
    takedown = services.takedowns.draft(
        performer, flag, "https://videos.example/watch?v=1", contact="ada@example.org"
    )
    admin = services.accounts.get_account(world.accounts["admin"])
    released = scratch / "released"
    released.mkdir()
    shutil.copy(clip, released / "trailer.mp4")
    services.watch.add(str(released), world.production, added_by=admin.id)
    run = services.watch_runs.start(admin)
    deadline = time.monotonic() + 120
    while not services.watch_runs.get(admin, run.id).status.finished:
        if time.monotonic() > deadline:
            raise RuntimeError("the tour world's watch run did not finish")
        time.sleep(0.05)
    # a calibration with its distance histogram: the calibration page draws its chart
    people = labelled_folder(scratch / "calibration", PEOPLE)
    services.calibrations.calibrate(people, target_fmr=0.05, created_by="cli:tour")
    ids = {
        "consent": world.consent,
        "requested": world.requested,
        "job": world.job,
        "scan": scan,
        "takedown": takedown.takedown.id,
        "performer": world.performer,
        "account": world.accounts["performer"],
        "watch_run": run.id,
    }
    return TourWorld(world, ids)


class _VisibleText(HTMLParser):
    """The text a reader sees in ``<body>``, as ``innerText`` gives it, less what the
    id chips show: scripts, styles, templates, ``hidden`` elements and ``.id-chip``
    elements are left out."""

    VOID = frozenset(
        [
            "area",
            "base",
            "br",
            "col",
            "embed",
            "hr",
            "img",
            "input",
            "link",
            "meta",
            "source",
            "track",
            "wbr",
        ]
    )
    SKIPPED = frozenset({"script", "style", "template", "head", "title", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # open elements: tag, left out

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        named = dict(attrs)
        classes = (named.get("class") or "").split()
        skipped = (
            tag in self.SKIPPED or "hidden" in named or "id-chip" in classes or self._left_out()
        )
        self._stack.append((tag, skipped))

    def handle_endtag(self, tag: str) -> None:
        # an end tag closes the elements HTML closes implicitly inside it (<li>, <p>...)
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth][0] == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self._left_out():
            self.parts.append(data)

    def _left_out(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def bare_ids(text: str, width: int = 40) -> list[str]:
    """Each ULID in ``text`` with the text around it (white space collapsed)."""
    text = " ".join(text.split())
    return [text[max(0, m.start() - width) : m.end() + width].strip() for m in ULID.finditer(text)]


def roles_of(visits: Iterable[Visit]) -> set[str]:
    return {role for v in visits for role in v.roles}
