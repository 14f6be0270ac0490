"""Clearance credentials as jobs over HTTP (``/v1/credentials``): upload, progress,
download of the signed copy, which verifies offline; a refused file has no download; only
the production releasing the media may ask, and only for its own jobs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from likeness.bootstrap import Services
from likeness.services.credentials import verify
from likeness.testing.media import GREEN, RED, Block, face_image
from tests.api_world import World, bearer, build_world, client


@pytest.fixture
def world(fake_services: Services, tmp_path: Path) -> World:
    built = build_world(fake_services)
    # The performer (red) has a granted face consent in the production; the other (green)
    # has none there.
    fake_services.enrolment.enrol(built.performer, [face_image(tmp_path / "a.png", [Block(RED)])])
    fake_services.enrolment.enrol(
        built.performer_other, [face_image(tmp_path / "b.png", [Block(GREEN)])]
    )
    return built


def _submit(
    http: TestClient | httpx.Client, world: World, path: Path, role: str = "production"
) -> httpx.Response:
    return http.post(
        "/v1/credentials",
        files={"file": (path.name, path.read_bytes(), "image/jpeg")},
        data={"production_id": world.production},
        headers=bearer(world.tokens[role]),
    )


def _finished(http: TestClient, world: World, job: dict[str, Any]) -> dict[str, Any]:
    headers = bearer(world.tokens["production"])
    seen = {job["status"]}
    for _ in range(400):
        job = http.get(f"/v1/credentials/{job['id']}", headers=headers).json()
        seen.add(job["status"])
        if job["status"] in ("done", "failed", "erased"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"the job did not finish: {job}")


def test_a_cleared_file_is_signed_and_downloaded(
    fake_services: Services, world: World, tmp_path: Path
) -> None:
    http = client(fake_services)
    still = face_image(tmp_path / "poster shot.jpg", [Block(RED)])
    submitted = _submit(http, world, still)
    assert submitted.status_code == 202, submitted.text
    assert submitted.json()["credential"]["status"] == "pending"
    job = _finished(http, world, submitted.json())
    assert job["status"] == "done", job
    credential = job["credential"]
    assert credential["status"] == "issued" and credential["file"] == "poster_shot.signed.jpg"
    assert job["summary"]["decisions"] == {"covered": 1}

    download = http.get(
        f"/v1/credentials/{job['id']}/file", headers=bearer(world.tokens["production"])
    )
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/jpeg"
    assert 'filename="poster_shot.signed.jpg"' in download.headers["content-disposition"]
    signed = tmp_path / "downloaded.jpg"
    signed.write_bytes(download.content)
    verdict = verify(signed, fake_services.ledger.verifier_key)
    assert verdict.valid, verdict.failures()
    assert verdict.scan_index == credential["scan_log_index"]
    # Nothing of the upload or the signed copy lies in the clear in the data home.
    home = fake_services.settings.home
    for stored in home.rglob("*"):
        if stored.is_file() and not stored.is_symlink():
            data = stored.read_bytes()
            assert download.content[:4096] not in data, stored
            assert still.read_bytes()[:4096] not in data, stored


def test_a_file_with_an_uncovered_appearance_is_refused_with_no_download(
    fake_services: Services, world: World, tmp_path: Path
) -> None:
    http = client(fake_services)
    still = face_image(tmp_path / "crowd.jpg", [Block(RED), Block(GREEN, x=400)])
    job = _finished(http, world, _submit(http, world, still).json())
    assert job["status"] == "done"
    assert job["credential"]["status"] == "refused"
    assert "1 appearance(s) no consent covers: face" in job["credential"]["reason"]
    assert job["summary"]["decisions"] == {"covered": 1, "not_covered": 1}
    download = http.get(
        f"/v1/credentials/{job['id']}/file", headers=bearer(world.tokens["production"])
    )
    assert download.status_code == 409
    assert "the credential is refused" in download.json()["error"]["message"]


def test_only_the_production_signs_and_reads_its_own(
    fake_services: Services, world: World, tmp_path: Path
) -> None:
    http = client(fake_services)
    still = face_image(tmp_path / "still.jpg", [Block(RED)])
    for role in ("platform", "performer", "production_other"):
        refused = _submit(http, world, still, role)
        assert refused.status_code == 403, (role, refused.text)
    job = _finished(http, world, _submit(http, world, still).json())
    for role in ("production_other", "performer"):
        for path in (f"/v1/credentials/{job['id']}", f"/v1/credentials/{job['id']}/file"):
            answer = http.get(path, headers=bearer(world.tokens[role]))
            assert answer.status_code == 403, (role, path)
            assert world.production not in answer.text


def test_one_file_of_a_signable_kind(fake_services: Services, world: World, tmp_path: Path) -> None:
    http = client(fake_services)
    text = tmp_path / "notes.txt"
    text.write_text("not media")
    answer = http.post(
        "/v1/credentials",
        files={"file": (text.name, text.read_bytes(), "text/plain")},
        data={"production_id": world.production},
        headers=bearer(world.tokens["production"]),
    )
    assert answer.status_code == 422, answer.text
    assert "files only" in answer.json()["error"]["message"]
    # A scan job that asked for no credential is not one.
    plain = http.post(
        "/v1/scans",
        files={"files": ("s.jpg", face_image(tmp_path / "s.jpg", [Block(RED)]).read_bytes())},
        data={"production_id": world.production},
        headers=bearer(world.tokens["production"]),
    ).json()
    answer = http.get(f"/v1/credentials/{plain['id']}", headers=bearer(world.tokens["production"]))
    assert answer.status_code == 404


def test_the_portal_offers_the_signed_file_after_a_clean_scan(
    fake_services: Services, world: World, tmp_path: Path
) -> None:
    from likeness.api.app import create_app
    from tests.integration.test_portal import log_in

    http = TestClient(
        create_app(fake_services, deliver_webhooks=False),
        base_url="https://testserver",
        follow_redirects=False,
    )
    token = log_in(http, "production")
    form = http.get("/portal/scans")
    assert '<label for="sign">' in form.text
    still = face_image(tmp_path / "still.jpg", [Block(RED)])
    answer = http.post(
        "/portal/scans",
        data={"csrf_token": token, "sign": "true"},
        files={"files": ("still.jpg", still.read_bytes(), "image/jpeg")},
    )
    assert answer.status_code == 303, answer.text
    page_url = answer.headers["location"].partition("?")[0]
    for _ in range(400):
        page_text = http.get(page_url).text
        if 'Clearance credential: <span class="state state-issued">' in page_text:
            break
        time.sleep(0.05)
    else:
        raise AssertionError(page_text)
    link = f"{page_url}/signed"
    assert f'href="{link}" download="still.signed.jpg"' in page_text
    download = http.get(link)
    assert download.status_code == 200
    signed = tmp_path / "from-portal.jpg"
    signed.write_bytes(download.content)
    assert verify(signed, fake_services.ledger.verifier_key).valid


def test_a_performer_erased_while_their_file_is_signed_leaves_no_signed_copy(
    fake_services: Services, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from likeness.services.credentials import CredentialService

    real = CredentialService.sign_or_report

    def then_erased(self: CredentialService, *args: Any, **kwargs: Any) -> Any:
        signing = real(self, *args, **kwargs)
        fake_services.registry.erase_performer(world.performer)
        return signing

    monkeypatch.setattr(CredentialService, "sign_or_report", then_erased)
    http = client(fake_services)
    still = face_image(tmp_path / "still.jpg", [Block(RED)])
    job = _finished(http, world, _submit(http, world, still).json())
    assert job["status"] == "erased", job
    download = http.get(
        f"/v1/credentials/{job['id']}/file", headers=bearer(world.tokens["production"])
    )
    assert download.status_code in (404, 409), download.text
    assert list((fake_services.settings.home / "credentials").glob("*.sealed")) == []
