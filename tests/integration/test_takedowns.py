"""Takedown notices (issue 16): drafted from a flag of a real scan (fake encoders, real
clips, real database, log, signatures and receipts), refused for a covered appearance,
an unknown flag or another party's flag, then tracked step by step."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from likeness.api.app import create_app
from likeness.bootstrap import Services
from likeness.cli.app import EXIT_CODES, app
from likeness.domain.account import Role
from likeness.domain.consent import Grantor, Modality, ReplicaKind, UseDescription
from likeness.domain.lifecycle import ConsentRequest
from likeness.domain.scan import ScanOptions
from likeness.domain.takedown import TakedownStatus
from likeness.errors import (
    AppearanceCoveredError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    StepOutOfOrderError,
)
from likeness.ledger.entry import decode_entry
from likeness.settings import Settings, load_settings
from likeness.store.tables import takedown_steps, takedowns
from likeness.testing.fakes import FixedClock
from likeness.testing.media import GREEN, RED, Block, face_image
from tests.api_world import PASSWORD, bearer, client
from tests.casting import cast_with_consent
from tests.clips import make_clip
from tests.conftest import fake_cli
from tests.integration.test_portal import log_in

runner = CliRunner()
SIZE = (640, 360)
URL = "https://videos.example/watch?v=deepfake-1"
LOOPBACK = ("127.0.0.1/32",)  # webhook subscribers on this machine (nothing is delivered)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(home=tmp_path / "home", egress_allow=LOOPBACK)


@pytest.fixture
def flagged(fake_services: Services, tmp_path: Path) -> dict[str, object]:
    """Ada (red, consented) and Bo (green, no consent); a clip where Bo is on screen from
    10 s to 14 s; its scan flags Bo's appearance."""
    ids = cast_with_consent(fake_services, "ada", "bo")
    ada = face_image(tmp_path / "ada.png", [Block(RED)])
    bo = face_image(tmp_path / "bo.png", [Block(GREEN)])
    fake_services.enrolment.enrol(ids["ada"], [ada])
    fake_services.enrolment.enrol(ids["bo"], [bo])
    clip = make_clip(tmp_path / "clip.mp4", [(0, 4, ada), (4, 10, None), (10, 14, bo)], size=SIZE)
    report = fake_services.scans.scan([clip], ScanOptions(production_id=ids["film"]))
    [flag] = [a.flag_log_index for a in report.appearances() if a.flag_log_index is not None]
    consent_ids = [r.id for r, _ in fake_services.consents.find_indexed(ids["ada"], None)]
    return {**ids, "flag": flag, "clip": clip, "ada_consent": consent_ids[0]}


