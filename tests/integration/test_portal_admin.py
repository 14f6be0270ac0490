"""The administration pages without a browser: accounts, API keys, the registry, webhooks
and retention, each page for an admin and each refusal for the other roles."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from likeness.api.app import create_app
from likeness.bootstrap import Services, build_services, initialise
from likeness.domain.account import Role
from likeness.settings import load_settings
from likeness.testing import FixedClock, fake_encoders
from likeness.testing.media import RED, Block, face_image
from tests.api_world import PASSWORD, World, bearer, build_world
from tests.integration.test_portal import csrf_in

ADMIN_ONLY = "a {role} account may not do this (allowed: admin)"
RECEIVER = "http://127.0.0.1:9/hook"  # allow-listed below; nothing is sent in these tests


@dataclass
class Admin:
    world: World
    app: FastAPI

    @property
    def services(self) -> Services:
        return self.world.services

    def client(self, username: str = "admin", password: str = PASSWORD) -> tuple[TestClient, str]:
        """A browser of its own, logged in: the client and the session's CSRF token."""
        http = TestClient(self.app, base_url="https://testserver", follow_redirects=False)
        form = http.get("/login")
        answer = http.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": csrf_in(form.text)},
        )
        assert answer.status_code == 303, answer.text
        return http, csrf_in(http.get("/portal", follow_redirects=True).text)


@pytest.fixture
def admin(tmp_path: Path, clock: FixedClock) -> Iterator[Admin]:
    # Fake encoders: the retention tests enrol a face without dlib. A receiver on this
    # machine is allow-listed so that a webhook may be subscribed (none is delivered).
    settings = load_settings(home=tmp_path / "home", egress_allow=("127.0.0.1/32",))
    initialise(settings, clock=clock)
    services = build_services(settings, clock=clock, encoders=fake_encoders())
    yield Admin(build_world(services), create_app(services, deliver_webhooks=False))
    services.close()


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# -- who may ---------------------------------------------------------------------------

PAGES = (
    "/portal/admin",
    "/portal/admin/accounts",
    "/portal/admin/accounts/{account}",
    "/portal/admin/performers",
    "/portal/admin/performers/{performer}",
    "/portal/admin/productions",
    "/portal/admin/webhooks",
    "/portal/admin/retention",
)
ACTIONS = (
    "/portal/admin/accounts",
    "/portal/admin/accounts/{account}/role",
    "/portal/admin/accounts/{account}/disable",
    "/portal/admin/accounts/{account}/enable",
    "/portal/admin/accounts/{account}/keys",
    "/portal/admin/keys/{key}/revoke",
    "/portal/admin/performers",
    "/portal/admin/performers/{performer}",
    "/portal/admin/productions",
    "/portal/admin/webhooks",
    "/portal/admin/webhooks/{hook}/disable",
    "/portal/admin/retention/run",
)


def test_every_admin_page_and_action_refuses_the_other_roles_and_says_who_may(
    admin: Admin,
) -> None:
    w = admin.world
    key = admin.services.accounts.list_api_keys(w.accounts["performer"])[0].id
    ids = {"account": w.accounts["performer"], "performer": w.performer, "key": key, "hook": "x"}
    for role in ("production", "performer", "representative", "platform", "auditor"):
        http, csrf = admin.client(w.usernames[role])
        for url in PAGES:
            answer = http.get(url.format(**ids))
            assert answer.status_code == 403, (role, url)
            assert ADMIN_ONLY.format(role=role) in answer.text, (role, url)
        for url in ACTIONS:
            answer = http.post(
                url.format(**ids),
                data={"csrf_token": csrf, "name": "Mallory", "role": "admin", "confirm": "yes"},
            )
            assert answer.status_code == 403, (role, url)
            assert ADMIN_ONLY.format(role=role) in answer.text, (role, url)
    names = [a.name for a in admin.services.accounts.list_accounts()]
    assert "Mallory" not in names
    performer = admin.services.accounts.get_account(w.accounts["performer"])
    assert performer.role is Role.PERFORMER and not performer.disabled
    assert admin.services.accounts.list_api_keys(w.accounts["performer"])[0].active


