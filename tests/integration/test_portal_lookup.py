"""Finding a performer to ask for consent (RegistryService.find_exact and the request
form's "1. Who"): a production picks from the performers it holds consents with, and
finds anyone else only by an exact union membership or an exact name with the date of
birth. A miss says nothing more; misses are throttled per account; nothing lists the
registry. The pages name people and show ids only in chips."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from likeness.api.app import create_app
from likeness.bootstrap import build_services, initialise
from likeness.errors import InvalidInputError, LookupThrottledError
from likeness.services.inputs import PerformerInput
from likeness.services.performer_lookup import ExactQuery
from likeness.settings import load_settings
from likeness.testing import FixedClock
from tests.api_world import World, build_world
from tests.integration.test_portal import log_in
from tests.portal_tour import bare_ids, visible_text

CY_BORN = date(1979, 3, 14)


@pytest.fixture
def world(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[World, TestClient]]:
    settings = load_settings(home=tmp_path / "home")
    initialise(settings, clock=clock)
    services = build_services(settings, clock=clock)
    app = create_app(services, deliver_webhooks=False)
    yield (
        build_world(services),
        TestClient(app, base_url="https://testserver", follow_redirects=False),
    )
    services.close()


def add_cy(w: World) -> str:
    """A performer no production holds a consent with, with a union membership and a
    professional name besides the legal one."""
    return w.services.registry.add_performer(
        PerformerInput(
            legal_name="Cynthia Member",
            professional_name="Cy Starling",
            date_of_birth=CY_BORN,
            union="SAG-AFTRA",
            member_number="SA-40417",
        )
    ).value.id


def performer_options(html: str) -> dict[str, str]:
    """The request form's performer picker: option value -> the name a person reads."""
    select = re.search(r'<select id="performer_id".*?</select>', html, re.DOTALL)
    assert select is not None
    found = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0))
    return {value: label for value, label in found if value}


def selected_performer(html: str) -> str | None:
    select = re.search(r'<select id="performer_id".*?</select>', html, re.DOTALL)
    assert select is not None
    chosen = re.search(r'<option value="([^"]+)" selected>', select.group(0))
    return None if chosen is None else chosen.group(1)


def find(http: TestClient, token: str, **fields: str) -> tuple[int, str]:
    answer = http.post("/portal/consents/new/find", data={"csrf_token": token, **fields})
    return answer.status_code, answer.text


MISSED = "No performer matches exactly these details."


