"""The portal without a browser: logins, sessions, CSRF, and who sees which page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from likeness.api.app import create_app
from likeness.bootstrap import Services, build_services, initialise
from likeness.domain.consent import (
    CompensationBasis,
    CompensationTerms,
    Grantor,
    Modality,
    ReplicaKind,
    UseDescription,
)
from likeness.domain.lifecycle import ConsentRequest
from likeness.settings import load_settings
from likeness.testing import FixedClock
from tests.api_world import PASSWORD, PURPOSE, World, build_world


@pytest.fixture
def world(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[World, TestClient]]:
    settings = load_settings(home=tmp_path / "home")  # production: Secure cookies
    initialise(settings, clock=clock)
    services: Services = build_services(settings, clock=clock)
    https = TestClient(
        create_app(services, deliver_webhooks=False),
        base_url="https://testserver",
        follow_redirects=False,
    )
    yield build_world(services), https
    services.close()


def csrf_in(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def log_in(http: TestClient, username: str, password: str = PASSWORD) -> str:
    form = http.get("/login")
    answer = http.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_in(form.text)},
    )
    assert answer.status_code == 303, answer.text
    return csrf_in(http.get("/portal", follow_redirects=True).text)


def test_login_sets_a_secure_session_and_logout_ends_it(world: tuple[World, TestClient]) -> None:
    w, http = world
    form = http.get("/login")
    answer = http.post(
        "/login",
        data={"username": "performer", "password": PASSWORD, "csrf_token": csrf_in(form.text)},
    )
    cookie = answer.headers["set-cookie"]
    assert "ll_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" in cookie
    token = http.cookies["ll_session"]
    with w.services.database.read() as connection:  # only a hash is stored
        rows = connection.exec_driver_sql("SELECT token_hash FROM sessions").fetchall()
    assert token not in {r[0] for r in rows}
    page = http.get("/portal")
    assert page.status_code == 200
    assert "Requests waiting for your answer" in page.text
    http.post("/logout", data={"csrf_token": csrf_in(page.text)})
    http.cookies.set("ll_session", token)  # replaying the old cookie does not work
    assert http.get("/portal").headers["location"] == "/login"


def test_wrong_passwords_and_unknown_users_get_the_same_answer(
    world: tuple[World, TestClient],
) -> None:
    _, http = world
    answers = []
    for username, password in (("performer", "wrong password!"), ("nobody", PASSWORD)):
        form = http.get("/login")
        answers.append(
            http.post(
                "/login",
                data={"username": username, "password": password, "csrf_token": csrf_in(form.text)},
            )
        )
    assert [a.status_code for a in answers] == [401, 401]
    assert all("wrong username or password" in a.text for a in answers)
    assert "ll_session" not in http.cookies


def test_repeated_failures_from_one_address_make_it_wait(world: tuple[World, TestClient]) -> None:
    w, http = world

    def attempt(username: str, password: str) -> int:
        form = http.get("/login")
        return http.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": csrf_in(form.text)},
        ).status_code

    for username in ("performer", "nobody-at-all"):  # known and unknown names alike
        assert [attempt(username, "not the password") for _ in range(5)] == [401] * 5
        form = http.get("/login")
        locked = http.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": csrf_in(form.text)},
        )
        assert locked.status_code == 401
        assert "too many failed logins for this username from your address" in locked.text
    assert attempt("production", PASSWORD) == 303  # other usernames are unaffected
    w.services.clock.advance(seconds=2)  # type: ignore[attr-defined]
    assert attempt("performer", PASSWORD) == 303  # the first wait is a second


def test_login_without_its_csrf_cookie_is_refused(world: tuple[World, TestClient]) -> None:
    _, http = world
    answer = http.post(
        "/login", data={"username": "performer", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert answer.status_code == 403
    assert "security token" in answer.text


def test_state_changes_without_the_csrf_token_are_refused(world: tuple[World, TestClient]) -> None:
    w, http = world
    token = log_in(http, "performer")
    url = f"/portal/consents/{w.requested}/grant"
    missing = http.post(url, data={"confirm": "yes"})
    assert missing.status_code == 403
    assert "CSRF" in missing.text
    forged = http.post(url, data={"confirm": "yes", "csrf_token": "x" * 43})
    assert forged.status_code == 403
    assert w.services.consents.get(w.requested).status.value == "requested"  # nothing changed
    done = http.post(url, data={"confirm": "yes", "csrf_token": token})
    assert done.status_code == 303
    assert w.services.consents.get(w.requested).status.value == "granted"
    with_header = http.post(
        f"/portal/consents/{w.consent}/revoke", headers={"X-CSRF-Token": token}, data={}
    )
    assert with_header.status_code == 303
    assert w.services.consents.get(w.consent).status.value == "revoked"


def test_the_review_page_states_the_use_in_plain_language(world: tuple[World, TestClient]) -> None:
    w, http = world
    log_in(http, "performer")
    page = http.get(f"/portal/consents/{w.requested}")
    assert page.status_code == 200
    plain = re.search(r'id="plain-language">([^<]+)<', page.text)
    assert plain is not None
    text = plain.group(1)
    assert "The Long Night (Northlight)" in text
    assert "deliver the closing speech in the town hall scene" in text
    assert "scene 41" in text and "theatrical release" in text and "worldwide" in text
    assert 'id="grant"' in page.text and 'id="deny"' in page.text
    assert '<label for="confirm"' in page.text


# (page, roles that may open it); every other role gets 403 (or the login page).
PAGES = [
    ("/portal/consents/new", {"production", "production_other", "admin"}),
    ("/portal/uses/new", {"production", "production_other", "admin"}),
    ("/portal/scans", {"production", "production_other", "admin"}),
    ("/portal/scans/{job}", {"production", "admin"}),
    ("/portal/consents/{consent}", {"performer", "representative", "production", "admin"}),
    ("/portal/log", {"auditor", "admin"}),
    ("/portal/receipts/{index}", {"performer", "representative", "production", "auditor", "admin"}),
]


@pytest.mark.parametrize(
    "role",
    [
        "performer",
        "representative",
        "production",
        "platform",
        "auditor",
        "admin",
        "performer_other",
        "production_other",
    ],
)
def test_who_may_open_each_page(world: tuple[World, TestClient], role: str) -> None:
    w, http = world
    log_in(http, w.usernames[role])
    index = w.services.consents.log_indexes(w.consent)[0]
    for template, allowed in PAGES:
        url = template.format(job=w.job, consent=w.consent, index=index)
        answer = http.get(url)
        if role in allowed:
            assert answer.status_code == 200, (url, answer.text)
        else:
            assert answer.status_code == 403, (url, answer.status_code)
    assert http.get("/portal").status_code in (200, 303)


def test_pages_without_a_session_send_you_to_login(world: tuple[World, TestClient]) -> None:
    w, http = world
    for url in ("/portal", f"/portal/consents/{w.consent}", "/portal/log"):
        answer = http.get(url)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login"
    htmx = http.post("/portal/uses/preview", headers={"HX-Request": "true"})
    assert htmx.headers.get("hx-redirect") == "/login"


def test_a_production_requests_consent_and_previews_its_cost(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    token = log_in(http, "production")
    form = {
        "csrf_token": token,
        "performer_id": w.performer,
        "replica_kind": "employment_based",
        "modality": "face",
        "project": "The Long Night",
        "purposes": "all uses",
        "media": "any media",
        "territory": "universe",
        "valid_from": w.today.isoformat(),
    }
    vague = http.post("/portal/consents", data=form)
    assert vague.status_code == 422
    assert "not reasonably specific" in vague.text
    assert 'value="The Long Night"' in vague.text  # what was typed is kept
    undated = http.post("/portal/consents", data=form | {"valid_from": "someday"})
    assert undated.status_code == 422
    assert "valid_from:" in undated.text  # the field the request model refused, by name
    preview = http.post(
        "/portal/uses/preview",
        headers={"X-CSRF-Token": token},
        data={
            "consent_id": w.consent,
            "modality": "face",
            "scene": "scene 41",
            "date": w.today.isoformat(),
            "days": "1",
        },
    )
    assert 'id="preview-decision">covered<' in preview.text
    assert re.search(r'id="preview-total">\d+\.\d\d USD<', preview.text)


def test_a_consent_request_lists_one_purpose_per_line(world: tuple[World, TestClient]) -> None:
    w, http = world
    token = log_in(http, "production")
    answer = http.post(
        "/portal/consents",
        data={
            "csrf_token": token,
            "performer_id": w.performer,  # held: a production picks from its consents
            "replica_kind": "independently_created",
            "modality": "voice",
            "project": "The Long Night",
            # a semicolon stays inside its purpose; only line breaks separate them
            "purposes": f"  {SPEECH}\n\nread the radio bulletin; twice\n",
            "media": "theatrical release",
            "territory": "worldwide",
            "valid_from": w.today.isoformat(),
        },
    )
    assert answer.status_code == 303, answer.text
    consent_id = answer.headers["location"].split("?")[0].rsplit("/", 1)[1]
    purposes = w.services.consents.get(consent_id).request.description.purposes
    assert purposes == (SPEECH, "read the radio bulletin; twice")


SPEECH = "deliver the closing speech as the President"
NOTE = "Delivered the closing speech (reshoot)"


def speech_consent(w: World) -> str:
    """A granted consent that lists purposes and no scenes, so the purpose a use picks
    decides whether it is within it."""
    request = ConsentRequest(
        replica_kind=ReplicaKind.INDEPENDENTLY_CREATED,
        modalities=frozenset({Modality.FACE, Modality.VOICE}),
        description=UseDescription(
            project="The Long Night",
            purposes=(SPEECH, "appear in the campaign rally montage"),
            media=("theatrical release",),
            territory="worldwide",
        ),
        valid_from=w.today - timedelta(days=1),
        valid_until=w.today + timedelta(days=364),
        compensation=CompensationTerms(CompensationBasis.FLAT, Decimal(1500)),
    )
    consent_id = w.services.consents.request(w.performer, w.production, request).value.id
    grant(w, consent_id)
    return consent_id


def grant(w: World, consent_id: str) -> None:
    w.services.consents.grant(
        consent_id, by=Grantor.PERFORMER, signed_separately=True, clear_and_conspicuous=True
    )


def options(html: str) -> dict[str, str]:
    """The consent list of the use form: option value -> the label a person reads."""
    select = re.search(r'<select id="consent_id".*?</select>', html, re.DOTALL)
    assert select is not None
    found = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0))
    return {value: label for value, label in found if value}


def test_the_use_form_lists_only_the_productions_granted_consents(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    log_in(http, "production")
    grant(w, w.consent_other)  # granted, but to another production
    listed = options(http.get("/portal/uses/new").text)
    assert list(listed) == [w.consent]  # not the request still unanswered
    until = w.today + timedelta(days=364)
    assert listed[w.consent] == (
        f"Ada Lovelace: The Long Night, made from work on this production, "
        f"{w.today - timedelta(days=1)} to {until}"
    )
    grant(w, w.requested)
    assert set(options(http.get("/portal/uses/new").text)) == {w.consent, w.requested}
    w.services.consents.revoke(w.requested, by=Grantor.PERFORMER)
    assert list(options(http.get("/portal/uses/new").text)) == [w.consent]
    log_in(http, "production-other")
    assert list(options(http.get("/portal/uses/new").text)) == [w.consent_other]


def test_choosing_a_consent_shows_its_performer_purposes_and_scenes(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    speech = speech_consent(w)
    log_in(http, "production")
    fields = http.get("/portal/uses/consent-fields", params={"consent_id": w.consent}).text
    assert 'id="consent-performer">Ada Lovelace<' in fields
    assert f'name="performer_id" value="{w.performer}"' in fields
    assert re.search(
        r'type="radio" id="purpose-1" name="purpose" value="deliver the closing '
        r'speech in the town hall scene"',
        fields,
    )
    assert 'type="checkbox" id="scene-1" name="scene" value="scene 41"' in fields
    assert 'value="voice"' not in fields  # the consent offers the face only
    assert 'hx-swap-oob="true"' in fields  # the old preview is cleared
    spoken = http.get("/portal/uses/consent-fields", params={"consent_id": speech}).text
    assert spoken.count('type="radio"') == 2 and 'name="scene"' not in spoken
    assert f'value="{SPEECH}"' in spoken and 'value="voice"' in spoken
    # Without JavaScript the page renders the same fields for ?consent_id=.
    full = http.get("/portal/uses/new", params={"consent_id": speech}).text
    assert f'value="{SPEECH}"' in full and f'<option value="{speech}" selected>' in full
    assert "hx-swap-oob" not in full


def test_another_productions_consent_is_refused_like_an_unknown_id(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    grant(w, w.consent_other)
    token = log_in(http, "production")
    uses_before = w.services.uses.count()

    def refusal(consent_id: str, url: str) -> str:
        if url == "/portal/uses":
            answer = http.post(
                url,
                data={
                    "csrf_token": token,
                    "consent_id": consent_id,
                    "modality": "face",
                    "purpose": PURPOSE,
                    "date": w.today.isoformat(),
                },
            )
        else:
            answer = http.get(url, params={"consent_id": consent_id})
        assert answer.status_code == 404, (url, answer.text)
        assert "Bo Other" not in answer.text and "Other Film" not in answer.text
        message = re.search(r'role="alert"[^>]*>([^<]+)<', answer.text)
        assert message is not None
        return message.group(1).replace(consent_id, "ID")

    for url in ("/portal/uses/consent-fields", "/portal/uses/new", "/portal/uses"):
        unknown = refusal("01NOSUCHCONSENT", url)
        assert "no consent with id" in unknown
        assert refusal(w.consent_other, url) == unknown
        assert refusal(w.requested, url) == unknown  # its own, but never granted
    assert w.services.uses.count() == uses_before


def test_a_performer_that_disagrees_with_the_consent_is_refused(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    token = log_in(http, "production")
    uses_before = w.services.uses.count()
    answer = http.post(
        "/portal/uses",
        data={
            "csrf_token": token,
            "consent_id": w.consent,
            "performer_id": w.performer_other,
            "modality": "face",
            "scene": "scene 41",
            "date": w.today.isoformat(),
        },
    )
    assert answer.status_code == 422
    assert "not the performer of the chosen consent" in answer.text
    assert 'id="consent-performer">Ada Lovelace<' in answer.text  # the form comes back
    assert w.services.uses.count() == uses_before


def test_a_use_picking_a_purpose_with_its_own_note_is_covered(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    speech = speech_consent(w)
    token = log_in(http, "production")
    use = {
        "csrf_token": token,
        "consent_id": speech,
        "performer_id": w.performer,
        "modality": "voice",
        "note": NOTE,
        "date": w.today.isoformat(),
        "days": "1",
    }
    unpicked = http.post("/portal/uses/preview", data=use)
    assert 'id="preview-decision">not_covered<' in unpicked.text
    assert "name the consented purpose this use relies on" in unpicked.text
    typed = http.post("/portal/uses/preview", data=use | {"purpose": NOTE})
    assert 'id="preview-decision">not_covered<' in typed.text
    reported = http.post("/portal/uses", data=use | {"purpose": SPEECH})
    assert reported.status_code == 303, reported.text
    flash = unquote(reported.headers["location"])
    assert "Use reported: covered; owed 1500.00 USD." in flash
    [stored] = w.services.uses.recent(production_id=w.production, limit=1)
    assert stored.decision.outcome.value == "covered"
    assert stored.report.consent_id == speech
    assert stored.report.use.purpose == SPEECH
    assert stored.report.use.note == NOTE


def test_an_ended_session_is_told_why_and_nothing_more(world: tuple[World, TestClient]) -> None:
    w, http = world
    log_in(http, "performer")
    assert http.get("/portal").status_code == 200
    w.services.logins.set_password(w.accounts["performer"], "performer", "a brand new password")
    page = http.get("/portal")
    assert page.headers["location"] == "/login?ended=password_changed"
    assert (
        "This session ended: the password was changed." in http.get(page.headers["location"]).text
    )
    htmx = http.post("/portal/uses/preview", headers={"HX-Request": "true"}, data={"a": "b"})
    assert htmx.status_code == 204
    assert htmx.headers["hx-redirect"] == "/login?ended=password_changed"
    forged = http.get("/login", params={"ended": "<script>alert(1)</script>"}).text
    assert "<script>alert" not in forged and "session ended" not in forged
