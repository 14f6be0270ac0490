"""Each party sees only its own terms, tried as an attacker would, over HTTP against a
real ``likeness serve``.

Performer A has consents with production X only (one of them with a purpose and dates
nobody else should learn). Production Y, acting for itself, and a platform, acting for
nobody, ask about A: neither may read X's consent ids, purposes or dates in any answer,
and Y may not lean a use on X's consent. A check's answer carries the salt and record
that open its log entry, and the caller can recompute that entry from the answer alone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import rfc8785

from likeness.bootstrap import build_services, initialise
from likeness.domain.consent import Grantor, Modality, ReplicaKind, UseDescription
from likeness.domain.lifecycle import ConsentRequest
from likeness.ledger.note import parse_verifier
from likeness.ledger.receipt import parse_receipt, verify_receipt
from likeness.settings import load_settings
from tests.api_world import PURPOSE, World, bearer, build_world, use_body
from tests.server import running_server

SECRET_PURPOSE = "ride the carousel at dusk while the fireworks begin in scene 7"
UNKNOWN_CONSENT = "01J0000000000000000000000Z"


@dataclass
class Attack:
    base: str
    world: World
    secret: str  # a granted consent of performer A with production X
    secret_start: date
    secret_end: date

    @property
    def foreign(self) -> list[str]:
        """What production Y and a platform must never read: X's consent ids (with A),
        the secret consent's purpose and its dates."""
        w = self.world
        return [
            self.secret,
            w.consent,
            w.requested,
            SECRET_PURPOSE,
            self.secret_start.isoformat(),
            self.secret_end.isoformat(),
        ]

    def post(self, role: str, path: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(
            f"{self.base}{path}", json=body, headers=bearer(self.world.tokens[role]), timeout=30
        )

    def get(self, role: str, path: str) -> httpx.Response:
        return httpx.get(f"{self.base}{path}", headers=bearer(self.world.tokens[role]), timeout=30)


@pytest.fixture(scope="module")
def attack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Attack]:
    home: Path = tmp_path_factory.mktemp("tenants") / "home"
    settings = load_settings(home=home)
    initialise(settings)
    services = build_services(settings)
    try:
        world = build_world(services)
        today = world.today
        start, end = today - timedelta(days=17), today + timedelta(days=333)
        secret = services.consents.request(
            world.performer,
            world.production,
            ConsentRequest(
                replica_kind=ReplicaKind.EMPLOYMENT_BASED,
                modalities=frozenset({Modality.FACE, Modality.VOICE}),
                description=UseDescription(
                    project="The Long Night",
                    purposes=(SECRET_PURPOSE,),
                    scenes=("scene 7",),
                    media=("theatrical release",),
                    territory="worldwide",
                ),
                valid_from=start,
                valid_until=end,
            ),
        ).value.id
        services.consents.grant(
            secret, by=Grantor.PERFORMER, signed_separately=True, clear_and_conspicuous=True
        )
    finally:
        services.close()
    with running_server(home) as base:
        yield Attack(base, world, secret, start, end)


def _clean(attack: Attack, response: httpx.Response, *, sent: str = "") -> None:
    """Nothing foreign in the answer, but what the caller itself sent (its own words)."""
    leaked = [item for item in attack.foreign if item in response.text and item != sent]
    assert leaked == [], f"{response.request.url.path} told {leaked}: {response.text}"


def _own_use(attack: Attack, production: str, purpose: str) -> dict[str, Any]:
    use = use_body(production, attack.world.today)
    scenes = ["scene 7"] if purpose == SECRET_PURPOSE else use["scenes"]
    return {
        "performer_id": attack.world.performer,
        "use": {**use, "purpose": purpose, "scenes": scenes},
    }


@pytest.mark.parametrize("path", ["/v1/uses/preview", "/v1/check"])
@pytest.mark.parametrize("purpose", [SECRET_PURPOSE, PURPOSE, "film the ending again"])
def test_another_production_learns_only_that_no_consent_of_its_own_covers(
    attack: Attack, path: str, purpose: str
) -> None:
    answer = attack.post(
        "production_other", path, _own_use(attack, attack.world.production_other, purpose)
    )
    assert answer.status_code == 200, answer.text
    _clean(attack, answer, sent=purpose)
    body = answer.json()
    decision = body if path == "/v1/uses/preview" else body["findings"][0]
    assert decision["decision"] == "not_covered"
    assert decision["consent_id"] is None
    messages = [r["message"] for r in decision["reasons"]]
    assert messages == [
        f"no consent from performer {attack.world.performer} is on file for this use"
    ]


def test_a_stored_use_of_another_production_names_none_of_xs_consents(attack: Attack) -> None:
    report = _own_use(attack, attack.world.production_other, SECRET_PURPOSE)
    stored = attack.post("production_other", "/v1/uses", report)
    assert stored.status_code == 201, stored.text
    _clean(attack, stored, sent=SECRET_PURPOSE)
    again = attack.get("production_other", f"/v1/uses/{stored.json()['use_id']}")
    assert again.status_code == 200
    _clean(attack, again, sent=SECRET_PURPOSE)
    listed = attack.get("production_other", "/v1/uses")
    _clean(attack, listed, sent=SECRET_PURPOSE)