def test_the_form_offers_only_the_performers_the_production_holds_consents_with(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    add_cy(w)
    log_in(http, "production")
    form = http.get("/portal/consents/new")
    assert form.status_code == 200
    assert performer_options(form.text) == {w.performer: "Ada Lovelace"}  # not Bo, not Cy
    assert "Cy Starling" not in form.text and "Bo Other" not in form.text
    assert 'id="performer_id" name="performer_id"' in form.text and "Performer id" not in form.text
    assert bare_ids(visible_text(form.text)) == []


def test_an_exact_membership_finds_the_performer_and_the_form_offers_them(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    cy = add_cy(w)
    token = log_in(http, "production")
    status, page = find(http, token, by="membership", union="sag-aftra", member_number="SA-40417")
    assert status == 200
    assert "Found <strong>Cy Starling</strong>" in page
    assert selected_performer(page) == cy  # chosen in the request form
    assert performer_options(page) == {cy: "Cy Starling", w.performer: "Ada Lovelace"}
    assert bare_ids(visible_text(page)) == []  # the id shows only in its chip
    assert f'<code class="id" title="Identifier">{cy}</code>' in page
    assert str(CY_BORN) not in page and "Cynthia" not in page  # nothing else told back
    # the request it makes goes to that performer, with the proof that it found them
    proof = re.search(r'name="found_token" value="([0-9a-f]{64})"', page)
    assert proof is not None
    answer = http.post(
        "/portal/consents",
        data={
            "csrf_token": token,
            "found_token": proof.group(1),
            "performer_id": cy,
            "replica_kind": "employment_based",
            "modality": "face",
            "project": "The Long Night",
            "purposes": "walk through the crowd in the market scene",
            "scenes": "scene 12",
            "media": "theatrical release",
            "territory": "worldwide",
            "valid_from": w.today.isoformat(),
        },
    )
    assert answer.status_code == 303, answer.text
    consent_id = answer.headers["location"].split("?")[0].rsplit("/", 1)[1]
    assert w.services.consents.get(consent_id).performer_id == cy


@pytest.mark.parametrize("name", ["cy  starling", "Cynthia Member", "CYNTHIA MEMBER"])
def test_an_exact_name_with_the_date_of_birth_finds_the_performer(
    world: tuple[World, TestClient], name: str
) -> None:
    w, http = world
    cy = add_cy(w)
    token = log_in(http, "production")
    status, page = find(http, token, by="name", name=name, date_of_birth=CY_BORN.isoformat())
    assert status == 200 and selected_performer(page) == cy


@pytest.mark.parametrize(
    "fields",
    [
        {"by": "name", "name": "Cy", "date_of_birth": CY_BORN.isoformat()},  # partial
        {"by": "name", "name": "Cy Starlin", "date_of_birth": CY_BORN.isoformat()},  # prefix
        {"by": "name", "name": "Cy Starling", "date_of_birth": "1979-03-15"},  # wrong day
        {"by": "membership", "union": "SAG-AFTRA", "member_number": "SA-4041"},  # prefix
        {"by": "membership", "union": "Equity", "member_number": "SA-40417"},  # other union
        {"by": "name", "name": "Nobody Registered", "date_of_birth": "1990-01-01"},
    ],
)
def test_anything_but_an_exact_match_misses_and_a_miss_says_nothing_more(
    world: tuple[World, TestClient], fields: dict[str, str]
) -> None:
    w, http = world
    add_cy(w)
    token = log_in(http, "production")
    status, page = find(http, token, **fields)
    assert status == 200 and MISSED in page
    assert selected_performer(page) is None and 'id="lookup-found"' not in page
    assert "Cynthia" not in page  # (what was typed is kept in its field)
    # the same words whether the person exists under other details or not at all
    flash = re.search(r'<p class="flash" role="status" id="lookup-missed">(.*?)</p>', page)
    assert flash is not None and flash.group(1).startswith(MISSED)
    assert "exist" not in flash.group(1) and "wrong" not in flash.group(1)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"by": "name", "name": "Cy Starling"}, "date of birth"),  # a name alone
        ({"by": "name", "name": "  ", "date_of_birth": CY_BORN.isoformat()}, "full name"),
        ({"by": "membership", "union": "SAG-AFTRA", "member_number": ""}, "member number"),
        ({"by": "name", "name": "Cy Starling", "date_of_birth": "14/03/1979"}, "date of birth"),
    ],
)
def test_less_than_the_exact_details_is_refused_and_lists_nobody(
    world: tuple[World, TestClient], fields: dict[str, str], words: str
) -> None:
    w, http = world
    add_cy(w)
    token = log_in(http, "production")
    status, page = find(http, token, **fields)
    assert status == 422
    error = re.search(r'id="lookup-error">(.*?)</p>', page, re.DOTALL)
    assert error is not None and words in error.group(1)
    assert performer_options(page) == {w.performer: "Ada Lovelace"}


def test_misses_make_the_account_wait_and_hits_do_not_take_them_back(
    world: tuple[World, TestClient], clock: FixedClock
) -> None:
    w, http = world
    cy = add_cy(w)
    registry = w.services.registry
    asker = w.accounts["production"]
    hit = ExactQuery.by_membership("SAG-AFTRA", "SA-40417")
    for number in range(10):  # ten misses are free; the tenth starts a wait
        miss = ExactQuery.by_membership("SAG-AFTRA", f"X{number}")
        assert registry.find_exact(miss, asker=asker) is None
        if number < 9:
            assert registry.find_exact(hit, asker=asker) is not None  # hits are free
    with pytest.raises(LookupThrottledError, match="try again after"):
        registry.find_exact(hit, asker=asker)  # even a hit waits
    other = w.accounts["production_other"]
    assert registry.find_exact(hit, asker=other) is not None  # per account
    clock.advance(seconds=3)
    assert registry.find_exact(hit, asker=asker) is not None
    assert registry.find_exact(ExactQuery.by_name("Nobody", CY_BORN), asker=asker) is None
    with pytest.raises(LookupThrottledError):  # the eleventh miss doubles the wait
        registry.find_exact(hit, asker=asker)
    clock.advance(seconds=3)
    with pytest.raises(LookupThrottledError):
        registry.find_exact(hit, asker=asker)
    clock.advance(seconds=2)
    assert registry.find_exact(hit, asker=asker) is not None
    assert cy  # the hits were Cy
    with w.services.database.read() as connection:  # counted under keyed hashes only
        keys = [r[0] for r in connection.exec_driver_sql("SELECT key_hash FROM login_throttle")]
    assert keys and not any(asker in k or other in k for k in keys)
    # the portal says so in the form
    token = log_in(http, "production")
    for _ in range(2):
        find(http, token, by="name", name="Nobody", date_of_birth="1990-01-01")
    status, page = find(http, token, by="membership", union="SAG-AFTRA", member_number="SA-40417")
    assert status == 422 and "too many lookups found nobody" in page
    assert selected_performer(page) is None