def test_admin_actions_without_the_csrf_token_are_refused(admin: Admin) -> None:
    http, _ = admin.client()
    target = admin.world.accounts["production"]
    for data in ({}, {"csrf_token": "x" * 43}):
        answer = http.post(f"/portal/admin/accounts/{target}/disable", data=data)
        assert answer.status_code == 403
        assert "security token is missing or stale" in answer.text
    assert not admin.services.accounts.get_account(target).disabled


def test_the_hub_and_the_dashboard_link_every_admin_page(admin: Admin) -> None:
    http, _ = admin.client()
    for url in ("/portal", "/portal/admin"):
        page = http.get(url)
        assert page.status_code == 200
        for target in (
            "/portal/admin/accounts",
            "/portal/admin/performers",
            "/portal/admin/productions",
            "/portal/admin/webhooks",
            "/portal/admin/retention",
        ):
            assert f'href="{target}"' in page.text, (url, target)
    assert "All consents" in http.get("/portal").text  # the dashboard keeps its content


# -- accounts --------------------------------------------------------------------------


def test_the_account_list_names_what_each_account_acts_for(admin: Admin) -> None:
    http, _ = admin.client()
    page = http.get("/portal/admin/accounts")
    rows = {
        visible(m).strip()
        for m in re.findall(r"<tr>(.*?)</tr>", page.text, flags=re.S)
        if "<td>" in m
    }
    for row in (
        "Rex Agent Representative of a performer Ada Lovelace representative active",
        "production Production The Long Night production active",
        "production_other Production Other Film production-other active",
        "auditor Auditor nobody in particular auditor active",
    ):
        assert row in rows


def test_an_account_is_created_with_a_generated_password_shown_once(admin: Admin) -> None:
    http, csrf = admin.client()
    answer = http.post(
        "/portal/admin/accounts",
        data={
            "csrf_token": csrf,
            "name": "Cy Casting",
            "role": "production",
            "production_id": admin.world.production_other,
            "performer_id": admin.world.performer,  # ignored: a production has no performer
            "username": "Cy.Casting",
            "password": "",
        },
    )
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    found = re.search(r'<code id="new-password">([^<]+)</code>', answer.text)
    assert found is not None
    password = found.group(1)
    assert len(password) >= 12
    assert "shown on this page only" in answer.text
    created = next(a for a in admin.services.accounts.list_accounts() if a.name == "Cy Casting")
    assert created.role is Role.PRODUCTION
    assert created.production_id == admin.world.production_other
    assert created.performer_id is None
    mine, _ = admin.client("cy.casting", password)  # the password works
    assert "Other Film" in mine.get("/portal").text
    for url in ("/portal/admin/accounts", f"/portal/admin/accounts/{created.id}"):
        page = http.get(url).text
        assert password not in page  # never shown again
        assert "cy.casting" in page


def test_a_typed_password_is_not_echoed_and_works(admin: Admin) -> None:
    http, csrf = admin.client()
    chosen = "a password typed by the admin"
    answer = http.post(
        "/portal/admin/accounts",
        data={"csrf_token": csrf, "name": "Aud Two", "role": "auditor", "username": "aud2"},
        files={"password": (None, chosen)},
    )
    assert answer.status_code == 200
    assert chosen not in answer.text
    assert 'id="new-password"' not in answer.text
    admin.client("aud2", chosen)


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"role": "performer"}, "a performer account acts for a performer"),
        ({"role": "production"}, "a production account belongs to a production"),
        ({"role": ""}, "choose a role for the account"),
        ({"role": "auditor", "username": "Not Allowed!"}, "username 'not allowed!' is not allowed"),
        ({"role": "auditor", "username": "admin"}, "username 'admin' is taken by another account"),
        ({"role": "auditor", "password": "short"}, "a password needs at least 12 characters"),
        ({"role": "auditor", "name": "  "}, "an account needs a name"),
    ],
)
def test_a_refused_account_keeps_the_form_and_says_what_to_fix(
    admin: Admin, fields: dict[str, str], said: str
) -> None:
    http, csrf = admin.client()
    before = len(admin.services.accounts.list_accounts())
    data = {"csrf_token": csrf, "name": "Dee Dresser", "username": "dee"} | fields
    answer = http.post("/portal/admin/accounts", data=data)
    assert answer.status_code == 422
    error = re.search(
        r'<p class="flash error" role="alert" id="form-error">([^<]+)</p>', answer.text
    )
    assert error is not None and said in unescape(error.group(1))
    if fields.get("name") is None:
        assert 'value="Dee Dresser"' in answer.text  # nothing typed is lost
    assert f'value="{data["username"]}"' in answer.text
    if fields.get("password"):
        assert fields["password"] not in answer.text.split("<main", 1)[1]  # not echoed
    assert len(admin.services.accounts.list_accounts()) == before  # nothing half-made


