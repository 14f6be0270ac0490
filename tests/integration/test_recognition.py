"""Face enrolment and identification with the real dlib models on real packaged photos
(tests/assets/SOURCES.md). Marked `model`: CI runs them; `-m "not model"` skips locally."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zlib
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from likeness.bootstrap import Services
from likeness.cli.app import EXIT_CODES, app
from likeness.errors import InvalidInputError, NotFoundError
from likeness.services.inputs import PerformerInput
from likeness.settings import Settings

pytest.importorskip("dlib", reason="the face extra is installed by scripts/test and CI")
pytestmark = pytest.mark.model

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
    services.recognition.enrol(obama, [FACES / "obama.jpg", FACES / "obama2.jpg"])
    services.recognition.enrol(biden, [FACES / "biden.jpg"])
    services.recognition.enrol(
        woman, [crop(FACES / "sample1.jpg", WOMAN_IN_SAMPLE1, tmp_path / "woman.jpg")]
    )

    def names(photo: Path) -> list[str | None]:
        return [f.performer_id for f in services.recognition.identify(photo).faces]

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
        result = services.recognition.identify(FACES / stranger_photo)
        assert result.faces, stranger_photo
        assert {f.decision for f in result.faces} == {"unknown"}, stranger_photo
        assert all(f.distance is not None and f.distance >= 0.5 for f in result.faces)


def test_identify_json_through_the_cli(services: Services, settings: Settings) -> None:
    obama = person(services, "Obama")
    services.recognition.enrol(obama, [FACES / "obama.jpg"])
    result = runner.invoke(
        app, ["--home", str(settings.home), "identify", str(FACES / "obama2.jpg"), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    [face] = data["faces"]
    assert face["decision"] == "match" and face["performer_id"] == obama
    assert len(face["box"]) == 4 and 0 < face["distance"] < 0.5
    assert data["voices"] == []


def test_enrolment_is_logged_as_a_commitment(services: Services) -> None:
    obama = person(services, "Obama")
    recorded = services.recognition.enrol(obama, [FACES / "obama.jpg"])
    entry = services.ledger.receipt(recorded.log_indexes[0]).entry
    assert b"enrolment.added" in entry and obama.encode() in entry
    raw = (FACES / "obama.jpg").read_bytes()
    assert hashlib.sha256(raw).hexdigest().encode() not in entry  # committed, not shown
    assert services.ledger.audit().ok


def test_corrections_stick(services: Services) -> None:
    obama = person(services, "Obama")
    services.recognition.enrol(obama, [FACES / "obama.jpg"])
    assert services.recognition.identify(FACES / "obama3.jpg").faces[0].decision == "match"
    assert services.recognition.reject_match(FACES / "obama3.jpg", obama) is True
    assert services.recognition.reject_match(FACES / "obama3.jpg", obama) is False
    [face] = services.recognition.identify(FACES / "obama3.jpg").faces
    assert (face.decision, face.suppressed) == ("unknown", (obama,))
    assert services.recognition.identify(FACES / "obama2.jpg").faces[0].performer_id == obama


# -- bad input: a clear reason, nothing written ------------------------------------------


def huge_png(path: Path, width: int = 20_000, height: int = 20_000) -> Path:
    """A valid PNG header declaring 20,000 × 20,000 pixels (the pixels are never made)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))
    return path


def gif(path: Path) -> Path:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(buffer, format="GIF")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda d: (d / "junk.jpg").write_bytes(b"not an image at all") and d / "junk.jpg",
            "not a readable image",
        ),
        (
            lambda d: (
                (d / "cut.jpg").write_bytes((FACES / "obama.jpg").read_bytes()[:5000])
                and d / "cut.jpg"
            ),
            "not a readable image",
        ),
        (lambda d: gif(d / "x.gif"), "GIF images are not accepted"),
        (lambda d: huge_png(d / "huge.png"), "more pixels than the 40 MP limit"),
        (
            lambda d: huge_png(d / "big.png", 10_000, 5_000),
            "10000 × 5000 pixels is more than the 40 MP limit",
        ),
        (
            lambda d: FACES / "sample1.jpg",
            "found 3 faces; an enrolment photo must show exactly one",
        ),
        (
            lambda d: (d / "voice.wav").write_bytes(b"RIFF") and d / "voice.wav",
            "not a readable audio or video file",
        ),
    ],
)
def test_bad_enrolment_input_writes_nothing(
    services: Services, tmp_path: Path, make, message
) -> None:  # type: ignore[no-untyped-def]
    obama = person(services, "Obama")
    before = services.ledger.size()
    bad = make(tmp_path)
    with pytest.raises(InvalidInputError, match=message):
        # a good photo first: all or nothing means it is not kept either
        services.recognition.enrol(obama, [FACES / "obama.jpg", bad])
    assert services.ledger.size() == before
    assert not (services.layout.vault / obama).exists()
    assert services.recognition.identify(FACES / "obama2.jpg").faces[0].decision == "unknown"


