"""Enrolment takes the one clear face when every other detection is weak, and says so
(issue 17); two clear faces are still refused. Fake encoders: a block under 32 px is a
weak detection (likeness.testing.encoders), as a low-scoring or small dlib window
confirmed by the CNN is; the real detector is tested in test_false_faces.py."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from likeness.bootstrap import Services
from likeness.cli.app import EXIT_CODES, app
from likeness.errors import InvalidInputError
from likeness.recognition.ports import Box, Detection, FaceQuality
from likeness.services.enrolment import one_face
from likeness.services.inputs import PerformerInput
from likeness.settings import Settings
from likeness.testing.media import BLUE, GREEN, RED, Block, face_image
from tests.conftest import fake_cli

runner = CliRunner()


def person(services: Services, name: str) -> str:
    return services.registry.add_performer(
        PerformerInput(legal_name=name, date_of_birth=date(1970, 1, 1))
    ).value.id


def test_one_clear_face_beside_weak_ones_is_enrolled_and_the_weak_ones_named(
    fake_services: Services, tmp_path: Path
) -> None:
    ada = person(fake_services, "Ada")
    photo = face_image(
        tmp_path / "ada_badges.png",
        [Block(RED), Block(GREEN, x=400, y=60, size=24), Block(BLUE, x=480, y=300, size=20)],
    )
    enrolled = fake_services.enrolment.enrol(ada, [photo]).value
    assert len(enrolled.template_ids) == 1
    assert enrolled.notes == (
        f"{photo}: enrolled the one clear face; ignored 2 weak face detections"
        " (crop the photo if that is wrong)",
    )
    # the template is the clear (red) face's: a red probe is Ada, a green one is nobody
    probe = face_image(tmp_path / "probe.png", [Block(RED, x=300), Block(GREEN, x=40, y=300)])
    assert [f.performer_id for f in fake_services.gallery.identify(probe).faces] == [ada, None]


def test_two_clear_faces_are_still_refused(fake_services: Services, tmp_path: Path) -> None:
    ada = person(fake_services, "Ada")
    photo = face_image(
        tmp_path / "pair.png",
        [Block(RED), Block(GREEN, x=400, y=60), Block(BLUE, x=480, y=300, size=20)],
    )
    with pytest.raises(InvalidInputError, match=r"found 3 faces \(2 clear\); an enrolment"):
        fake_services.enrolment.enrol(ada, [photo])
    assert not (fake_services.layout.vault / ada).exists()


def test_only_weak_faces_are_refused_unless_there_is_one(
    fake_services: Services, tmp_path: Path
) -> None:
    ada = person(fake_services, "Ada")
    weak_pair = face_image(
        tmp_path / "weak.png", [Block(RED, size=24), Block(GREEN, x=400, size=24)]
    )
    with pytest.raises(InvalidInputError, match=r"found 2 faces \(0 clear\)"):
        fake_services.enrolment.enrol(ada, [weak_pair])
    lone = face_image(tmp_path / "lone.png", [Block(RED, size=24)])
    with pytest.raises(InvalidInputError, match="the face is 24 px"):  # then the size gate
        fake_services.enrolment.enrol(ada, [lone])


def test_the_cli_and_json_say_what_was_ignored(
    fake_services: Services, settings: Settings, tmp_path: Path
) -> None:
    ada = person(fake_services, "Ada")
    photo = face_image(tmp_path / "ada.png", [Block(RED), Block(GREEN, x=400, y=60, size=24)])
    home = ["--home", str(settings.home)]
    result = runner.invoke(app, [*home, "enrol", ada, str(photo)], obj=fake_cli())
    assert result.exit_code == 0, result.output
    assert "ignored 1 weak face detection " in result.stdout
    result = runner.invoke(app, [*home, "enrol", ada, str(photo), "--json"], obj=fake_cli())
    assert result.exit_code == 0, result.output
    [note] = json.loads(result.stdout)["notes"]
    assert note.startswith(f"{photo}: enrolled the one clear face; ignored 1 weak")
    two = face_image(tmp_path / "two.png", [Block(RED), Block(GREEN, x=400, y=60)])
    result = runner.invoke(app, [*home, "enrol", ada, str(two)], obj=fake_cli())
    assert result.exit_code == EXIT_CODES["invalid"]
    assert "found 2 faces;" in result.stderr


def _detection(clear: bool) -> Detection:
    return Detection(Box(0, 0, 90, 90), FaceQuality(90, 50.0, 0.0), None, 1.0, clear)


@pytest.mark.parametrize(
    ("clear", "chosen", "ignored"),
    [
        ((), None, 0),
        ((True,), 0, 0),
        ((False,), 0, 0),  # a lone confirmed face is a face, as before
        ((False, True, False), 1, 2),
        ((True, True), None, 0),
        ((False, False), None, 0),
    ],
)
def test_one_face_picks_the_only_clear_face(
    clear: tuple[bool, ...], chosen: int | None, ignored: int
) -> None:
    detections = [_detection(c) for c in clear]
    face, count = one_face(detections)
    assert (None if face is None else detections.index(face), count) == (chosen, ignored)