def test_setting_a_role_takes_the_tie_it_needs(admin: Admin) -> None:
    w = admin.world
    http, csrf = admin.client()
    target = w.accounts["auditor"]
    url = f"/portal/admin/accounts/{target}/role"
    missing = http.post(url, data={"csrf_token": csrf, "role": "representative"})
    assert missing.status_code == 422
    assert "a representative account acts for a performer" in missing.text
    assert admin.services.accounts.get_account(target).role is Role.AUDITOR
    done = http.post(
        url, data={"csrf_token": csrf, "role": "representative", "performer_id": w.performer_other}
    )
    assert done.status_code == 303
    assert "now: Representative of a performer" in http.get(done.headers["location"]).text
    changed = admin.services.accounts.get_account(target)
    assert (changed.role, changed.performer_id, changed.name) == (
        Role.REPRESENTATIVE,
        w.performer_other,
        "auditor",  # sealed under Bo's key now, and still read back
    )
    theirs, _ = admin.client("auditor")  # the new role applies at once
    assert theirs.get("/portal").status_code == 200
    assert "Bo Other" in theirs.get("/portal").text
    back = http.post(url, data={"csrf_token": csrf, "role": "auditor"})
    assert back.status_code == 303
    assert admin.services.accounts.get_account(target).performer_id is None


def test_an_admin_cannot_change_its_own_role_or_disable_itself(admin: Admin) -> None:
    me = admin.world.accounts["admin"]
    http, csrf = admin.client()
    role = http.post(
        f"/portal/admin/accounts/{me}/role", data={"csrf_token": csrf, "role": "auditor"}
    )
    assert role.status_code == 422
    assert "an account cannot change its own role" in role.text
    off = http.post(f"/portal/admin/accounts/{me}/disable", data={"csrf_token": csrf})
    assert "an account cannot disable itself" in http.get(off.headers["location"]).text
    account = admin.services.accounts.get_account(me)
    assert account.role is Role.ADMIN and not account.disabled


def test_disabling_ends_the_sessions_and_refuses_the_login_until_enabled(admin: Admin) -> None:
    w = admin.world
    theirs, _ = admin.client("production")
    http, csrf = admin.client()
    target = w.accounts["production"]
    done = http.post(f"/portal/admin/accounts/{target}/disable", data={"csrf_token": csrf})
    assert "signed out everywhere" in http.get(done.headers["location"]).text
    ended = theirs.get("/portal")
    assert ended.headers["location"] == "/login?ended=account_disabled"
    assert "the account was disabled" in theirs.get(ended.headers["location"]).text
    form = theirs.get("/login")
    refused = theirs.post(
        "/login",
        data={"username": "production", "password": PASSWORD, "csrf_token": csrf_in(form.text)},
    )
    assert refused.status_code == 401
    assert "this account is disabled" in refused.text
    assert theirs.get("/v1/consents", headers=bearer(w.tokens["production"])).status_code == 401
    again = http.post(f"/portal/admin/accounts/{target}/enable", data={"csrf_token": csrf})
    assert "enabled again" in http.get(again.headers["location"]).text
    admin.client("production")


