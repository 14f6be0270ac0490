"""False faces with the real dlib models (issue 17): the astronaut portrait, whose
mission patch HOG takes for a second face, enrols; face-free images give no face; the
packaged group photos keep every face found before. Marked `model` (the subset) and
`slow` (the whole set); CI runs both.

The thresholds were chosen on tests/face_free.py and the group photos, never on the
astronaut (bench/bench_false_faces.py prints the scores they rest on)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from likeness.bootstrap import Services
from likeness.recognition.dlib_face import DlibFaceEncoder
from likeness.recognition.media import load_rgb
from likeness.services.inputs import PerformerInput
from tests.face_free import KINDS, face_free_images

pytestmark = [pytest.mark.model]

FACES = Path(__file__).parents[1] / "assets" / "faces"
ENROLMENT = {"max_side": 1280, "upsample": 1}  # the encoder's default
SCAN = {"max_side": 960, "upsample": 0}  # scan/detect.py DetectorSettings
# Faces today's detector found in each photo, counted by eye (every one is a real face;
# the faces it misses are turned away: sample2's two, sample4's leftmost), the same at
# both settings (bench/bench_false_faces.py, GROUND_TRUTH).
FOUND_BEFORE = {
    "friends_t1.jpg": 6,
    "sample1.jpg": 3,
    "sample2.jpg": 1,
    "sample3.jpg": 3,
    "sample4.jpg": 3,
    "sample5.jpg": 5,
    "sample6.jpg": 4,
    "obama.jpg": 1,
    "obama2.jpg": 1,
    "obama3.jpg": 1,
    "biden.jpg": 1,
}


@pytest.fixture(scope="module")
def encoder() -> DlibFaceEncoder:
    return DlibFaceEncoder()


@pytest.mark.slow
def test_the_astronaut_portrait_enrols(services: Services) -> None:
    performer = services.registry.add_performer(
        PerformerInput(legal_name="Eileen Collins", date_of_birth=date(1956, 11, 19))
    ).value.id
    enrolled = services.enrolment.enrol(performer, [FACES / "astronaut.png"]).value
    assert len(enrolled.template_ids) == 1
    assert enrolled.notes == ()  # the patch is not even a weak face: the CNN rejected it
    [face] = services.gallery.identify(FACES / "astronaut.png").faces
    assert face.performer_id == performer


def test_the_astronaut_patch_is_dropped_and_the_face_kept(encoder: DlibFaceEncoder) -> None:
    image = load_rgb(FACES / "astronaut.png")
    [face] = encoder.detect(image)
    assert face.clear and face.score > 1.0
    # the face (top centre), not the patch (about x 125, y 335)
    assert 165 < face.box.x < 190 and 65 < face.box.y < 95


@pytest.mark.parametrize("setting", [ENROLMENT, SCAN], ids=["enrolment", "scan"])
def test_a_few_face_free_images_of_each_kind_give_no_face(
    encoder: DlibFaceEncoder, setting: dict[str, int]
) -> None:
    # mascot-006 and -015 are among those HOG alone takes for faces at both settings
    subset = [f for f in face_free_images() if f.name in SUBSET]
    assert {f.kind for f in subset} == set(KINDS)
    found = {f.name: len(encoder.detect(f.pixels, **setting)) for f in subset}
    assert found == dict.fromkeys(SUBSET, 0)


SUBSET = {
    "patch-000",
    "patch-001",
    "mascot-005",
    "mascot-006",
    "mascot-015",
    "mascot-016",
    "logo-000",
    "texture-000",
    "object-016",
    "crop-000",
    "photo-000",
}


@pytest.mark.slow
@pytest.mark.parametrize("setting", [ENROLMENT, SCAN], ids=["enrolment", "scan"])
def test_no_face_free_image_gives_a_face(encoder: DlibFaceEncoder, setting: dict[str, int]) -> None:
    found = {
        f.name: n for f in face_free_images() if (n := len(encoder.detect(f.pixels, **setting)))
    }
    assert found == {}


@pytest.mark.slow
@pytest.mark.parametrize("setting", [ENROLMENT, SCAN], ids=["enrolment", "scan"])
def test_the_packaged_photos_keep_every_face_found_before(
    encoder: DlibFaceEncoder, setting: dict[str, int]
) -> None:
    found = {name: len(encoder.detect(load_rgb(FACES / name), **setting)) for name in FOUND_BEFORE}
    assert found == FOUND_BEFORE
