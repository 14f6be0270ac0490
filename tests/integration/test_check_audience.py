"""A media check and a scan report, as a platform (an outsider) reads them: the outcome
for each likeness found, no consent id, purpose, date or pay (fake encoders: fast)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import httpx

from likeness.bootstrap import Services, build_services, initialise
from likeness.domain.account import Role
from likeness.domain.consent import Modality, ReplicaKind, UseFacts
from likeness.domain.decision import Audience, DecisionOutcome
from likeness.domain.scan import ScanOptions
from likeness.settings import Settings
from likeness.testing import fake_encoders
from likeness.testing.media import RED, Block, face_image
from tests.api_world import bearer
from tests.casting import cast_with_consent
from tests.fake_server import Served, fake_server

PURPOSE = "appear in the trailer"  # tests/casting.py's consent


def _use(film: str, purpose: str) -> UseFacts:
    return UseFacts(
        production_id=film,
        replica_kind=ReplicaKind.EMPLOYMENT_BASED,
        modalities=frozenset({Modality.FACE}),
        purpose=purpose,
        date=date(2026, 1, 5),
    )


def test_a_media_check_is_cut_to_its_caller(fake_services: Services, tmp_path: Path) -> None:
    ids = cast_with_consent(fake_services, "ada", "bo")
    card = face_image(tmp_path / "ada.png", [Block(RED)])
    fake_services.enrolment.enrol(ids["ada"], [card])
    still = face_image(tmp_path / "still.png", [Block(RED)])
    use = _use(ids["film"], "sell breakfast cereal")

    party = fake_services.checks.check_media(still, use, Audience.PARTY)
    outsider = fake_services.checks.check_media(still, use, Audience.OUTSIDER)

    [seen], [told] = party.findings, outsider.findings
    assert seen.performer_id == told.performer_id == ids["ada"]
    assert seen.outcome is told.outcome is DecisionOutcome.NOT_COVERED
    assert seen.decision is not None and told.decision is not None
    assert any(PURPOSE in r.message for r in seen.decision.reasons)
    assert not any(PURPOSE in r.message for r in told.decision.reasons)
    assert "the use's purpose is not a consented purpose" in [
        r.message for r in told.decision.reasons
    ]
    assert "2027-01-01" not in repr(told.decision)  # the consent's end
    # The log commits to what each was told, and nothing more.
    findings = outsider.committed.record["findings"]
    assert isinstance(findings, list) and findings[0] == {
        "performer_id": ids["ada"],
        "modality": "face",
        "decision": "not_covered",
        "consent_id": None,
        "reasons": [r.to_json() for r in told.decision.reasons],
    }
    assert PURPOSE not in repr(outsider.committed.record)


def test_a_scan_report_as_an_outsider_reads_it(fake_services: Services, tmp_path: Path) -> None:
    ids = cast_with_consent(fake_services, "ada", "bo")
    fake_services.enrolment.enrol(ids["ada"], [face_image(tmp_path / "ada.png", [Block(RED)])])
    still = face_image(tmp_path / "still.png", [Block(RED)])
    options = ScanOptions(ids["film"], purpose=PURPOSE, use_date=date(2026, 1, 5))
    report = fake_services.scans.scan([still], options)

    [party] = report.appearances()
    [outsider] = report.seen_by(Audience.OUTSIDER).appearances()
    assert party.outcome is outsider.outcome is DecisionOutcome.COVERED
    assert party.consent_id is not None
    assert outsider.consent_id is None
    assert party.consent_id in party.reasons[0].message
    assert [r.message for r in outsider.reasons] == ["a consent on file covers this use"]
    assert report.seen_by(Audience.PARTY) is report


def _scan(served: Served, token: dict[str, str], film: str, upload: Path) -> str:
    answer = httpx.post(
        f"{served.base}/v1/scans",
        headers=token,
        files=[("files", (upload.name, upload.read_bytes(), "image/png"))],
        data={"production_id": film, "purpose": PURPOSE},  # used today
        timeout=30,
    )
    assert answer.status_code == 202, answer.text
    job: str = answer.json()["id"]
    for _ in range(600):
        status = httpx.get(f"{served.base}/v1/scans/{job}", headers=token, timeout=30)
        if status.json()["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert status.json()["status"] == "done"
    return job


def test_a_platforms_scan_is_told_in_its_own_terms_and_kept_from_the_production(
    settings: Settings, tmp_path: Path
) -> None:
    """The platform that submitted a scan reads its report with no consent named; the
    production the scan named neither lists nor reads it (the platform's users' uploads),
    and reads its own scan of the same picture with its consent named."""
    initialise(settings)
    services = build_services(settings, encoders=fake_encoders())
    try:
        ids = cast_with_consent(services, "ada", "bo")
        services.enrolment.enrol(ids["ada"], [face_image(tmp_path / "ada.png", [Block(RED)])])
        tokens = {}
        for role, acting in (
            (Role.PLATFORM, {}),
            (Role.PRODUCTION, {"production_id": ids["film"]}),
        ):
            account = services.accounts.add_account(f"{role.value} co", role, **acting)
            tokens[role] = bearer(services.accounts.create_api_key(account.id).token)
    finally:
        services.close()
    upload = face_image(tmp_path / "user-42-upload.png", [Block(RED)])
    platform, production = tokens[Role.PLATFORM], tokens[Role.PRODUCTION]
    with fake_server(settings.home) as served:
        theirs = _scan(served, platform, ids["film"], upload)
        own = _scan(served, production, ids["film"], upload)
        told = httpx.get(f"{served.base}/v1/scans/{theirs}/report", headers=platform, timeout=30)
        seen = httpx.get(f"{served.base}/v1/scans/{own}/report", headers=production, timeout=30)
        refused = [
            httpx.get(f"{served.base}/v1/scans/{theirs}{tail}", headers=production, timeout=30)
            for tail in ("", "/report")
        ]
        listed = httpx.get(f"{served.base}/v1/scans", headers=production, timeout=30).json()
    [told_a] = told.json()["appearances"]
    [seen_a] = seen.json()["appearances"]
    assert told_a["decision"] == seen_a["decision"] == "covered"
    assert seen_a["consent_id"] is not None
    assert told_a["consent_id"] is None
    assert seen_a["consent_id"] not in told.text
    assert [r["message"] for r in told_a["reasons"]] == ["a consent on file covers this use"]
    assert [job["id"] for job in listed] == [own]
    for answer in refused:
        assert answer.status_code == 403
        message = answer.json()["error"]["message"]
        assert message == "this scan job belongs to another production or account"
        assert "user-42" not in answer.text