# -- API keys --------------------------------------------------------------------------


def test_a_key_is_shown_once_works_and_is_refused_once_revoked(admin: Admin) -> None:
    w = admin.world
    http, csrf = admin.client()
    target = w.accounts["auditor"]
    made = http.post(
        f"/portal/admin/accounts/{target}/keys",
        data={"csrf_token": csrf, "label": "audit job", "keys_seen": _keys_seen(http, target)},
    )
    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"
    assert "This is the only time it is shown" in made.text
    found = re.search(r'id="new-key" readonly value="(llk_[^"]+)"', made.text)
    assert found is not None
    token = found.group(1)
    api = TestClient(admin.app, base_url="https://testserver")
    assert api.get("/v1/log/status", headers=bearer(token)).status_code == 200
    page = http.get(f"/portal/admin/accounts/{target}").text
    assert token not in page and token.rsplit("_", 1)[1] not in page
    assert "audit job" in page
    key_id = token.split("_")[1]
    revoked = http.post(f"/portal/admin/keys/{key_id}/revoke", data={"csrf_token": csrf})
    assert revoked.headers["location"].startswith(f"/portal/admin/accounts/{target}?")
    assert "API key 'audit job'" in unescape(http.get(revoked.headers["location"]).text)
    refused = api.get("/v1/log/status", headers=bearer(token))
    assert refused.status_code == 401
    assert "was revoked" in refused.text
    twice = http.post(f"/portal/admin/keys/{key_id}/revoke", data={"csrf_token": csrf})
    assert "was already revoked" in http.get(twice.headers["location"]).text


def _keys_seen(http: TestClient, account_id: str) -> str:
    """The count of keys the account page's key form was drawn with."""
    page = http.get(f"/portal/admin/accounts/{account_id}").text
    found = re.search(r'name="keys_seen" value="(\d+)"', page)
    assert found is not None
    return found.group(1)


def test_a_resent_key_form_makes_no_second_key(admin: Admin) -> None:
    """Reloading the page that shows a new key sends its form again: that must not make a
    second live key whose secret nobody saw."""
    target = admin.world.accounts["auditor"]
    http, csrf = admin.client()
    before = admin.services.accounts.list_api_keys(target)
    form = {"csrf_token": csrf, "label": "ci", "keys_seen": _keys_seen(http, target)}
    made = http.post(f"/portal/admin/accounts/{target}/keys", data=form)
    assert made.status_code == 200
    assert "Reloading this page creates no second key" in made.text
    again = http.post(f"/portal/admin/accounts/{target}/keys", data=form)  # the reload
    assert again.status_code == 303
    said = unescape(http.get(again.headers["location"]).text)
    assert f"the account has {len(before) + 1} API keys now, not the {len(before)}" in said
    assert "no key was created" in said
    stale = http.post(f"/portal/admin/accounts/{target}/keys", data=form | {"keys_seen": ""})
    assert "does not say how many keys" in unescape(http.get(stale.headers["location"]).text)
    after = admin.services.accounts.list_api_keys(target)
    assert len(after) == len(before) + 1  # one key, from the first sending only
    fresh = form | {"keys_seen": _keys_seen(http, target)}  # a form drawn afresh works
    assert http.post(f"/portal/admin/accounts/{target}/keys", data=fresh).status_code == 200
    assert len(admin.services.accounts.list_api_keys(target)) == len(before) + 2


