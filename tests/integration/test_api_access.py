"""The authorisation matrix: every API endpoint × every role, allowed and denied.

Each role's account is tied to performer A or production X, as its role requires; the
``*_other`` accounts are tied to performer B / production Y and stand for "somebody
else's records". Every route under /v1 must appear in ``MATRIX`` (a test fails when a
new route is added without its row), and for every role the answer is either an
authorisation refusal (403) or not one.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from likeness.api.app import fastapi_app
from likeness.bootstrap import Services
from likeness.domain.account import Role
from likeness.domain.consent import Grantor, Modality
from likeness.domain.flag import Flag
from likeness.services.events import appearance_flagged
from likeness.store.flags import FlagRepository
from tests.api_world import (
    OTHERS,
    ROLES,
    World,
    bearer,
    build_world,
    client,
    consent_request,
    use_body,
)

ALL = frozenset((*ROLES, *OTHERS))
PERFORMER_SIDE = frozenset({"performer", "representative"})
OWNERS = PERFORMER_SIDE | {"admin"}
PARTIES = OWNERS | {"production"}
LISTERS = PARTIES | {"performer_other", "production_other"}
SUBSCRIBERS = LISTERS
PRODUCERS = frozenset({"production", "admin"})
CHECKERS = frozenset({"production", "platform", "admin"})
AUDIT = frozenset({"auditor", "admin"})
ADMIN = frozenset({"admin"})

Request = Callable[[World], dict[str, Any]]


def no_body(world: World) -> dict[str, Any]:
    return {}


def photo(world: World) -> dict[str, Any]:
    return {"files": {"files": ("face.jpg", b"not really a jpeg", "image/jpeg")}}


def video(world: World) -> dict[str, Any]:
    return {"files": {"file": ("turn.mp4", b"not really a video", "video/mp4")}}


def spoken(world: World) -> dict[str, Any]:
    return {
        "files": {"file": ("phrase.wav", b"not really audio", "audio/wav")},
        "data": {"token": "not.a-token"},
    }


def consent_body(world: World) -> dict[str, Any]:
    return {
        "json": {
            "performer_id": world.performer,
            "production_id": world.production,
            "replica_kind": "employment_based",
            "modalities": ["face"],
            "description": {
                "project": "The Long Night",
                "purpose": "walk through the market crowd in scene 12",
                "territory": "worldwide",
                "media": ["theatrical release"],
                "scenes": ["scene 12"],
            },
            "valid_from": world.today.isoformat(),
            "valid_until": world.today.replace(year=world.today.year + 1).isoformat(),
        }
    }


def answer(world: World) -> dict[str, Any]:
    return {"json": {"reason": "test", "by": "performer"}}


def use_report(world: World) -> dict[str, Any]:
    return {
        "json": {"performer_id": world.performer, "use": use_body(world.production, world.today)}
    }


def scan_upload(world: World) -> dict[str, Any]:
    return {
        "files": {"files": ("clip.mp4", b"\x00" * 64, "video/mp4")},
        "data": {"production_id": world.production},
    }


def credential_upload(world: World) -> dict[str, Any]:
    return {
        "files": {"file": ("poster.jpg", b"\xff\xd8 not really a jpeg", "image/jpeg")},
        "data": {"production_id": world.production},
    }


def check_media(world: World) -> dict[str, Any]:
    return {
        "files": {"file": ("face.jpg", b"not really a jpeg", "image/jpeg")},
        "data": {"use": json.dumps(use_body(world.production, world.today))},
    }


TAKEDOWN: dict[str, str] = {}  # the flag and notice of performer A (set by ``world``)


def takedown_body(world: World) -> dict[str, Any]:
    return {
        "json": {
            "flag_id": int(TAKEDOWN["flag"]),
            "location": "https://v.example/1",
            "contact": "a@b.example",
        }
    }


def _flag_and_notice(services: Services, world: World) -> dict[str, str]:
    """A flag of performer A's voice (no consent covers it) and a notice drafted for it,
    through the real log and database (a scan is not needed to raise one)."""
    flag = Flag(
        log_index=-1,
        performer_id=world.performer,
        production_id=world.production,
        media="clip.mp4",
        media_sha256="ab" * 32,
        modality=Modality.VOICE,
        start=Decimal("1.5"),
        end=Decimal("4"),
        flagged_at=services.clock.now(),
    )
    with services.database.write() as connection:
        [index] = services.ledger.record(connection, [appearance_flagged(flag)])
        FlagRepository(connection).add_many([dataclasses.replace(flag, log_index=index)])
    notice = services.takedowns.draft(None, index, "https://v.example/1", contact="a@b.example")
    return {"flag": str(index), "takedown": notice.takedown.id}


# (method, path template, who may, request body)
MATRIX: list[tuple[str, str, frozenset[str], Request]] = [
    ("GET", "/v1/me", ALL, no_body),
    ("GET", "/v1/performers", OWNERS | {"performer_other"}, no_body),
    (
        "POST",
        "/v1/performers",
        ADMIN,
        lambda w: {"json": {"legal_name": "New Person", "date_of_birth": "1990-01-01"}},
    ),
    ("GET", "/v1/performers/{performer}", OWNERS, no_body),
    ("POST", "/v1/performers/{performer}/enrolment", OWNERS, photo),
    ("POST", "/v1/performers/{performer}/enrolment/video", OWNERS, video),
    ("POST", "/v1/performers/{performer}/enrolment/phrase", OWNERS, no_body),
    ("POST", "/v1/performers/{performer}/enrolment/voice", OWNERS, spoken),
    (
        "GET",
        "/v1/performers/{performer}/statement",
        OWNERS,
        lambda w: {"params": {"from": "2026-01-01", "to": "2026-12-31"}},
    ),
    ("GET", "/v1/productions", PRODUCERS | {"production_other"}, no_body),
    (
        "POST",
        "/v1/productions",
        ADMIN,
        lambda w: {
            "json": {
                "title": "T",
                "company": "C",
                "kind": "theatrical",
                "agreement": "none",
                "start_date": "2026-01-01",
            }
        },
    ),
    ("GET", "/v1/productions/{production}", PRODUCERS, no_body),
    ("GET", "/v1/accounts", ADMIN, no_body),
    ("POST", "/v1/accounts", ADMIN, lambda w: {"json": {"name": "x", "role": "auditor"}}),
    ("POST", "/v1/accounts/{auditor_account}/keys", ADMIN, lambda w: {"json": {"label": "x"}}),
    ("POST", "/v1/accounts/{spare_account}/disable", ADMIN, no_body),
    ("POST", "/v1/accounts/{disabled_account}/enable", ADMIN, no_body),
    ("DELETE", "/v1/keys/{spare_key}", ADMIN, no_body),
    ("GET", "/v1/consents", LISTERS, no_body),
    ("POST", "/v1/consents", PRODUCERS, consent_body),
    ("GET", "/v1/consents/{consent}", PARTIES, no_body),
    ("POST", "/v1/consents/{requested}/grant", OWNERS, answer),
    ("POST", "/v1/consents/{requested}/deny", OWNERS, answer),
    ("POST", "/v1/consents/{consent}/revoke", OWNERS, answer),
    ("GET", "/v1/consents/{consent}/receipts", PARTIES, no_body),
    ("GET", "/v1/consents/{consent}/iso27560", PARTIES, no_body),
    ("POST", "/v1/uses", PRODUCERS, use_report),
    ("POST", "/v1/uses/preview", PRODUCERS, use_report),
    ("GET", "/v1/uses", LISTERS, no_body),
    ("GET", "/v1/uses/{use}", PARTIES, no_body),
    (
        "POST",
        "/v1/check",
        CHECKERS,
        lambda w: {"json": {"performer_id": w.performer, "use": use_body(w.production, w.today)}},
    ),
    ("POST", "/v1/check/media", CHECKERS, check_media),
    ("POST", "/v1/scans", CHECKERS, scan_upload),
    ("GET", "/v1/scans", PRODUCERS | {"production_other"}, no_body),
    ("GET", "/v1/scans/{job}", PRODUCERS, no_body),
    ("GET", "/v1/scans/{job}/report", PRODUCERS, no_body),
    ("POST", "/v1/scans/{job}/cancel", PRODUCERS, no_body),
    ("POST", "/v1/credentials", PRODUCERS, credential_upload),
    ("GET", "/v1/credentials/{job}", PRODUCERS, no_body),
    ("GET", "/v1/credentials/{job}/file", PRODUCERS, no_body),
    ("POST", "/v1/takedowns", OWNERS, takedown_body),
    ("GET", "/v1/takedowns", OWNERS | {"performer_other"}, no_body),
    ("GET", "/v1/takedowns/{takedown}", OWNERS, no_body),
    ("GET", "/v1/takedowns/{takedown}/notice.html", OWNERS, no_body),
    ("POST", "/v1/takedowns/{takedown}/steps", OWNERS, lambda w: {"json": {"status": "sent"}}),
    (
        "POST",
        "/v1/webhooks",
        SUBSCRIBERS,
        lambda w: {"json": {"url": "http://127.0.0.1:9/hook", "events": ["consent.granted"]}},
    ),
    ("GET", "/v1/webhooks", SUBSCRIBERS, no_body),
    ("DELETE", "/v1/webhooks/{webhook}", frozenset({"performer", "admin"}), no_body),
    ("GET", "/v1/webhooks/{webhook}/deliveries", frozenset({"performer", "admin"}), no_body),
    ("GET", "/v1/log/status", AUDIT, no_body),
    ("GET", "/v1/log/audit", AUDIT, no_body),
    ("GET", "/v1/log/receipts/{index}", AUDIT, no_body),
    ("GET", "/v1/aggregates", AUDIT, no_body),
]


# A consent of performer A with production X whose purpose and dates only A's side, X
# and admins may read: every answer to anyone else is searched for them.
SECRET_PURPOSE = "ride the carousel at dusk while the fireworks begin in scene 7"
SECRET_FROM, SECRET_UNTIL = date(2026, 1, 2), date(2026, 12, 29)
SECRETS: dict[str, list[str]] = {}  # role -> what it must never read


def _secrets(world: World, secret_id: str) -> dict[str, list[str]]:
    x_only = [world.consent, world.requested, secret_id, SECRET_PURPOSE]
    x_only += [SECRET_FROM.isoformat(), SECRET_UNTIL.isoformat()]
    foreign = {role: [*x_only, world.consent_other] for role in ("platform", "auditor")}
    foreign["production_other"] = foreign["performer_other"] = x_only  # Y's is B's own
    for role in ("performer", "representative", "production"):
        foreign[role] = [world.consent_other]
    return foreign


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, TestClient]]:
    from likeness.bootstrap import build_services, initialise
    from likeness.settings import load_settings
    from likeness.testing import FixedClock

    # the webhook cases subscribe a receiver on this machine: allow-listed, as it must be
    settings = load_settings(
        home=tmp_path_factory.mktemp("matrix") / "home", egress_allow=("127.0.0.1/32",)
    )
    clock = FixedClock()
    initialise(settings, clock=clock)
    services: Services = build_services(settings, clock=clock)
    built = build_world(services)
    secret = services.consents.request(
        built.performer,
        built.production,
        dataclasses.replace(
            consent_request(SECRET_FROM),
            description=dataclasses.replace(
                consent_request(SECRET_FROM).description, purposes=(SECRET_PURPOSE,)
            ),
            valid_until=SECRET_UNTIL,
        ),
    ).value.id
    services.consents.grant(
        secret, by=Grantor.PERFORMER, signed_separately=True, clear_and_conspicuous=True
    )
    SECRETS.update(_secrets(built, secret))
    TAKEDOWN.update(_flag_and_notice(services, built))
    yield built, client(services)
    services.close()


def fill(template: str, world: World, extra: dict[str, str]) -> str:
    values = {
        "performer": world.performer,
        "production": world.production,
        "consent": world.consent,
        "requested": world.requested,
        "use": world.use,
        "job": world.job,
        "index": "0",
        "auditor_account": world.accounts["auditor"],
        **TAKEDOWN,
        **extra,
    }
    return template.format(**values)


def test_every_api_route_is_in_the_matrix(world: tuple[World, TestClient]) -> None:
    app = fastapi_app(world[1].app)
    served = {
        (method, _path_shape(path))
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    listed = {(m.lower(), _path_shape(p)) for m, p, _, _ in MATRIX}
    assert served == listed
    assert all(path.startswith("/v1/") for path in app.openapi()["paths"])


def test_every_api_route_is_documented(world: tuple[World, TestClient]) -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    paths = fastapi_app(world[1].app).openapi()["paths"]
    missing = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method in operations
        if f"`{method.upper()} {path}`" not in text
    ]
    assert missing == []


def _path_shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize(
    ("method", "template", "allowed", "body"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
def test_matrix(
    world: tuple[World, TestClient],
    role: str,
    method: str,
    template: str,
    allowed: frozenset[str],
    body: Request,
) -> None:
    w, http = world
    services = w.services
    extra = {}  # a key to revoke, an account to disable or enable and a webhook to delete,
    # fresh for each case that needs one
    if "{spare_key}" in template:
        extra["spare_key"] = services.accounts.create_api_key(w.accounts["auditor"], "x").key.id
    if "{spare_account}" in template or "{disabled_account}" in template:
        spare = services.accounts.add_account("spare", Role.AUDITOR)
        extra["spare_account"] = extra["disabled_account"] = spare.id
        if "{disabled_account}" in template:
            services.accounts.set_disabled(spare.id, True)
    if "{webhook}" in template:
        owner = services.accounts.get_account(w.accounts["performer"])
        hook = services.webhooks.subscribe(owner, "http://127.0.0.1:9/h", ["use.reported"])
        extra["webhook"] = hook.webhook.id
    response = http.request(
        method, fill(template, w, extra), headers=bearer(w.tokens[role]), **body(w)
    )
    if role in allowed:
        assert response.status_code not in (401, 403), response.text
        assert response.status_code < 500, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["kind"] == "forbidden"
    told = [item for item in SECRETS.get(role, []) if item in response.text]
    assert told == [], f"a {role} account read {told} in {response.text}"


@pytest.mark.parametrize(
    ("method", "template", "body"),
    [(m, p, b) for m, p, _, b in MATRIX],
    ids=[f"{m} {p}" for m, p, _, _ in MATRIX],
)
def test_every_route_refuses_a_request_without_a_key(
    world: tuple[World, TestClient], method: str, template: str, body: Request
) -> None:
    w, http = world
    unknown = "01J0000000000000000000000Z"
    extra = dict.fromkeys(("spare_key", "webhook", "spare_account", "disabled_account"), unknown)
    response = http.request(method, fill(template, w, extra), **body(w))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["kind"] == "unauthenticated"