def test_a_use_cannot_name_another_productions_consent(attack: Attack) -> None:
    """Refused exactly as if the consent did not exist: the answer tells Y nothing."""
    report = _own_use(attack, attack.world.production_other, SECRET_PURPOSE)
    foreign = attack.post("production_other", "/v1/uses", {**report, "consent_id": attack.secret})
    missing = attack.post("production_other", "/v1/uses", {**report, "consent_id": UNKNOWN_CONSENT})
    assert foreign.status_code == missing.status_code == 404
    assert foreign.text.replace(attack.secret, "<id>") == missing.text.replace(
        UNKNOWN_CONSENT, "<id>"
    )
    assert "production " + attack.world.production_other in foreign.json()["error"]["hint"]


@pytest.mark.parametrize("purpose", [SECRET_PURPOSE, "film the ending again"])
def test_a_platform_is_told_the_outcome_in_its_own_terms(attack: Attack, purpose: str) -> None:
    asked = _own_use(attack, attack.world.production, purpose)
    if purpose != SECRET_PURPOSE:  # no scenes: the named purpose decides
        asked["use"]["scenes"] = []
    answer = attack.post("platform", "/v1/check", asked)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    finding = body["findings"][0]
    if purpose == SECRET_PURPOSE:  # the platform's own words: it may read them back
        assert body["covered"] is True
        assert [r["message"] for r in finding["reasons"]] == ["a consent on file covers this use"]
    else:
        _clean_of_purpose = SECRET_PURPOSE not in answer.text and PURPOSE not in answer.text
        assert _clean_of_purpose, answer.text
        assert body["covered"] is False
        assert {r["topic"] for r in finding["reasons"]} >= {"purpose"}
        assert "the use's purpose is not a consented purpose" in [
            r["message"] for r in finding["reasons"]
        ]
    assert finding["consent_id"] is None
    assert finding["total"] is None  # what is paid is between the parties
    ids_and_dates = [i for i in attack.foreign if i != SECRET_PURPOSE]
    assert [i for i in ids_and_dates if i in answer.text] == []


def test_the_same_check_by_the_production_itself_names_its_consent(attack: Attack) -> None:
    """The cut is per caller: X reads its own consent in the answer the platform did not."""
    asked = _own_use(attack, attack.world.production, SECRET_PURPOSE)
    answer = attack.post("production", "/v1/check", asked)
    assert answer.json()["findings"][0]["consent_id"] == attack.secret


@pytest.mark.parametrize("role", ["platform", "production"])
def test_a_caller_recomputes_the_checks_log_entry_from_its_answer(
    attack: Attack, role: str
) -> None:
    asked = _own_use(attack, attack.world.production, "film the ending again")
    answer = attack.post(role, "/v1/check", asked).json()
    receipt = parse_receipt(json.dumps(answer["receipt"]))
    verify_receipt(receipt, parse_verifier(answer["verifier_key"]))
    entry = json.loads(receipt.entry)
    assert entry["type"] == "check.performed"

    # The record, rebuilt from what the caller sent and was told, not from the server's copy.
    committed = answer["commitment"]["record"]
    rebuilt = {
        "use": committed["use"],
        "covered": answer["covered"],
        "findings": [
            {
                "performer_id": f["performer_id"],
                "modality": f["modality"],
                "decision": f["decision"],
                "consent_id": f["consent_id"],
                "reasons": f["reasons"],
            }
            for f in answer["findings"]
        ],
    }
    assert rebuilt == committed
    sent = asked["use"]
    assert {k: committed["use"][k] for k in sent} == {
        **sent,
        "modalities": sorted(sent["modalities"]),
    }
    salt_b64 = answer["commitment"]["salt"]
    salt = base64.b64decode(salt_b64)
    digest = hashlib.sha256(rfc8785.dumps({"record": rebuilt, "salt": salt_b64})).digest()
    assert base64.b64encode(digest).decode() == entry["record_sha256"]
    for name, value in rebuilt.items():
        mac = hmac.digest(salt, rfc8785.dumps({"field": name, "value": value}), "sha256")
        assert base64.b64encode(mac).decode() == entry["commitments"][name]
    if role == "platform":
        assert all(f["consent_id"] is None for f in committed["findings"])


def test_a_wrong_salt_does_not_open_the_entry(attack: Attack) -> None:
    """The recomputation above could fail: another salt gives another digest."""
    asked = _own_use(attack, attack.world.production, SECRET_PURPOSE)
    answer = attack.post("platform", "/v1/check", asked).json()
    entry = json.loads(parse_receipt(json.dumps(answer["receipt"])).entry)
    wrong = base64.b64encode(bytes(32)).decode()
    record = answer["commitment"]["record"]
    digest = hashlib.sha256(rfc8785.dumps({"record": record, "salt": wrong})).digest()
    assert base64.b64encode(digest).decode() != entry["record_sha256"]


@pytest.mark.parametrize("action", ["grant", "deny", "revoke"])
def test_answering_someone_elses_consent_does_not_say_whose_it_is(
    attack: Attack, action: str
) -> None:
    """A consent id in hand must not tell another performer who gave it."""
    answer = attack.post("performer_other", f"/v1/consents/{attack.secret}/{action}", {})
    assert answer.status_code == 403
    assert attack.world.performer not in answer.text
    assert answer.json()["error"]["message"] == (
        "these records belong to another performer (and their representatives)"
    )