def test_two_forms_at_once_with_one_username_make_one_account_and_its_login(
    admin: Admin,
) -> None:
    """Two admins (or a double click) send one username at once: one account is made with
    its login, the other is refused with nothing made: no account without a login."""
    first, first_csrf = admin.client()
    second, second_csrf = admin.client()
    before = {a.id for a in admin.services.accounts.list_accounts()}
    answers: list[tuple[int, str]] = []
    for round_ in range(4):
        start = threading.Barrier(2)

        def send(
            http: TestClient, csrf: str, n: int = round_, start: threading.Barrier = start
        ) -> None:
            start.wait()
            answer = http.post(
                "/portal/admin/accounts",
                data={"csrf_token": csrf, "name": f"Twin {n}", "username": f"twin{n}"}
                | {"role": "auditor", "password": "twelve chars or more"},
            )
            answers.append((answer.status_code, unescape(answer.text)))

        threads = [
            threading.Thread(target=send, args=(first, first_csrf)),
            threading.Thread(target=send, args=(second, second_csrf)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(status for status, _ in answers) == [200] * 4 + [422] * 4
    assert all("is taken by another account" in text for status, text in answers if status == 422)
    made = [a for a in admin.services.accounts.list_accounts() if a.id not in before]
    usernames = admin.services.accounts.usernames()
    assert sorted(a.name for a in made) == [f"Twin {n}" for n in range(4)]
    assert sorted(usernames[a.id] for a in made) == [f"twin{n}" for n in range(4)]
    admin.client("twin0", "twelve chars or more")  # the login made with it works


# -- the registry ----------------------------------------------------------------------


def test_a_performer_is_registered_and_edited(admin: Admin) -> None:
    http, csrf = admin.client()
    bad = http.post(
        "/portal/admin/performers",
        data={
            "csrf_token": csrf,
            "legal_name": "Eve Example",
            "date_of_birth": "1991-02-03",
            "member_number": "12345",
        },
    )
    assert bad.status_code == 422
    assert "member number '12345' given without a union" in unescape(bad.text)
    assert 'value="Eve Example"' in bad.text and 'value="12345"' in bad.text
    made = http.post(
        "/portal/admin/performers",
        data={
            "csrf_token": csrf,
            "legal_name": "Eve Example",
            "professional_name": "Eve Stage",
            "date_of_birth": "1991-02-03",
            "union": "SAG-AFTRA",
            "member_number": "12345",
            "rep_name": "Mo Manager",
            "rep_capacity": "manager",
        },
    )
    assert made.status_code == 303
    eve = next(
        p for p in admin.services.registry.list_performers() if p.legal_name == "Eve Example"
    )
    assert made.headers["location"].startswith(f"/portal/admin/performers/{eve.id}?")
    assert "Eve Stage is registered" in http.get(made.headers["location"]).text
    assert [r.name for r in eve.representatives] == ["Mo Manager"]
    url = f"/portal/admin/performers/{eve.id}"
    form = http.get(url).text
    assert 'value="Eve Stage"' in form and 'value="SAG-AFTRA"' in form
    wrong = http.post(
        url, data={"csrf_token": csrf, "professional_name": "Eve S.", "domicile": "California"}
    )
    assert wrong.status_code == 422
    assert "domicile" in wrong.text and 'value="Eve S."' in wrong.text
    assert admin.services.registry.get_performer(eve.id).professional_name == "Eve Stage"
    saved = http.post(
        url,
        data={
            "csrf_token": csrf,
            "professional_name": "Eve S.",
            "union": "SAG-AFTRA",
            "member_number": "12345",
            "domicile": "US-CA",
        },
    )
    assert saved.status_code == 303
    after = admin.services.registry.get_performer(eve.id)
    assert (after.professional_name, after.domicile, after.union) == (
        "Eve S.",
        "US-CA",
        "SAG-AFTRA",
    )
    assert "Eve S." in http.get("/portal/admin/performers").text


def test_a_production_is_registered_and_bad_dates_are_refused(admin: Admin) -> None:
    http, csrf = admin.client()
    data = {
        "csrf_token": csrf,
        "title": "Harbour Lights",
        "company": "Tidewater",
        "kind": "streaming",
        "agreement": "sag-aftra-tv-theatrical",
        "start_date": "2026-03-01",
        "end_date": "2026-02-01",
    }
    bad = http.post("/portal/admin/productions", data=data)
    assert bad.status_code == 422
    assert "end date 2026-02-01 is before start date 2026-03-01" in bad.text
    assert 'value="Harbour Lights"' in bad.text and 'value="streaming" selected' in bad.text
    made = http.post("/portal/admin/productions", data=data | {"end_date": ""})
    assert made.status_code == 303
    titles = [p.title for p in admin.services.registry.list_productions()]
    assert "Harbour Lights" in titles
    assert "Harbour Lights" in http.get("/portal/admin/productions").text


# -- webhooks --------------------------------------------------------------------------


def test_the_admin_sees_every_accounts_webhooks_and_disables_one(admin: Admin) -> None:
    w = admin.world
    services = admin.services
    producer = services.accounts.get_account(w.accounts["production"])
    theirs = services.webhooks.subscribe(producer, RECEIVER, ["consent.granted"]).webhook
    http, csrf = admin.client()
    page = http.get("/portal/admin/webhooks").text
    assert RECEIVER in page and "For <strong>production</strong> (production)" in page
    made = http.post(
        "/portal/admin/webhooks",
        data={"csrf_token": csrf, "url": RECEIVER, "event": ["use.reported"]},
    )
    assert made.status_code == 200
    secret = re.search(r'<code id="webhook-secret">([^<]+)</code>', made.text)
    assert secret is not None
    assert secret.group(1) not in http.get("/portal/admin/webhooks").text
    none = http.post("/portal/admin/webhooks", data={"csrf_token": csrf, "url": RECEIVER})
    assert none.status_code == 422
    assert "no event types" in none.text and f'value="{RECEIVER}"' in none.text
    off = http.post(f"/portal/admin/webhooks/{theirs.id}/disable", data={"csrf_token": csrf})
    assert "disabled" in http.get(off.headers["location"]).text
    assert not services.webhooks.webhooks(producer)[0].active


# -- retention -------------------------------------------------------------------------


def test_retention_shows_what_is_due_and_destroys_only_when_confirmed(
    admin: Admin, tmp_path: Path
) -> None:
    w = admin.world
    services = admin.services
    services.enrolment.enrol(w.performer, [face_image(tmp_path / "ada.png", [Block(RED)])])

    def templates() -> int:
        with services.database.read() as connection:
            return int(
                connection.execute(
                    text("SELECT count(*) FROM templates WHERE performer_id = :p"),
                    {"p": w.performer},
                ).scalar_one()
            )

    http, csrf = admin.client()
    page = http.get("/portal/admin/retention")
    assert "Ada Lovelace" in page.text and "kept" in page.text
    assert "Nothing to do now." in page.text
    # The enrolment was on 2026-01-05 (the clock's start): destroyed on 2029-01-05.
    clock = services.clock
    assert isinstance(clock, FixedClock)
    clock.advance(seconds=(datetime(2029, 1, 6, 9, tzinfo=UTC) - clock.now()).total_seconds())
    http, csrf = admin.client()  # the old session expired with the years
    page = http.get("/portal/admin/retention")
    shown = visible(page.text)
    assert "Ada Lovelace: 1 template, due since 2029-01-05" in shown
    due = re.search(r'name="due" value="([^"]*)"', page.text)
    assert due is not None
    unconfirmed = http.post(
        "/portal/admin/retention/run", data={"csrf_token": csrf, "due": due.group(1)}
    )
    assert unconfirmed.status_code == 422
    assert "the run was not confirmed" in unconfirmed.text
    stale = http.post(
        "/portal/admin/retention/run", data={"csrf_token": csrf, "due": ";", "confirm": "yes"}
    )
    assert stale.status_code == 409
    assert "what is due changed since the page was loaded" in stale.text
    assert templates() == 1  # nothing destroyed by either
    done = http.post(
        "/portal/admin/retention/run",
        data={"csrf_token": csrf, "due": due.group(1), "confirm": "yes"},
    )
    assert done.status_code == 200
    assert re.search(r'id="destroyed-count">1<', done.text)
    assert "Ada Lovelace: destroyed (log entry" in visible(done.text)
    assert templates() == 0
