"""A form the request model refuses, sent from a portal page, is answered with the
portal's error page naming the fields in words; the JSON API keeps its envelope."""

from __future__ import annotations

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
from tests.api_world import World, bearer, build_world
from tests.integration.test_portal import log_in

HINT = "go back, correct what is named, and send the form again"


@pytest.fixture
def portal(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[World, TestClient]]:
    settings = load_settings(home=tmp_path / "home")
    initialise(settings, clock=clock)
    services = build_services(settings, clock=clock, encoders=fake_encoders())
    http = TestClient(
        create_app(services, deliver_webhooks=False),
        base_url="https://testserver",
        follow_redirects=False,
    )
    yield build_world(services), http
    services.close()


def said(html: str) -> str:
    """The error the page shows, as a person reads it."""
    found = re.search(r'<p class="flash error" role="alert">(.*?)</p>', html, re.S)
    assert found is not None, html
    return re.sub(r"\s+", " ", unescape(found.group(1)))


@pytest.mark.parametrize(
    ("role", "url", "data", "words"),
    [
        (
            "auditor",
            "/portal/account/password",
            {"current_password": "x" * 1025, "new_password": "a", "repeat_password": "a"},
            "current password: longer than 1024 characters",
        ),
        ("admin", "/portal/watch/sources", {"url": ""}, "url: nothing was given"),
        (
            "performer",
            "/portal/enrolment/check",
            {"kind": "bogus"},
            "files: nothing was given; kind: not one of the choices the form offers",
        ),
        ("production", "/portal/scans", {}, "files: nothing was given"),
    ],
)
def test_a_refused_form_is_answered_with_the_error_page_naming_the_fields(
    portal: tuple[World, TestClient], role: str, url: str, data: dict[str, str], words: str
) -> None:
    w, http = portal
    csrf = log_in(http, w.usernames[role])
    answer = http.post(url, data=data | {"csrf_token": csrf})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "<h1>That was not possible</h1>" in answer.text
    assert said(answer.text) == f"the form was refused: {words} {HINT}"
    assert '"error"' not in answer.text and "body." not in answer.text  # no API envelope


def test_the_portal_answers_a_missing_page_and_a_wrong_method_with_pages(
    portal: tuple[World, TestClient],
) -> None:
    w, http = portal
    log_in(http, w.usernames["auditor"])
    missing = http.get("/portal/no-such-page")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert said(missing.text) == "there is no page at this address"
    wrong = http.put("/portal/account/password")
    assert wrong.status_code == 405
    assert "POST" in wrong.headers["allow"]
    assert said(wrong.text) == "this page does not take that kind of request"


def test_the_api_keeps_its_json_envelope_for_the_same_errors(
    portal: tuple[World, TestClient],
) -> None:
    w, http = portal
    admin = bearer(w.tokens["admin"])
    refused = http.post("/v1/performers", headers=admin, json={"legal_name": 5})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["kind"] == "invalid" and error["message"].startswith("invalid request: ")
    assert error["details"]
    missing = http.get("/v1/nothing-here", headers=admin)
    assert missing.status_code == 404
    assert missing.json()["error"]["kind"] == "not_found"