def test_unknown_performer(services: Services) -> None:
    with pytest.raises(NotFoundError, match="no performer with id 'NOPE'"):
        services.recognition.enrol("NOPE", [FACES / "obama.jpg"])


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
    services.recognition.enrol(obama, [FACES / "obama.jpg"])
    services.recognition.enrol(biden, [FACES / "biden.jpg"])
    [face] = services.recognition.encoder().faces(
        __import__("likeness.recognition.media", fromlist=["load_rgb"]).load_rgb(
            FACES / "obama.jpg"
        )
    )
    template = struct.pack(f"<{len(face.embedding)}d", *face.embedding)
    photo_slice = (FACES / "obama.jpg").read_bytes()[20000:20064]

    def everything() -> bytes:
        return b"".join(p.read_bytes() for p in services.layout.root.rglob("*") if p.is_file())

    assert template not in everything() and photo_slice not in everything()  # sealed
    services.recognition.identify(FACES / "obama2.jpg")  # builds and saves the index
    assert list(services.layout.index.glob("*.sealed"))
    services.registry.erase_performer(obama)
    assert not list(services.layout.index.glob("*.sealed"))
    assert not (services.layout.vault / obama).exists()
    assert template not in everything() and photo_slice not in everything()
    [after] = services.recognition.identify(FACES / "obama3.jpg").faces
    assert after.decision == "unknown"
    assert services.recognition.identify(FACES / "biden.jpg").faces[0].performer_id == biden
    assert template not in everything()  # the rebuilt index holds only Biden
    assert services.ledger.audit().ok


def test_a_saved_index_is_reused_by_the_next_process(
    services: Services, settings: Settings
) -> None:
    from likeness.bootstrap import build_services

    obama = person(services, "Obama")
    services.recognition.enrol(obama, [FACES / "obama.jpg"])
    services.recognition.identify(FACES / "obama2.jpg")
    [saved] = services.layout.index.glob("*.sealed")
    stamp = saved.stat().st_mtime_ns
    other = build_services(settings)
    try:
        assert other.recognition.identify(FACES / "obama3.jpg").faces[0].performer_id == obama
    finally:
        other.close()
    assert saved.stat().st_mtime_ns == stamp  # loaded, not rebuilt


def test_reindex_re_embeds_from_the_vault_for_a_new_model(services: Services) -> None:
    obama = person(services, "Obama")
    services.recognition.enrol(obama, [FACES / "obama.jpg"])
    base = services.recognition.encoder()

    class NextVersion:
        model_id = "dlib-resnet-v1-5pt@next"
        dimension = base.dimension

        def faces(self, image):  # type: ignore[no-untyped-def]
            return base.faces(image)

    services.recognition._encoder = NextVersion()  # the encoder in force changes
    services.recognition.invalidate()
    assert services.recognition.identify(FACES / "obama3.jpg").faces[0].decision == "unknown"
    assert services.recognition.reindex() == 1
    assert services.recognition.identify(FACES / "obama3.jpg").faces[0].performer_id == obama
    assert services.recognition.reindex() == 0  # idempotent


def test_the_cnn_detector_finds_the_same_face() -> None:
    from likeness.recognition.dlib_face import DlibFaceEncoder
    from likeness.recognition.media import load_rgb

    image = load_rgb(FACES / "obama2.jpg")
    [hog] = DlibFaceEncoder().faces(image)
    [cnn] = DlibFaceEncoder(detector="cnn").faces(image)
    distance = sum((a - b) ** 2 for a, b in zip(hog.embedding, cnn.embedding, strict=True)) ** 0.5
    assert distance < 0.2  # the same person, aligned from slightly different boxes
