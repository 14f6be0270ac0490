"""Consents and uses recorded before issue 13 still read, as their new shape.

The log is never rewritten, so a consent request logged with one ``purpose`` reads
as a list of one purpose, and a use stored before notes, media or notice times
existed reads them as their defaults. The JSON below is written by hand in the shape
the previous version's ``to_json`` wrote (commit 381fdc2), not produced by the code
under test.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from likeness.api.schemas import ConsentRequestIn, UseIn
from likeness.domain.consent import ExpressiveUse, UseFacts, utc_day
from likeness.domain.lifecycle import ConsentRequest

OLD_REQUEST = json.loads(
    """{"replica_kind": "employment_based", "modalities": ["face"],
    "description": {"project": "Night Shift", "purpose": "complete reshoot scenes",
      "character": "Dr. Vale", "scenes": ["42"], "media": ["streaming"],
      "territory": "worldwide"},
    "valid_from": "2025-08-10", "valid_until": "2026-06-30",
    "compensation": {"basis": "flat", "amount": "2000", "currency": "USD"},
    "representation": null, "real_time_generation": false,
    "created_for_production_id": null}"""
)
OLD_USE = json.loads(
    """{"production_id": "F1", "replica_kind": "employment_based", "modalities": ["face"],
    "scenes": ["42"], "purpose": "complete reshoot scenes", "date": "2025-10-01",
    "days_equivalent": "2", "as_principal": false, "substantially_as_scripted": false,
    "alteration": null, "creation": false, "real_time_generation": false,
    "sexual_or_nude": false, "strike_in_effect": false, "background_headcount_met": null,
    "distribution": []}"""
)


def test_a_single_purpose_consent_reads_as_a_list_of_one() -> None:
    request = ConsentRequest.from_json(OLD_REQUEST)
    assert request.description.purposes == ("complete reshoot scenes",)
    assert request.dubbing is False and request.max_period_of_use_ends is None
    assert request.compensation is not None and request.compensation.scale is None
    written = request.to_json()
    assert written["description"]["purposes"] == ["complete reshoot scenes"]
    assert "purpose" not in written["description"]
    assert ConsentRequest.from_json(written) == request


def test_an_old_use_reads_with_defaults_and_round_trips() -> None:
    use = UseFacts.from_json(OLD_USE)
    assert use.purpose == "complete reshoot scenes" and use.note == ""
    assert use.media == () and use.character is None and use.notice_at is None
    assert use.appearance is False and use.expressive_use is None
    assert use.days_equivalent == Decimal(2)
    assert UseFacts.from_json(use.to_json()) == use


def test_a_new_use_round_trips_every_field() -> None:
    use = UseFacts.from_json(
        {
            **OLD_USE,
            "note": "Delivered the closing speech (reshoot)",
            "character": "Dr. Vale",
            "media": ["streaming"],
            "notice_at": "2025-09-28T09:00:00+09:00",
            "expressive_use": "documentary",
            "dubbing": True,
        }
    )
    assert use.expressive_use is ExpressiveUse.DOCUMENTARY
    assert use.notice_at == datetime(2025, 9, 28, 0, 0, tzinfo=UTC)
    assert UseFacts.from_json(use.to_json()) == use


def test_an_instant_is_dated_in_utc() -> None:
    tokyo = datetime.fromisoformat("2025-10-02T01:00:00+09:00")
    assert utc_day(tokyo) == date(2025, 10, 1)


def test_the_api_takes_purposes_or_one_purpose_but_not_both() -> None:
    body = {
        "performer_id": "P1",
        "production_id": "F1",
        "replica_kind": "independently_created",
        "modalities": ["voice"],
        "valid_from": "2026-01-01",
        "description": {"project": "Harbour", "territory": "worldwide", "media": ["streaming"]},
    }
    listed = {**body, "description": {**body["description"], "purposes": ["a b", "c d"]}}
    single = {**body, "description": {**body["description"], "purpose": "a b"}}
    both = {**body, "description": {**listed["description"], "purpose": "a b"}}
    assert ConsentRequestIn.model_validate(listed).to_request().description.purposes == (
        "a b",
        "c d",
    )
    assert ConsentRequestIn.model_validate(single).to_request().description.purposes == ("a b",)
    for wrong in (both, body):
        with pytest.raises(ValidationError, match="give purposes"):
            ConsentRequestIn.model_validate(wrong)


def test_the_api_refuses_a_region_that_is_not_a_code() -> None:
    use = {
        "production_id": "F1",
        "replica_kind": "employment_based",
        "modalities": ["face"],
        "date": "2026-01-01",
        "distribution": ["France"],
    }
    with pytest.raises(ValidationError, match="'France' is not an ISO 3166 region code"):
        UseIn.model_validate(use)
    assert UseIn.model_validate({**use, "distribution": ["FR"]}).to_facts().purpose == ""