def test_a_shared_name_and_birthday_finds_nobody(world: tuple[World, TestClient]) -> None:
    w, _ = world
    for _ in range(2):
        w.services.registry.add_performer(
            PerformerInput(legal_name="Sam Twin", date_of_birth=date(2000, 2, 2))
        )
    query = ExactQuery.by_name("Sam Twin", date(2000, 2, 2))
    assert w.services.registry.find_exact(query, asker=w.accounts["production"]) is None


def test_the_query_refuses_less_than_exact_details() -> None:
    with pytest.raises(InvalidInputError, match="date of birth"):
        ExactQuery.by_name("Ada Lovelace", None)
    with pytest.raises(InvalidInputError, match="union and the member number"):
        ExactQuery.by_membership("", "123")
    with pytest.raises(InvalidInputError, match="a name with the date of birth"):
        ExactQuery(name="Ada Lovelace")  # built by hand, short of a whole query


@pytest.mark.parametrize("role", ["performer", "representative", "platform", "auditor"])
def test_only_productions_and_administrators_look_up_performers(
    world: tuple[World, TestClient], role: str
) -> None:
    w, http = world
    add_cy(w)
    token = log_in(http, w.usernames[role])
    status, page = find(http, token, by="membership", union="SAG-AFTRA", member_number="SA-40417")
    assert status == 403 and "Cy Starling" not in page


def test_an_administrator_picks_the_production_and_any_performer(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    cy = add_cy(w)
    log_in(http, "admin")
    form = http.get("/portal/consents/new").text
    assert performer_options(form) == {
        w.performer: "Ada Lovelace",
        w.performer_other: "Bo Other",
        cy: "Cy Starling",
    }
    productions = re.search(r'<select id="production_id".*?</select>', form, re.DOTALL)
    assert productions is not None
    assert "The Long Night" in productions.group(0) and "Other Film" in productions.group(0)
    assert bare_ids(visible_text(form)) == []


def request_for(w: World, token: str, performer_id: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "performer_id": performer_id,
        "replica_kind": "employment_based",
        "modality": "face",
        "project": "The Long Night",
        "purposes": "walk through the crowd in the market scene",
        "scenes": "scene 12",
        "media": "theatrical release",
        "territory": "worldwide",
        "valid_from": w.today.isoformat(),
    } | extra


def test_an_id_read_elsewhere_gets_no_name_and_no_request(
    world: tuple[World, TestClient],
) -> None:
    """Performer ids are public in the log: a production that sends one it never found
    (here in a refused form, then in a complete one) learns no name and asks nobody."""
    w, http = world
    cy = add_cy(w)
    token = log_in(http, "production")
    before = w.services.consents.find(performer_id=cy)
    refused = http.post("/portal/consents", data={"csrf_token": token, "performer_id": cy})
    assert refused.status_code in (403, 422)
    assert "Cy Starling" not in refused.text and "Cynthia" not in refused.text
    asked = http.post("/portal/consents", data=request_for(w, token, cy))
    assert asked.status_code == 422  # the form again, saying why
    assert "find them by exact details first" in asked.text
    assert "Cy Starling" not in asked.text
    forged = http.post("/portal/consents", data=request_for(w, token, cy, found_token="0" * 64))
    assert forged.status_code == 422 and "Cy Starling" not in forged.text
    assert w.services.consents.find(performer_id=cy) == before


def test_a_found_proof_is_for_one_performer_and_one_session(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    cy = add_cy(w)
    token = log_in(http, "production")
    _, page = find(http, token, by="membership", union="SAG-AFTRA", member_number="SA-40417")
    proof = re.search(r'name="found_token" value="([0-9a-f]{64})"', page)
    assert proof is not None
    other = w.performer_other  # never found: Cy's proof does not name them
    moved = http.post(
        "/portal/consents", data=request_for(w, token, other, found_token=proof.group(1))
    )
    assert moved.status_code == 422 and "Bo Other" not in moved.text
    token = log_in(http, "production")  # a new session: the old proof is void
    stale = http.post(
        "/portal/consents", data=request_for(w, token, cy, found_token=proof.group(1))
    )
    assert stale.status_code == 422 and "Cy Starling" not in stale.text
    _, page = find(http, token, by="membership", union="SAG-AFTRA", member_number="SA-40417")
    proof = re.search(r'name="found_token" value="([0-9a-f]{64})"', page)
    assert proof is not None
    made = http.post("/portal/consents", data=request_for(w, token, cy, found_token=proof.group(1)))
    assert made.status_code == 303, made.text  # the proof works where it belongs