def _cli(settings: Settings, clock: FixedClock, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--home", str(settings.home), *args], obj=fake_cli(clock))
    return result.exit_code, result.stdout, result.stderr


def test_a_notice_is_drafted_with_true_times_and_receipts_that_verify(
    fake_services: Services,
    flagged: dict[str, object],
    settings: Settings,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    out = tmp_path / "notice"
    code, stdout, stderr = _cli(
        settings, clock, "takedown", "notice", str(flagged["flag"]), "--location", URL,
        "--out", str(out), "--contact", "bo@agency.example", "--signer", "Bo",
    )  # fmt: skip
    assert code == 0, stderr
    notice_index = fake_services.ledger.size() - 1
    flag = flagged["flag"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["notice.html", "notice.json", f"receipt-flag-{flag}.json",
         f"receipt-notice-{notice_index}.json"]
    )  # fmt: skip
    assert f'"index": {notice_index}' in stdout  # the notice's receipt is printed
    data = json.loads((out / "notice.json").read_text())
    notice = data["notice"]
    [appearance] = notice["material"]["appearances"]
    # Bo is on screen from 10 s to 14 s; frames are sampled at 2 fps
    assert abs(appearance["start"] - 10) <= 1 and abs(appearance["end"] - 14) <= 1
    assert (appearance["flag_id"], appearance["modality"]) == (flag, "face")
    assert notice["rights_holder"] == {"performer_id": flagged["bo"], "name": "Bo"}
    assert notice["material"]["location"] == URL
    assert notice["material"]["media"] == "clip.mp4"
    assert len(notice["material"]["media_sha256"]) == 64
    assert (notice["contact"], notice["signer"]) == ("bo@agency.example", "Bo")
    assert notice["not_authorised"]["decision"] == "not_covered"
    assert notice["not_authorised"]["production"] == "Clip"
    assert notice["not_authorised"]["reasons"], "a notice says why the use is not authorised"
    assert "good-faith" in notice["statements"]["good_faith"]
    assert "accurate" in notice["statements"]["accuracy"]
    # a scan at the console keeps no report: the notice says there is no still
    assert notice["evidence"]["stills"] == [] and "no still" in notice["evidence"]["stills_note"]
    # another production's consent (Ada's) is named nowhere in the notice
    assert str(flagged["ada_consent"]) not in (out / "notice.json").read_text()
    # every receipt is accepted by 'log verify-receipt' with the log's key
    for receipt in out.glob("receipt-*.json"):
        code, stdout, stderr = _cli(
            settings, clock, "log", "verify-receipt", str(receipt),
            "--key", fake_services.ledger.verifier_key,
        )  # fmt: skip
        assert code == 0, stderr
    # the notice is a log event that names the takedown and commits to the rest
    entry = decode_entry(fake_services.ledger.receipt(notice_index).entry)
    assert entry["type"] == "takedown.drafted"
    assert entry["ids"] == {"takedown": notice["id"], "performer": flagged["bo"]}
    assert URL not in json.dumps(entry)
    html = (out / "notice.html").read_text()
    assert "@media print" in html and URL.replace("&", "&amp;") in html
    assert "<script" not in html and "Bo" in html and f"Entry {notice_index}" in html


def test_a_notice_for_a_covered_appearance_is_refused_with_the_reason(
    fake_services: Services, flagged: dict[str, object]
) -> None:
    """Bo grants a consent for his face in the film, from before the scan: the flag's
    appearance is covered now, and the refusal says so and why."""
    bo, film = str(flagged["bo"]), str(flagged["film"])
    request = ConsentRequest(
        replica_kind=ReplicaKind.EMPLOYMENT_BASED,
        modalities=frozenset({Modality.FACE}),
        description=UseDescription(
            project="Clip",
            purposes=("appear in the trailer",),
            character="Themselves",
            scenes=("1",),
            media=("streaming",),
            territory="worldwide",
        ),
        valid_from=date(2025, 12, 1),
        valid_until=date(2027, 1, 1),
    )
    consent = fake_services.consents.request(bo, film, request).value
    fake_services.consents.grant(
        consent.id, by=Grantor.PERFORMER, signed_separately=True, clear_and_conspicuous=True
    )
    size = fake_services.ledger.size()
    with pytest.raises(AppearanceCoveredError) as refused:
        fake_services.takedowns.draft(None, int(str(flagged["flag"])), URL, contact="bo@x.example")
    assert f"flag {flagged['flag']} is covered" in refused.value.message
    assert consent.id in refused.value.message  # the reason names the covering consent
    assert fake_services.ledger.size() == size
    with fake_services.database.read() as connection:
        assert connection.execute(takedowns.select()).first() is None


def test_an_unknown_flag_and_another_partys_flag_are_refused(
    fake_services: Services,
    flagged: dict[str, object],
    settings: Settings,
    clock: FixedClock,
) -> None:
    code, _, stderr = _cli(settings, clock, "takedown", "notice", "9999", "--location", URL)
    assert code == EXIT_CODES["not_found"]
    assert "flag" in stderr and "9999" in stderr and "flag_id" in stderr
    flag = int(str(flagged["flag"]))
    accounts = fake_services.accounts
    ada = accounts.add_account("Ada", Role.PERFORMER, performer_id=str(flagged["ada"]))
    film = accounts.add_account("Film", Role.PRODUCTION, production_id=str(flagged["film"]))
    size = fake_services.ledger.size()
    for other in (ada, film):
        with pytest.raises(PermissionDeniedError) as refused:
            fake_services.takedowns.draft(other, flag, URL, contact="x@example.org")
        assert "another performer" in refused.value.message
    assert fake_services.ledger.size() == size
    # Bo's representative may draft it
    rep = accounts.add_account("Agent", Role.REPRESENTATIVE, performer_id=str(flagged["bo"]))
    bundle = fake_services.takedowns.draft(rep, flag, URL, contact="agent@example.org")
    assert bundle.takedown.notice.drafted_by == "Agent"
    assert bundle.takedown.created_by == rep.id


def test_a_notice_needs_a_location_and_a_contact(
    fake_services: Services, flagged: dict[str, object]
) -> None:
    flag = int(str(flagged["flag"]))
    with pytest.raises(InvalidInputError, match="location"):
        fake_services.takedowns.draft(None, flag, "  ", contact="bo@example.org")
    with pytest.raises(InvalidInputError, match="one line"):
        fake_services.takedowns.draft(None, flag, "https://a.example/\nx", contact="b@e.org")
    with pytest.raises(InvalidInputError, match="contact"):
        fake_services.takedowns.draft(None, flag, URL)  # Bo has no representative


def test_steps_are_recorded_in_order_each_a_log_event_with_its_date(
    fake_services: Services,
    flagged: dict[str, object],
    settings: Settings,
    clock: FixedClock,
) -> None:
    performer = fake_services.accounts.add_account(
        "Bo", Role.PERFORMER, performer_id=str(flagged["bo"])
    )
    drafted = fake_services.takedowns.draft(
        performer, int(str(flagged["flag"])), URL, contact="bo@example.org"
    ).takedown
    service = fake_services.takedowns
    with pytest.raises(StepOutOfOrderError) as early:
        service.record_step(performer, drafted.id, TakedownStatus.REMOVED)
    assert "cannot be marked removed" in early.value.message
    assert early.value.hint == "allowed next steps: sent"
    clock.advance(days=3)
    code, stdout, stderr = _cli(
        settings, clock, "takedown", "step", drafted.id, "sent", "--date", "2026-01-06",
        "--note", "emailed to abuse@videos.example",
    )  # fmt: skip
    assert code == 0, stderr
    assert "sent on 2026-01-06" in stdout and "next: acknowledged, removed, refused" in stdout
    service.record_step(performer, drafted.id, TakedownStatus.ACKNOWLEDGED, on=date(2026, 1, 7))
    removed = service.record_step(performer, drafted.id, TakedownStatus.REMOVED)
    assert removed.next_steps == (TakedownStatus.REINSTATED,)
    after = service.record_step(performer, drafted.id, TakedownStatus.REINSTATED, note="counter")
    with pytest.raises(StepOutOfOrderError) as closed:
        service.record_step(performer, drafted.id, TakedownStatus.REFUSED)
    assert closed.value.hint == "allowed next steps: none: this notice is closed"
    assert [s.status.value for s in after.steps] == [
        "drafted", "sent", "acknowledged", "removed", "reinstated"
    ]  # fmt: skip
    assert [s.at.date().isoformat() for s in after.steps] == [
        "2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-08"
    ]  # fmt: skip
    for step in after.steps:
        entry = decode_entry(fake_services.ledger.receipt(step.log_index).entry)
        assert entry["type"] == f"takedown.{step.status.value}"
        assert entry["at"].startswith(step.at.date().isoformat())
        assert entry["ids"]["takedown"] == drafted.id
    stored = service.get(performer, drafted.id)
    assert stored.status is TakedownStatus.REINSTATED
    assert stored.steps[1].note == "emailed to abuse@videos.example"
    # the list shows each notice with its steps and their dates
    code, stdout, stderr = _cli(settings, clock, "takedown", "list", "--json")
    assert code == 0, stderr
    [listed] = json.loads(stdout)
    assert (listed["id"], listed["status"], listed["next_steps"]) == (drafted.id, "reinstated", [])
    assert [s["at"][:10] for s in listed["steps"]][:2] == ["2026-01-05", "2026-01-06"]
    # another performer neither reads nor moves it
    ada = fake_services.accounts.add_account(
        "Ada", Role.PERFORMER, performer_id=str(flagged["ada"])
    )
    assert service.listed(ada) == []
    with pytest.raises(PermissionDeniedError):
        service.get(ada, drafted.id)


def test_a_step_on_an_unknown_notice_or_in_the_future_is_refused(
    fake_services: Services, flagged: dict[str, object]
) -> None:
    with pytest.raises(NotFoundError):
        fake_services.takedowns.record_step(None, "01NOPE", TakedownStatus.SENT)
    drafted = fake_services.takedowns.draft(
        None, int(str(flagged["flag"])), URL, contact="bo@example.org"
    ).takedown
    size = fake_services.ledger.size()
    with pytest.raises(InvalidInputError, match="in the future"):
        fake_services.takedowns.record_step(
            None, drafted.id, TakedownStatus.SENT, on=date(2026, 2, 1)
        )
    with pytest.raises(InvalidInputError, match="before the notice's last step"):
        fake_services.takedowns.record_step(
            None, drafted.id, TakedownStatus.SENT, on=date(2026, 1, 1)
        )
    assert fake_services.ledger.size() == size
    assert fake_services.takedowns.get(None, drafted.id).status is TakedownStatus.DRAFTED


def test_each_step_is_a_webhook_for_the_performer_side(
    flagged: dict[str, object], fake_services: Services
) -> None:
    """Queued in the transaction that records the step (nothing is delivered here)."""
    bo = fake_services.accounts.add_account("Bo", Role.PERFORMER, performer_id=str(flagged["bo"]))
    film = fake_services.accounts.add_account(
        "Film", Role.PRODUCTION, production_id=str(flagged["film"])
    )
    webhooks = fake_services.webhooks
    events = ["takedown.drafted", "takedown.sent"]
    mine = webhooks.subscribe(bo, "http://127.0.0.1:9/bo", events).webhook
    theirs = webhooks.subscribe(film, "http://127.0.0.1:9/film", events).webhook
    drafted = fake_services.takedowns.draft(bo, int(str(flagged["flag"])), URL, contact="b@e.org")
    fake_services.takedowns.record_step(bo, drafted.takedown.id, TakedownStatus.SENT)
    sent = webhooks.deliveries(bo, mine.id)
    assert sorted(d.event_type.value for d in sent) == events
    payload = json.loads(next(d.payload for d in sent if d.event_type.value == "takedown.sent"))
    assert payload["data"]["takedown_id"] == drafted.takedown.id
    assert payload["data"]["status"] == "sent"
    assert payload["data"]["flag_id"] == flagged["flag"]
    assert webhooks.deliveries(film, theirs.id) == []  # the production is no party to it


def test_erasing_the_performer_removes_their_notices(
    fake_services: Services, flagged: dict[str, object]
) -> None:
    drafted = fake_services.takedowns.draft(
        None, int(str(flagged["flag"])), URL, contact="bo@example.org"
    ).takedown
    fake_services.takedowns.record_step(None, drafted.id, TakedownStatus.SENT)
    fake_services.registry.erase_performer(str(flagged["bo"]))
    with fake_services.database.read() as connection:
        assert connection.execute(takedowns.select()).first() is None
        assert connection.execute(takedown_steps.select()).first() is None
    assert fake_services.takedowns.listed(None) == []


def test_the_api_drafts_serves_and_tracks_a_notice_for_the_performer_side_only(
    fake_services: Services, flagged: dict[str, object]
) -> None:
    accounts = fake_services.accounts
    rep = accounts.add_account("Agent", Role.REPRESENTATIVE, performer_id=str(flagged["bo"]))
    film = accounts.add_account("Film", Role.PRODUCTION, production_id=str(flagged["film"]))
    ada = accounts.add_account("Ada", Role.PERFORMER, performer_id=str(flagged["ada"]))
    token = {a.name: accounts.create_api_key(a.id, "t").token for a in (rep, film, ada)}
    body = {"flag_id": flagged["flag"], "location": URL + "<b>", "contact": "agent@x.example"}
    with client(fake_services) as http:
        for other in ("Film", "Ada"):
            refused = http.post("/v1/takedowns", json=body, headers=bearer(token[other]))
            assert refused.status_code == 403
            assert refused.json()["error"]["kind"] == "forbidden"
            assert "clip.mp4" not in refused.text and "Bo" not in refused.text
        drafted = http.post("/v1/takedowns", json=body, headers=bearer(token["Agent"]))
        assert drafted.status_code == 201, drafted.text
        data = drafted.json()
        takedown_id = data["takedown"]["id"]
        assert data["takedown"]["status"] == "drafted"
        assert data["notice"]["material"]["location"] == URL + "<b>"
        assert data["receipts"]["notice"]["format"] == "likeness-receipt/1"
        page = http.get(f"/v1/takedowns/{takedown_id}/notice.html", headers=bearer(token["Agent"]))
        assert (
            page.status_code == 200
            and "default-src 'none'" in page.headers["content-security-policy"]
        )
        assert "deepfake-1&lt;b&gt;" in page.text and "deepfake-1<b>" not in page.text
        early = http.post(
            f"/v1/takedowns/{takedown_id}/steps",
            json={"status": "removed"},
            headers=bearer(token["Agent"]),
        )
        assert early.status_code == 409
        assert "allowed next steps: sent" in early.text
        sent = http.post(
            f"/v1/takedowns/{takedown_id}/steps",
            json={"status": "sent", "on": "2026-01-05", "note": "by email"},
            headers=bearer(token["Agent"]),
        )
        assert sent.status_code == 200, sent.text
        assert [s["status"] for s in sent.json()["steps"]] == ["drafted", "sent"]
        listed = http.get("/v1/takedowns", headers=bearer(token["Ada"]))
        assert listed.status_code == 200 and listed.json() == []
        mine = http.get("/v1/takedowns", headers=bearer(token["Agent"]))
        assert [t["id"] for t in mine.json()] == [takedown_id]


def test_the_dashboard_drafts_a_notice_from_a_flag_and_records_its_steps(
    fake_services: Services, flagged: dict[str, object]
) -> None:
    bo = fake_services.accounts.add_account("Bo", Role.PERFORMER, performer_id=str(flagged["bo"]))
    fake_services.logins.set_password(bo.id, "bo", PASSWORD)
    with TestClient(
        create_app(fake_services), base_url="https://testserver", follow_redirects=False
    ) as http:
        token = log_in(http, "bo")
        dashboard = http.get("/portal").text
        assert 'action="/portal/takedowns"' in dashboard
        assert f'name="flag_id" value="{flagged["flag"]}"' in dashboard
        assert 'for="location-' in dashboard  # the control has its label
        form = {"flag_id": str(flagged["flag"]), "location": URL, "contact": "bo@x.example"}
        forged = http.post("/portal/takedowns", data=form)
        assert forged.status_code == 403 and "CSRF" in forged.text
        assert fake_services.takedowns.listed(None) == []
        drafted = http.post("/portal/takedowns", data={**form, "csrf_token": token})
        assert drafted.status_code == 303
        assert "Takedown%20notice%20drafted" in drafted.headers["location"]
        [takedown] = fake_services.takedowns.listed(None)
        assert takedown.created_by == bo.id and takedown.location == URL
        dashboard = http.get("/portal").text
        assert f"/portal/takedowns/{takedown.id}/notice.html" in dashboard
        assert '<option value="sent">sent</option>' in dashboard
        page = http.get(f"/portal/takedowns/{takedown.id}/notice.html")
        assert page.status_code == 200 and "Notice of unauthorised use" in page.text
        sent = http.post(
            f"/portal/takedowns/{takedown.id}/steps",
            data={"status": "sent", "date": "2026-01-05", "csrf_token": token},
        )
        assert sent.status_code == 303 and "the%20notice%20is%20sent" in sent.headers["location"]
        late = http.post(
            f"/portal/takedowns/{takedown.id}/steps",
            data={"status": "sent", "csrf_token": token},
        )
        assert "allowed%20next%20steps" in late.headers["location"]
        assert fake_services.takedowns.get(None, takedown.id).status is TakedownStatus.SENT
