"""Face enrolment and identification with the real dlib models on real packaged photos
(tests/assets/SOURCES.md). Marked `model` and `slow`: CI runs them; `-m "not slow"` skips
them locally. The services' behaviour (gates, all or nothing, corrections, erasure, index
files) is tested with the fake encoders in test_enrolment.py."""

from __future__ import annotations

import json
import struct
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from likeness.bootstrap import Services, build_services
from likeness.cli.app import EXIT_CODES, app
from likeness.recognition.dlib_face import DlibFaceEncoder
from likeness.recognition.encoders import Encoders
from likeness.recognition.media import load_rgb
from likeness.services.inputs import PerformerInput
from likeness.settings import Settings

pytestmark = [pytest.mark.model, pytest.mark.slow]

FACES = Path(__file__).parents[1] / "assets" / "faces"
runner = CliRunner()


def person(services: Services, name: str) -> str:
    return services.registry.add_performer(
        PerformerInput(legal_name=name, date_of_birth=date(1970, 1, 1))
    ).value.id


def crop(source: Path, box: tuple[int, int, int, int], out: Path, margin: float = 0.6) -> Path:
    from PIL import Image

    x, y, w, h = box
    with Image.open(source) as image:
        left, top = max(0, int(x - margin * w)), max(0, int(y - margin * h))
        image.crop((left, top, int(x + w * (1 + margin)), int(y + h * (1 + margin)))).save(out)
    return out


def degraded(source: Path, out: Path) -> Path:
    """A mirrored, half-size, re-compressed copy: not an independent photograph."""
    from PIL import Image, ImageOps

    with Image.open(source) as image:
        small = ImageOps.mirror(image.convert("RGB")).resize((image.width // 2, image.height // 2))
        small.save(out, quality=60)
    return out


WOMAN_IN_SAMPLE1 = (1455, 252, 193, 193)  # the woman who is also in sample3.jpg


def test_enrolled_people_are_named_and_strangers_are_unknown(
    services: Services, tmp_path: Path
) -> None:
    obama, biden, woman = (person(services, n) for n in ("Obama", "Biden", "Woman"))
    services.enrolment.enrol(obama, [FACES / "obama.jpg", FACES / "obama2.jpg"])
    services.enrolment.enrol(biden, [FACES / "biden.jpg"])
    services.enrolment.enrol(
        woman, [crop(FACES / "sample1.jpg", WOMAN_IN_SAMPLE1, tmp_path / "woman.jpg")]
    )

    def names(photo: Path) -> list[str | None]:
        return [f.performer_id for f in services.gallery.identify(photo).faces]

    assert names(FACES / "obama3.jpg") == [obama]  # an independent, held-out photograph
    assert woman in names(FACES / "sample3.jpg")  # held-out: a different photo shoot
    assert names(degraded(FACES / "biden.jpg", tmp_path / "biden_small.jpg")) == [biden]
    for stranger_photo in (
        "sample2.jpg",
        "sample4.jpg",
        "sample5.jpg",
        "sample6.jpg",
        "friends_t1.jpg",
    ):
        result = services.gallery.identify(FACES / stranger_photo)
        assert result.faces, stranger_photo
        assert {f.decision for f in result.faces} == {"unknown"}, stranger_photo
        assert all(f.distance is not None and f.distance >= 0.5 for f in result.faces)


def test_identify_json_through_the_cli(services: Services, settings: Settings) -> None:
    obama = person(services, "Obama")
    services.enrolment.enrol(obama, [FACES / "obama.jpg"])
    result = runner.invoke(
        app, ["--home", str(settings.home), "identify", str(FACES / "obama2.jpg"), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    [face] = data["faces"]
    assert face["decision"] == "match" and face["performer_id"] == obama
    assert len(face["box"]) == 4 and 0 < face["distance"] < 0.5
    assert data["voices"] == []


def test_cli_refuses_a_group_photo(services: Services, settings: Settings) -> None:
    obama = person(services, "Obama")
    result = runner.invoke(
        app, ["--home", str(settings.home), "enrol", obama, str(FACES / "sample1.jpg")]
    )
    assert result.exit_code == EXIT_CODES["invalid"]
    assert "found 3 faces" in result.stderr


# -- erasure and re-embedding ------------------------------------------------------------


def test_erasure_removes_templates_and_leaves_no_bytes(services: Services) -> None:
    obama = person(services, "Obama")
    biden = person(services, "Biden")
    services.enrolment.enrol(obama, [FACES / "obama.jpg"])
    services.enrolment.enrol(biden, [FACES / "biden.jpg"])
    [face] = services.encoders.face().faces(load_rgb(FACES / "obama.jpg"))
    template = struct.pack(f"<{len(face.embedding)}d", *face.embedding)
    photo_slice = (FACES / "obama.jpg").read_bytes()[20000:20064]

    def everything() -> bytes:
        return b"".join(p.read_bytes() for p in services.layout.root.rglob("*") if p.is_file())

    assert template not in everything() and photo_slice not in everything()  # sealed
    services.gallery.identify(FACES / "obama2.jpg")  # builds and saves the index
    assert list(services.layout.index.glob("*.sealed"))
    services.registry.erase_performer(obama)
    assert not list(services.layout.index.glob("*.sealed"))
    assert not (services.layout.vault / obama).exists()
    assert template not in everything() and photo_slice not in everything()
    [after] = services.gallery.identify(FACES / "obama3.jpg").faces
    assert after.decision == "unknown"
    assert services.gallery.identify(FACES / "biden.jpg").faces[0].performer_id == biden
    assert template not in everything()  # the rebuilt index holds only Biden
    assert services.ledger.audit().ok


def test_reindex_re_embeds_from_the_vault_for_a_new_model(
    services: Services, settings: Settings
) -> None:
    obama = person(services, "Obama")
    services.enrolment.enrol(obama, [FACES / "obama.jpg"])
    upgraded = build_services(settings, encoders=Encoders(NextVersion))
    try:
        [face] = upgraded.gallery.identify(FACES / "obama3.jpg").faces
        assert face.performer_id is None  # no template of the new model yet
        assert upgraded.enrolment.reindex() == 1
        assert upgraded.gallery.identify(FACES / "obama3.jpg").faces[0].performer_id == obama
        assert upgraded.enrolment.reindex() == 0  # idempotent
    finally:
        upgraded.close()


class NextVersion(DlibFaceEncoder):
    """The encoder in force changes version (the same weights, for the test)."""

    model_id = "dlib-resnet-v1-5pt@next"


def test_the_cnn_detector_finds_the_same_face() -> None:
    from likeness.recognition.dlib_face import DlibFaceEncoder
    from likeness.recognition.media import load_rgb

    image = load_rgb(FACES / "obama2.jpg")
    [hog] = DlibFaceEncoder().faces(image)
    [cnn] = DlibFaceEncoder(detector="cnn").faces(image)
    distance = sum((a - b) ** 2 for a, b in zip(hog.embedding, cnn.embedding, strict=True)) ** 0.5
    assert distance < 0.2  # the same person, aligned from slightly different boxes
