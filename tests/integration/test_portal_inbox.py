"""The inbox, role by role: what waits for each person, by name, linked to where it is
handled, and gone once handled. A real scan with the fake encoders makes the flag."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from likeness.api.app import create_app
from likeness.bootstrap import Services
from likeness.domain.account import Role
from likeness.domain.consent import Grantor, Modality, ReplicaKind, UseDescription
from likeness.domain.lifecycle import ConsentRequest
from likeness.domain.log_events import LogEventType
from likeness.domain.scan import ScanOptions
from likeness.domain.scan_job import ScanJobStatus
from likeness.domain.webhook import Delivery, DeliveryStatus, Webhook
from likeness.settings import Settings, load_settings
from likeness.store.scan_jobs import ScanJobRepository, ScanJobRow
from likeness.store.webhooks import DeliveryRepository, WebhookRepository
from likeness.testing.fakes import FixedClock
from likeness.testing.media import GREEN, RED, Block, face_image
from tests.casting import cast_with_consent
from tests.clips import make_clip

PASSWORD = "correct horse battery"
URL = "https://videos.example/watch?v=deepfake-1"
ULID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{26}\b")
CHIP = re.compile(r'<span class="id-chip">.*?</span></span>|<span class="id-chip">.*?</span>', re.S)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(home=tmp_path / "home")


@dataclass
class Cast:
    services: Services
    ada: str
    bo: str
    film: str
    flag: int
    request: str  # the film's request to Bo, unanswered
    accounts: dict[str, str]


def add_login(services: Services, name: str, role: Role, **tie: str) -> str:
    account = services.accounts.add_account(name, role, **tie)
    services.logins.set_password(account.id, name.lower().replace(" ", "-"), PASSWORD)
    return account.id


@pytest.fixture
def cast(fake_services: Services, tmp_path: Path) -> Cast:
    """Ada (red, consented) and Bo (green, no consent) in the film "Clip"; a scan of a clip
    with Bo on screen from 10 s to 14 s flags Bo; the film asks Bo for a consent."""
    services = fake_services
    ids = cast_with_consent(services, "ada", "bo")
    ada = face_image(tmp_path / "ada.png", [Block(RED)])
    bo = face_image(tmp_path / "bo.png", [Block(GREEN)])
    services.enrolment.enrol(ids["ada"], [ada])
    services.enrolment.enrol(ids["bo"], [bo])
    clip = make_clip(tmp_path / "clip.mp4", [(0, 4, ada), (4, 10, None), (10, 14, bo)])
    report = services.scans.scan([clip], ScanOptions(production_id=ids["film"]))
    [flag] = [a.flag_log_index for a in report.appearances() if a.flag_log_index is not None]
    accounts = {
        "bo": add_login(services, "Bo Login", Role.PERFORMER, performer_id=ids["bo"]),
        "agent": add_login(services, "Bo Agent", Role.REPRESENTATIVE, performer_id=ids["bo"]),
        "film": add_login(services, "Film Desk", Role.PRODUCTION, production_id=ids["film"]),
        "admin": add_login(services, "Root Admin", Role.ADMIN),
        "auditor": add_login(services, "Aud Itor", Role.AUDITOR),
        "platform": add_login(services, "Plat Form", Role.PLATFORM),
    }
    now = services.clock.now()
    with services.database.write() as connection:  # the film's scan job, as a worker leaves it
        ScanJobRepository(connection).add(
            ScanJobRow(
                id=services.ids.new(),
                account_id=accounts["film"],
                production_id=ids["film"],
                status=ScanJobStatus.DONE,
                options=json.dumps(ScanOptions(ids["film"]).to_json()),
                media=("clip.mp4",),
                report=json.dumps(report.to_json()),
                shows=(ids["ada"], ids["bo"]),
                error=None,
                created_at=now,
                finished_at=now,
            )
        )
    request = services.consents.request(
        ids["bo"],
        ids["film"],
        ConsentRequest(
            replica_kind=ReplicaKind.EMPLOYMENT_BASED,
            modalities=frozenset({Modality.FACE}),
            description=UseDescription(
                project="Clip, second cut",
                purposes=("appear in the teaser",),
                character="Himself",
                scenes=("2",),
                media=("streaming",),
                territory="worldwide",
            ),
            valid_from=date(2025, 12, 1),
            valid_until=date(2027, 1, 1),
        ),
    ).value.id
    return Cast(services, ids["ada"], ids["bo"], ids["film"], flag, request, accounts)


def inbox_of(services: Services, username: str) -> str:
    http = TestClient(
        create_app(services, deliver_webhooks=False),
        base_url="https://testserver",
        follow_redirects=False,
    )
    found = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/login").text)
    assert found is not None
    answer = http.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": found.group(1)},
    )
    assert answer.status_code == 303, answer.text
    page = http.get("/portal/inbox")
    assert page.status_code == 200
    visible = re.sub(r"<[^>]+>", " ", CHIP.sub(" ", page.text.split('<main id="main"')[1]))
    assert not ULID.findall(visible), "an id shown without a name"
    return page.text


def items(html: str, group: str) -> list[str]:
    """The items of one group: text and link, tags stripped."""
    found = re.search(rf'<section aria-labelledby="inbox-{group}-h".*?</section>', html, re.S)
    if found is None:
        return []
    return [
        " ".join(re.sub(r"<[^>]+>", " ", CHIP.sub(" ", li)).split())
        for li in re.findall(r"<li>(.*?)</li>", found.group(0), re.S)
    ]


def test_a_performer_sees_requests_flags_and_takedowns_until_handled(cast: Cast) -> None:
    services = cast.services
    html = inbox_of(services, "bo-login")
    [request] = items(html, "requests")
    assert request.startswith(
        "Clip asks for consent: Clip, second cut (appear in the teaser)"
    ) and request.endswith("Read and answer")
    assert f'href="/portal/consents/{cast.request}"' in html
    [flag] = items(html, "flags")
    assert flag.startswith("Your face in clip.mp4, 10") and "no consent covers it (Clip)" in flag
    assert flag.endswith("Draft a takedown notice") and 'href="/portal#flagged-h"' in html
    assert items(html, "takedowns") == []
    assert items(inbox_of(services, "bo-agent"), "requests") == [request]  # the representative

    bo = services.accounts.get_account(cast.accounts["bo"])
    services.takedowns.draft(bo, cast.flag, URL, contact="bo@example.org")
    services.consents.grant(
        cast.request, by=Grantor.PERFORMER, signed_separately=True, clear_and_conspicuous=True
    )
    html = inbox_of(services, "bo-login")
    assert items(html, "requests") == [] and items(html, "flags") == []
    [step] = items(html, "takedowns")
    assert step.startswith(f"Takedown notice for {URL} (drafted): print, sign and send it")


def test_a_production_sees_answers_and_its_scans(cast: Cast, clock: FixedClock) -> None:
    services = cast.services
    html = inbox_of(services, "film-desk")
    assert items(html, "answers")[0].startswith("Ada granted consent for Clip")
    [scan] = items(html, "scan-flags")
    assert scan.startswith("The scan of clip.mp4 found 1 appearance no consent covers")
    assert scan.endswith("Review the appearances")
    services.consents.deny(cast.request, by=Grantor.PERFORMER, reason="not this year")
    now = services.clock.now()
    with services.database.write() as connection:
        ScanJobRepository(connection).add(
            ScanJobRow(
                id=services.ids.new(),
                account_id=cast.accounts["film"],
                production_id=cast.film,
                status=ScanJobStatus.FAILED,
                options=json.dumps(ScanOptions(cast.film).to_json()),
                media=("broken.mp4",),
                report=None,
                shows=(),
                error="broken.mp4: not a video PyAV can read",
                created_at=now,
                finished_at=now,
            )
        )
    html = inbox_of(services, "film-desk")
    assert "Bo denied consent for Clip, second cut · 2026-01-05 Open the consent" in items(
        html, "answers"
    )
    [failed] = items(html, "scans")
    assert failed.startswith("The scan of broken.mp4 failed: broken.mp4: not a video")
    clock.advance(days=31)
    later = inbox_of(services, "film-desk")
    assert items(later, "answers") == [] and items(later, "scans") == []


def test_admins_and_auditors_see_retention_calibrations_and_failed_deliveries(
    cast: Cast, tmp_path: Path, clock: FixedClock
) -> None:
    services = cast.services
    folder = tmp_path / "set"
    for person, colours in {"p1": [RED, (210, 40, 30)], "p2": [GREEN, (40, 190, 50)]}.items():
        (folder / person).mkdir(parents=True)
        for i, colour in enumerate(colours):
            face_image(folder / person / f"{i}.png", [Block(colour)])
    run = services.calibrations.calibrate(folder)
    services.calibrations.activate(run.calibration.id, anyway=True)
    admin_id = cast.accounts["admin"]
    hook = Webhook(
        id=services.ids.new(),
        account_id=admin_id,
        url="https://hooks.example/likeness",
        sealed_secret=b"sealed",
        events=(LogEventType.CONSENT_GRANTED,),
        created_at=services.clock.now(),
    )
    with services.database.write() as connection:  # a delivery given up on after retries
        WebhookRepository(connection).add(hook)
        DeliveryRepository(connection).add_many(
            [
                Delivery(
                    id=services.ids.new(),
                    webhook_id=hook.id,
                    event_id=services.ids.new(),
                    event_type=LogEventType.CONSENT_GRANTED,
                    payload="{}",
                    status=DeliveryStatus.FAILED,
                    attempts=8,
                    next_attempt_at=None,
                    last_status=503,
                    last_error="HTTP 503 from the subscriber",
                    created_at=services.clock.now(),
                    delivered_at=None,
                )
            ]
        )
    admin = inbox_of(services, "root-admin")
    [calibration] = items(admin, "calibration")
    assert calibration.startswith("The face calibration of fake-face@1 in force does not show")
    assert 'href="/portal/calibration"' in admin
    [delivery] = items(admin, "webhooks")
    assert delivery.startswith(
        "1 delivery to https://hooks.example/likeness failed in the last 7 days "
        "(last: HTTP 503 from the subscriber)"
    )
    assert items(admin, "retention") == []
    auditor = inbox_of(services, "aud-itor")
    assert items(auditor, "calibration") == [calibration]
    assert items(auditor, "webhooks") == []  # deliveries are the admin's to see

    # three years on, Ada's and Bo's templates are past the schedule's deadline
    clock.advance(days=3 * 366)
    due = items(inbox_of(services, "root-admin"), "retention")
    assert sorted(d.split(":")[0] for d in due) == ["Ada", "Bo"]
    assert all("to be destroyed" in d and d.endswith("Run the retention schedule") for d in due)
    assert 'href="/portal/admin/retention"' in inbox_of(services, "root-admin")
    assert 'href="/retention"' in inbox_of(services, "aud-itor")


def test_nothing_waiting_is_said(cast: Cast) -> None:
    html = inbox_of(cast.services, "plat-form")
    assert '<p id="inbox-empty">Nothing waits for you.</p>' in html


def test_the_inbox_needs_a_session(cast: Cast) -> None:
    http = TestClient(create_app(cast.services), base_url="https://testserver")
    answer = http.get("/portal/inbox", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
