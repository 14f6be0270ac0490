"""Enrolment in the portal without a browser, with the real dlib model on the packaged
photos: each file's verdict before anything is kept (and nothing kept by the check),
enrolling all or nothing, removing templates, who may, and CSRF."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from likeness.api.app import create_app
from likeness.bootstrap import Services, build_services, initialise
from likeness.domain.consent import Modality
from likeness.errors import InvalidInputError
from likeness.services.inputs import PerformerInput
from likeness.settings import load_settings
from likeness.testing import FixedClock
from likeness.testing.media import RED, Block, Tone, face_image, tones_wav
from tests.api_world import World, build_world
from tests.integration.test_phrase_enrolment import other_words, say, seeded
from tests.integration.test_portal import csrf_in, log_in, world
from tests.liveness_clips import still_clip, turning_clip

pytestmark = [pytest.mark.slow, pytest.mark.model]
ASSETS = Path(__file__).parents[1] / "assets"
GOOD = ASSETS / "faces" / "obama.jpg"
SAME_PERSON = ASSETS / "faces" / "obama2.jpg"
NO_FACE = ASSETS / "face_free" / "brick.jpg"

__all__ = ["world"]  # the fixture, shared with test_portal.py


def jpeg(path: Path) -> tuple[str, bytes, str]:
    return (path.name, path.read_bytes(), "image/jpeg")


@pytest.fixture
def small_face(tmp_path: Path) -> Path:
    """The good photo shrunk to 240 px wide: dlib still finds the face, 62 px across
    (measured), under the 80 px gate."""
    out = tmp_path / "small.jpg"
    with Image.open(GOOD) as image:
        image.resize((240, round(image.height * 240 / image.width))).save(out)
    return out


def stored(services: Services) -> tuple[int, int, list[str]]:
    """Template rows, log entries, and files in the vault."""
    with services.database.read() as connection:
        rows = connection.exec_driver_sql("SELECT count(*) FROM templates").scalar_one()
    vault = services.layout.vault
    files = sorted(str(p) for p in vault.rglob("*") if p.is_file()) if vault.exists() else []
    return rows, services.ledger.size(), files


def verdicts(html: str) -> dict[str, tuple[str, str]]:
    """File name -> (accepted|refused, the message), from the verdict list."""
    found = re.findall(
        r'<span class="verdict-file">([^<]+)</span>\s*<span class="state [^"]+">(\w+)</span>'
        r'\s*<span class="verdict-message">([^<]+)</span>',
        html,
    )
    return {name: (word, message) for name, word, message in found}


def test_the_check_gives_each_file_its_verdict_and_keeps_nothing(
    world: tuple[World, TestClient], small_face: Path
) -> None:
    w, http = world
    token = log_in(http, "performer")
    before = stored(w.services)
    answer = http.post(
        "/portal/enrolment/check",
        headers={"HX-Request": "true", "X-CSRF-Token": token},
        data={"kind": "face"},
        files=[
            ("files", jpeg(GOOD)),
            ("files", jpeg(NO_FACE)),
            ("files", ("small.jpg", small_face.read_bytes(), "image/jpeg")),
            ("files", ("broken.jpg", b"these bytes are not a photo", "image/jpeg")),
        ],
    )
    assert answer.status_code == 200, answer.text
    assert "<html" not in answer.text  # the partial, for htmx
    seen = verdicts(answer.text)
    assert seen["obama.jpg"] == ("accepted", "one clear face")
    assert "face size 267 px (at least 80)" in answer.text
    assert seen["brick.jpg"][0] == "refused"
    assert seen["brick.jpg"][1].startswith(
        "found 0 faces; an enrolment photo must show exactly one"
    )
    assert seen["small.jpg"] == ("refused", "the face is 62 px; at least 80 px are needed")
    assert seen["broken.jpg"][0] == "refused"
    assert "not a readable image" in seen["broken.jpg"][1]
    assert 'data-all-accepted="false"' in answer.text
    assert "held" not in answer.text  # no server path in a verdict
    assert stored(w.services) == before  # no template, no log entry, no vault file
    held = w.services.layout.root / "held"
    assert not held.exists() or not any(held.rglob("*.*"))


def test_without_htmx_the_check_answers_the_whole_page(world: tuple[World, TestClient]) -> None:
    _, http = world
    token = log_in(http, "performer")
    answer = http.post(
        "/portal/enrolment/check",
        data={"kind": "face", "csrf_token": token},
        files=[("files", jpeg(GOOD))],
    )
    assert answer.status_code == 200
    assert "<h1>Enrolment: Ada Lovelace</h1>" in answer.text
    assert verdicts(answer.text) == {"obama.jpg": ("accepted", "one clear face")}
    assert 'data-all-accepted="true"' in answer.text


def test_enrolling_keeps_the_templates_and_lists_them(world: tuple[World, TestClient]) -> None:
    w, http = world
    token = log_in(http, "performer")
    rows, size, _ = stored(w.services)
    answer = http.post(
        "/portal/enrolment/face", data={"csrf_token": token}, files=[("files", jpeg(GOOD))]
    )
    assert answer.status_code == 303, answer.text
    assert stored(w.services)[:2] == (rows + 1, size + 1)
    page = http.get(answer.headers["location"])
    assert "Enrolled 1 template from the photos" in page.text
    table = page.text.split('<table id="enrolled">')[1].split("</table>")[0]
    row = re.search(r"<tr><td>face</td><td>(\d+)</td>.*?<td>([^<]+)</td></tr>", table)
    assert row is not None and row.group(1) == "1"
    assert row.group(2).startswith("dlib")
    match = w.services.gallery.identify(SAME_PERSON).faces[0]
    assert match.performer_id == w.performer  # an independent photo is recognised now


def test_enrolling_is_all_or_nothing(world: tuple[World, TestClient]) -> None:
    w, http = world
    token = log_in(http, "performer")
    before = stored(w.services)
    answer = http.post(
        "/portal/enrolment/face",
        data={"csrf_token": token},
        files=[("files", jpeg(GOOD)), ("files", jpeg(NO_FACE))],
    )
    assert answer.status_code == 422
    assert "Nothing was enrolled: brick.jpg: found 0 faces" in answer.text
    assert stored(w.services) == before


def test_removing_templates_after_the_confirmation(world: tuple[World, TestClient]) -> None:
    w, http = world
    token = log_in(http, "representative")  # Ada's agent acts for her
    http.post("/portal/enrolment/face", data={"csrf_token": token}, files=[("files", jpeg(GOOD))])
    rows, size, files = stored(w.services)
    assert rows == 1 and files
    confirm = http.get("/portal/enrolment/remove?modality=face")
    assert "Future scans will no longer recognise Ada Lovelace" in confirm.text
    assert "their appearances show as unknown people" in confirm.text
    assert "Past scan reports, consents, uses and the log stay" in confirm.text

    unconfirmed = http.post(
        "/portal/enrolment/remove", data={"csrf_token": token, "modality": "face"}
    )
    assert unconfirmed.status_code == 422
    assert "tick the box to confirm" in unconfirmed.text
    assert stored(w.services) == (rows, size, files)

    answer = http.post(
        "/portal/enrolment/remove",
        data={"csrf_token": token, "modality": "face", "understood": "yes"},
    )
    assert answer.status_code == 303, answer.text
    assert stored(w.services) == (0, size + 1, [])  # sealed files shredded, removal logged
    assert "Removed 1 face template" in http.get(answer.headers["location"]).text
    assert w.services.gallery.identify(SAME_PERSON).faces[0].performer_id is None
    entry = json.loads(w.services.ledger.receipt(size).entry)
    assert entry["type"] == "enrolment.removed"
    assert entry["ids"] == {"performer": w.performer}


def test_other_roles_and_performers_are_refused(world: tuple[World, TestClient]) -> None:
    w, http = world
    for role in ("production", "auditor", "platform"):
        token = log_in(http, w.usernames[role])
        assert http.get("/portal/enrolment").status_code == 403
        refused = http.post(
            "/portal/enrolment/face", data={"csrf_token": token}, files=[("files", jpeg(GOOD))]
        )
        assert refused.status_code == 403
        assert "for performers and their representatives" in refused.text
        http.post("/logout", data={"csrf_token": token})
    assert stored(w.services)[0] == 0

    token = log_in(http, "performer-other")  # Bo Other: the id sent in is not used
    http.post(
        "/portal/enrolment/face",
        data={"csrf_token": token, "performer_id": w.performer},
        files=[("files", jpeg(GOOD))],
    )
    with w.services.database.read() as connection:
        owners = connection.exec_driver_sql("SELECT performer_id FROM templates").fetchall()
    assert [o[0] for o in owners] == [w.performer_other]
    assert "Ada Lovelace" not in http.get("/portal/enrolment").text


def test_enrolment_changes_need_the_csrf_token(world: tuple[World, TestClient]) -> None:
    w, http = world
    token = log_in(http, "performer")
    http.post("/portal/enrolment/face", data={"csrf_token": token}, files=[("files", jpeg(GOOD))])
    before = stored(w.services)
    for url, data in (
        ("/portal/enrolment/face", {}),
        ("/portal/enrolment/check", {"kind": "face"}),
        ("/portal/enrolment/remove", {"modality": "face", "understood": "yes"}),
        ("/portal/enrolment/face", {"csrf_token": "forged"}),
    ):
        answer = http.post(url, data=data, files=[("files", jpeg(GOOD))])
        assert answer.status_code == 403, url
        assert "security token" in answer.text
    assert stored(w.services) == before
    assert csrf_in(http.get("/portal/enrolment").text) == token


def espeak(text: str, out: Path) -> Path:
    found = shutil.which("espeak-ng")
    if found is None:
        pytest.fail("the voice tests need Debian's espeak-ng (scripts/system-deps installs it)")
    subprocess.run([found, "-v", "en-us+m3", "-s", "150", "-w", str(out), text], check=True)
    return out


def test_recordings_get_a_speech_verdict(world: tuple[World, TestClient], tmp_path: Path) -> None:
    w, http = world
    token = log_in(http, "performer")
    before = stored(w.services)
    reading = espeak(
        "The studio asked to scan the background actors on Tuesday morning before lunch.",
        tmp_path / "reading.wav",
    )
    short = espeak("Yes.", tmp_path / "short.wav")
    answer = http.post(
        "/portal/enrolment/check",
        headers={"HX-Request": "true", "X-CSRF-Token": token},
        data={"kind": "voice"},
        files=[
            ("files", ("reading.wav", reading.read_bytes(), "audio/wav")),
            ("files", ("short.wav", short.read_bytes(), "audio/wav")),
        ],
    )
    seen = verdicts(answer.text)
    assert seen["reading.wav"][0] == "accepted"
    assert re.fullmatch(r"\d+\.\d s of speech", seen["reading.wav"][1])
    assert float(seen["reading.wav"][1].split()[0]) >= 3.0
    assert seen["short.wav"][0] == "refused"
    assert re.fullmatch(
        r"only \d\.\d s of speech; at least 3 s are needed to enrol a voice", seen["short.wav"][1]
    )
    assert stored(w.services) == before


@pytest.fixture
def clips(tmp_path: Path) -> dict[str, Path]:
    return {
        "turning": turning_clip(tmp_path / "turning.mp4", GOOD),
        "still": still_clip(tmp_path / "still.mp4", GOOD),
    }


def test_a_head_turn_video_gets_the_liveness_verdict(
    world: tuple[World, TestClient], clips: dict[str, Path]
) -> None:
    w, http = world
    token = log_in(http, "performer")
    before = stored(w.services)
    answers = {
        name: http.post(
            "/portal/enrolment/check",
            headers={"HX-Request": "true", "X-CSRF-Token": token},
            data={"kind": "video"},
            files=[("files", (f"{name}.mp4", clip.read_bytes(), "video/mp4"))],
        )
        for name, clip in clips.items()
    }
    assert verdicts(answers["turning"].text) == {"turning.mp4": ("accepted", "a live head turn")}
    [(word, message)] = verdicts(answers["still"].text).values()
    assert word == "refused"
    assert message.startswith("the head did not turn both ways")
    assert stored(w.services) == before
    enrolled = http.post(
        "/portal/enrolment/video",
        data={"csrf_token": token},
        files=[("files", ("turning.mp4", clips["turning"].read_bytes(), "video/mp4"))],
    )
    assert enrolled.status_code == 303, enrolled.text
    assert stored(w.services)[0] == before[0] + 3  # the frontal frame and one each way


@pytest.fixture
def seeded_world(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[World, TestClient]]:
    """The portal's world whose phrases are drawn from a seeded generator, so that the
    outcome does not depend on which words chance picks (test_phrase_enrolment.py)."""
    settings = load_settings(home=tmp_path / "home")
    initialise(settings, clock=clock)
    services = build_services(settings, clock=clock)
    world = build_world(services)
    app = create_app(seeded(services), deliver_webhooks=False)
    yield world, TestClient(app, base_url="https://testserver", follow_redirects=False)
    services.close()


def test_the_phrase_is_shown_then_its_recording_enrols_the_voice(
    seeded_world: tuple[World, TestClient], tmp_path: Path
) -> None:
    w, http = seeded_world
    token = log_in(http, "performer")
    shown = http.post(
        "/portal/enrolment/phrase", headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    words = re.search(r'<p class="plain" id="phrase-words">([^<]+)</p>', shown.text)
    phrase_token = re.search(r'name="token" value="([^"]+)"', shown.text)
    assert words is not None and phrase_token is not None
    recording = say(words.group(1).split(), tmp_path / "phrase.wav")
    rows, size, _ = stored(w.services)
    answer = http.post(
        "/portal/enrolment/voice",
        data={"csrf_token": token, "token": phrase_token.group(1)},
        files=[("files", ("phrase.wav", recording.read_bytes(), "audio/wav"))],
    )
    assert answer.status_code == 303, answer.text
    assert stored(w.services)[:2] == (rows + 1, size + 1)
    entry = json.loads(w.services.ledger.receipt(size).entry)
    assert entry["type"] == "enrolment.added"

    wrong = say(other_words(tuple(words.group(1).split())), tmp_path / "wrong.wav")
    refused = http.post(
        "/portal/enrolment/voice",
        data={"csrf_token": token, "token": phrase_token.group(1)},
        files=[("files", ("wrong.wav", wrong.read_bytes(), "audio/wav"))],
    )
    assert refused.status_code == 422
    assert "Nothing was enrolled: wrong.wav: the recording does not say the phrase" in refused.text
    assert stored(w.services)[:2] == (rows + 1, size + 1)


def test_removing_one_modality_keeps_the_other(fake_services: Services, tmp_path: Path) -> None:
    """The service under the removal page (fake encoders: colour blocks are faces, tones
    are voices): the voice goes, the face stays recognised with its sealed files."""
    services = fake_services
    ada = services.registry.add_performer(
        PerformerInput(legal_name="Ada", date_of_birth=date(1970, 1, 1))
    ).value.id
    photo = face_image(tmp_path / "ada.png", [Block(RED)])
    voice = tones_wav(tmp_path / "ada.wav", [Tone(200, 0, 4)], duration=4)
    face_ids = services.enrolment.enrol(ada, [photo]).value.template_ids
    voice_ids = services.enrolment.enrol(ada, [voice]).value.template_ids
    folder = services.layout.vault / ada
    assert {p.stem for p in folder.iterdir()} == {
        name for t in (*face_ids, *voice_ids) for name in (t, f"{t}.scan")
    }
    assert services.gallery.identify(voice).voices[0].performer_id == ada

    recorded = services.enrolment.remove(ada, {Modality.VOICE})
    assert recorded.value.template_ids == voice_ids
    assert [h.modality for h in services.enrolment.holdings(ada)] == [Modality.FACE]
    assert {p.stem for p in folder.iterdir()} == {
        name for t in face_ids for name in (t, f"{t}.scan")
    }
    assert services.gallery.identify(photo).faces[0].performer_id == ada  # key still there
    assert services.gallery.identify(voice).voices[0].performer_id is None
    with pytest.raises(InvalidInputError, match="nothing to remove: no voice templates"):
        services.enrolment.remove(ada, {Modality.VOICE})
    with pytest.raises(InvalidInputError, match="choose face, voice or both"):
        services.enrolment.remove(ada, set())
