"""The HTTP API end to end, and everything it must refuse: oversize uploads, wrong content
types, malformed JSON, expired and revoked keys, other people's records, unknown ids."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from likeness.bootstrap import Services, build_services, initialise
from likeness.ledger.note import parse_verifier
from likeness.ledger.receipt import parse_receipt, verify_receipt
from likeness.settings import load_settings
from likeness.testing import FixedClock
from tests.api_world import World, bearer, build_world, client, use_body


@pytest.fixture
def world(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[World, TestClient]]:
    settings = load_settings(home=tmp_path / "home", max_upload_bytes=4096)
    initialise(settings, clock=clock)
    services: Services = build_services(settings, clock=clock)
    yield build_world(services), client(services)
    services.close()


def error_of(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    return body["error"]  # type: ignore[no-any-return]


def test_consent_flow_over_the_api_with_verifiable_receipts(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    production, performer = bearer(w.tokens["production"]), bearer(w.tokens["performer"])
    vague = {
        "performer_id": w.performer,
        "production_id": w.production,
        "replica_kind": "employment_based",
        "modalities": ["voice"],
        "description": {
            "project": "The Long Night",
            "purpose": "any and all uses in perpetuity",
            "territory": "the universe",
            "media": ["all media now known or hereafter devised"],
        },
        "valid_from": w.today.isoformat(),
    }
    refused = http.post("/v1/consents", json=vague, headers=production)
    assert refused.status_code == 422
    assert "not reasonably specific" in error_of(refused)["message"]

    specific = {
        **vague,
        "description": {
            "project": "The Long Night",
            "purpose": "narrate the opening titles over the harbour sequence",
            "territory": "United States",
            "media": ["theatrical release"],
            "scenes": ["scene 1"],
        },
        "valid_until": (w.today + timedelta(days=90)).isoformat(),
        "compensation": {"basis": "flat", "amount": "2500.00", "currency": "USD"},
    }
    asked = http.post("/v1/consents", json=specific, headers=production)
    assert asked.status_code == 201, asked.text
    consent_id = asked.json()["id"]
    assert asked.json()["state"] == "requested"

    use = {**use_body(w.production, w.today), "modalities": ["voice"]}
    use |= {
        "purpose": "narrate the opening titles over the harbour sequence",
        "scenes": ["scene 1"],
    }
    check = {"performer_id": w.performer, "use": use}
    platform = bearer(w.tokens["platform"])
    before = http.post("/v1/check", json=check, headers=platform).json()
    assert before["covered"] is False

    granted = http.post(f"/v1/consents/{consent_id}/grant", json={}, headers=performer)
    assert granted.status_code == 200, granted.text
    assert granted.json()["state"] == "granted"
    assert granted.json()["granted_by"] == "performer"

    after = http.post("/v1/check", json=check, headers=platform).json()
    assert after["covered"] is True
    assert after["findings"][0]["consent_id"] is None  # a platform is not told which consent
    told_production = http.post("/v1/check", json=check, headers=production).json()
    assert told_production["findings"][0]["consent_id"] == consent_id
    receipt = parse_receipt(json.dumps(after["receipt"]))
    checkpoint = verify_receipt(receipt, parse_verifier(after["verifier_key"]))
    assert checkpoint.size > after["log_index"]

    receipts = http.get(f"/v1/consents/{consent_id}/receipts", headers=performer).json()
    assert len(receipts) == 2  # requested, granted
    for item in receipts:
        verify_receipt(parse_receipt(json.dumps(item)), parse_verifier(after["verifier_key"]))

    revoked = http.post(f"/v1/consents/{consent_id}/revoke", json={}, headers=performer)
    assert revoked.json()["state"] == "revoked"
    assert http.post("/v1/check", json=check, headers=platform).json()["covered"] is False


def test_a_representative_signs_in_their_own_name(world: tuple[World, TestClient]) -> None:
    w, http = world
    answered = http.post(
        f"/v1/consents/{w.requested}/grant", json={}, headers=bearer(w.tokens["representative"])
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["granted_by"] == "representative"
    assert answered.json()["signer"] == "Rex Agent"


def test_a_performer_cannot_read_or_answer_another_performers_consent(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    other = bearer(w.tokens["performer_other"])
    read = http.get(f"/v1/consents/{w.consent}", headers=other)
    assert read.status_code == 403
    assert "another performer or production" in error_of(read)["message"]
    grant = http.post(f"/v1/consents/{w.requested}/grant", json={}, headers=other)
    assert grant.status_code == 403
    listed = http.get("/v1/consents", headers=other).json()
    assert {c["id"] for c in listed} == {w.consent_other}


def test_a_production_cannot_act_for_another_production(world: tuple[World, TestClient]) -> None:
    w, http = world
    body = {"performer_id": w.performer, "use": use_body(w.production, w.today)}
    refused = http.post("/v1/uses", json=body, headers=bearer(w.tokens["production_other"]))
    assert refused.status_code == 403
    assert w.production in error_of(refused)["message"]


def test_revoked_and_expired_keys_are_refused(world: tuple[World, TestClient]) -> None:
    w, http = world
    services = w.services
    account = w.accounts["auditor"]
    revoked = services.accounts.create_api_key(account, "old")
    services.accounts.revoke_api_key(revoked.key.id)
    answer = http.get("/v1/me", headers=bearer(revoked.token))
    assert answer.status_code == 401
    assert error_of(answer)["message"] == f"API key {revoked.key.id} was revoked"

    short = services.accounts.create_api_key(account, "short", expires_in=timedelta(hours=1))
    assert http.get("/v1/me", headers=bearer(short.token)).status_code == 200
    services.clock.advance(hours=2)  # type: ignore[attr-defined]
    expired = http.get("/v1/me", headers=bearer(short.token))
    assert expired.status_code == 401
    assert "expired at" in str(error_of(expired)["message"])

    forged = http.get("/v1/me", headers=bearer(revoked.token[:-4] + "AAAA"))
    assert forged.status_code == 401
    # Without the secret, a revoked key is not told apart from one that never existed.
    assert error_of(forged)["message"] == "API key is unknown or revoked"
    malformed = http.get("/v1/me", headers=bearer("not-a-key"))
    assert error_of(malformed)["message"] == "malformed API key"


def test_wrong_content_types_get_415(world: tuple[World, TestClient]) -> None:
    w, http = world
    headers = bearer(w.tokens["platform"])
    body = json.dumps({"performer_id": w.performer, "use": use_body(w.production, w.today)})
    as_text = http.post("/v1/check", content=body, headers=headers | {"content-type": "text/plain"})
    assert as_text.status_code == 415
    assert error_of(as_text)["kind"] == "unsupported_media_type"
    untyped = http.post("/v1/check", content=body, headers=headers)
    assert untyped.status_code == 415
    json_to_upload = http.post("/v1/scans", json={"production_id": w.production}, headers=headers)
    assert json_to_upload.status_code == 415
    assert "multipart/form-data" in str(error_of(json_to_upload)["message"])


def test_malformed_json_gets_400_and_invalid_fields_422(world: tuple[World, TestClient]) -> None:
    w, http = world
    headers = bearer(w.tokens["platform"]) | {"content-type": "application/json"}
    broken = http.post("/v1/check", content=b'{"performer_id": ', headers=headers)
    assert broken.status_code == 400
    assert error_of(broken)["message"] == "the body is not valid JSON"
    bad_field = http.post(
        "/v1/check",
        json={"performer_id": w.performer, "use": {**use_body(w.production, w.today), "date": "x"}},
        headers=bearer(w.tokens["platform"]),
    )
    assert bad_field.status_code == 422
    assert "use.date" in str(error_of(bad_field)["message"])
    unknown_field = http.post(
        "/v1/check",
        json={"performer_id": w.performer, "use": use_body(w.production, w.today), "extra": 1},
        headers=bearer(w.tokens["platform"]),
    )
    assert unknown_field.status_code == 422


def test_text_no_database_can_store_is_refused_422_and_nothing_is_stored(
    world: tuple[World, TestClient],
) -> None:
    # PostgreSQL refuses NUL in text (a 500 once, found by schemathesis); a \\ud800 escape
    # would decode to an unpaired surrogate, which no database stores.
    w, http = world
    before = http.get("/v1/productions", headers=bearer(w.tokens["admin"])).json()
    body = {
        "title": "Night Shift",
        "kind": "interactive",
        "agreement": "sag-aftra-commercials",
        "start_date": "2026-10-21",
        "company": "Northlight",
    }
    nul = http.post(
        "/v1/productions",
        json={**body, "company": "North\x00light"},
        headers=bearer(w.tokens["admin"]),
    )
    assert nul.status_code == 422
    assert "company: text must not contain the NUL character" in str(error_of(nul)["message"])
    surrogate = json.dumps(body).replace("Night Shift", "Night \\ud800Shift").encode()
    lone = http.post(
        "/v1/productions",
        content=surrogate,
        headers=bearer(w.tokens["admin"]) | {"content-type": "application/json"},
    )
    assert lone.status_code == 422
    assert "title: Input should be a valid string" in str(error_of(lone)["message"])
    assert http.get("/v1/productions", headers=bearer(w.tokens["admin"])).json() == before
    made = http.post("/v1/productions", json=body, headers=bearer(w.tokens["admin"]))
    assert made.status_code == 201, made.text


def test_oversize_uploads_get_413_and_leave_nothing_behind(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    headers = bearer(w.tokens["production"])
    big = b"\x00" * 10_000  # the limit in this test is 4096 bytes
    declared = http.post(
        "/v1/scans",
        files={"files": ("clip.mp4", big, "video/mp4")},
        data={"production_id": w.production},
        headers=headers,
    )
    assert declared.status_code == 413
    assert error_of(declared)["kind"] == "payload_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"performer_id": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    streamed = http.post(
        "/v1/check",
        content=chunks(),
        headers=bearer(w.tokens["platform"]) | {"content-type": "application/json"},
    )
    assert streamed.status_code == 413
    jobs_folder = w.services.layout.root / "jobs"
    assert not jobs_folder.exists() or list(jobs_folder.iterdir()) == []


def test_unknown_ids_and_routes_get_the_envelope(world: tuple[World, TestClient]) -> None:
    w, http = world
    admin = bearer(w.tokens["admin"])
    missing = http.get("/v1/consents/01J00000000000000000000000", headers=admin)
    assert missing.status_code == 404
    assert error_of(missing)["kind"] == "not_found"
    assert http.get("/v1/nothing-here", headers=admin).status_code == 404
    # Without a key, every path under /v1 is refused alike: no map of the routes.
    assert error_of(http.get("/v1/nothing-here"))["kind"] == "unauthenticated"
    wrong_method = http.put("/v1/me", headers=admin)
    assert wrong_method.status_code == 405
    assert error_of(wrong_method)["kind"] == "method_not_allowed"


def test_admin_issues_a_key_that_works_once_and_can_be_revoked(
    world: tuple[World, TestClient],
) -> None:
    w, http = world
    admin = bearer(w.tokens["admin"])
    made = http.post(
        f"/v1/accounts/{w.accounts['platform']}/keys",
        json={"label": "ci", "expires_in_days": 30},
        headers=admin,
    ).json()
    assert made["expires_at"].startswith((w.today + timedelta(days=30)).isoformat())
    assert http.get("/v1/me", headers=bearer(made["token"])).json()["role"] == "platform"
    assert http.delete(f"/v1/keys/{made['id']}", headers=admin).json()["active"] is False
    assert http.get("/v1/me", headers=bearer(made["token"])).status_code == 401
    listed = http.get("/v1/accounts", headers=admin).json()
    assert all("token" not in a and "secret_hash" not in a for a in listed)


def test_openapi_describes_the_api_and_its_security(world: tuple[World, TestClient]) -> None:
    _, http = world
    spec = http.get("/openapi.json").json()
    assert "/v1/check" in spec["paths"]
    assert spec["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    check = spec["paths"]["/v1/check"]["post"]
    assert "ErrorEnvelope" in json.dumps(check["responses"]["403"])


def test_the_log_is_served_without_a_key(world: tuple[World, TestClient]) -> None:
    w, http = world
    checkpoint = http.get("/log/checkpoint")
    assert checkpoint.status_code == 200
    assert checkpoint.text.startswith(w.services.settings.log_origin + "\n")
    size = w.services.ledger.size()
    assert 0 < size < 256  # one partial level-0 tile holds every hash
    tile = http.get(f"/log/tile/0/000.p/{size}")
    assert tile.status_code == 200
    assert len(tile.content) == 32 * size
    assert http.get(f"/log/tile/0/000.p/{size + 1}").status_code == 404
    assert http.get("/healthz").text == "ok\n"
