"""Enrolment, identification, corrections, erasure and re-embedding through the services,
with the fake encoders of ``likeness.testing`` (fast tier). The same behaviour with the
real dlib and Resemblyzer models on real photos and speech: test_recognition.py and
test_voice.py (slow tier)."""

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

from likeness.bootstrap import Services, build_services
from likeness.cli.app import EXIT_CODES, app
from likeness.domain.consent import Modality
from likeness.errors import InvalidInputError, NotFoundError
from likeness.recognition.encoders import Encoders
from likeness.recognition.media import load_rgb
from likeness.services.inputs import PerformerInput
from likeness.settings import Settings
from likeness.testing import FakeFaceEncoder, FakeVoiceEncoder
from likeness.testing.media import BLUE, GREEN, RED, YELLOW, Block, Tone, face_image, tones_wav
from tests.conftest import fake_cli

runner = CliRunner()


def person(services: Services, name: str) -> str:
    return services.registry.add_performer(
        PerformerInput(legal_name=name, date_of_birth=date(1970, 1, 1))
    ).value.id


@pytest.fixture
def photos(tmp_path: Path) -> dict[str, Path]:
    """Red is Ada, green is Bo; blue is nobody enrolled."""
    return {
        "ada": face_image(tmp_path / "ada.png", [Block(RED)]),
        "ada2": face_image(tmp_path / "ada2.jpg", [Block(RED, x=300, y=150, size=150)]),
        "bo": face_image(tmp_path / "bo.png", [Block(GREEN)]),
        "group": face_image(
            tmp_path / "group.png", [Block(RED), Block(GREEN, x=300), Block(BLUE, x=100, y=300)]
        ),
        "stranger": face_image(tmp_path / "stranger.png", [Block(BLUE)]),
    }


def test_enrolled_people_are_named_and_strangers_are_unknown(
    fake_services: Services, photos: dict[str, Path]
) -> None:
    ada, bo = person(fake_services, "Ada"), person(fake_services, "Bo")
    fake_services.enrolment.enrol(ada, [photos["ada"]])
    fake_services.enrolment.enrol(bo, [photos["bo"]])
    found = fake_services.gallery.identify(photos["group"]).faces
    assert [f.performer_id for f in found] == [ada, bo, None]
    assert [f.decision.value for f in found] == ["match", "match", "unknown"]
    assert found[2].distance is not None and found[2].distance >= 0.5
    assert fake_services.gallery.identify(photos["ada2"]).faces[0].performer_id == ada


def test_identify_json_through_the_cli(
    fake_services: Services, settings: Settings, photos: dict[str, Path]
) -> None:
    ada = person(fake_services, "Ada")
    fake_services.enrolment.enrol(ada, [photos["ada"]])
    result = runner.invoke(
        app,
        ["--home", str(settings.home), "identify", str(photos["ada2"]), "--json"],
        obj=fake_cli(),
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["model_id"] == "fake-face@1" and data["threshold"] == 0.5
    [face] = data["faces"]
    assert face["decision"] == "match" and face["performer_id"] == ada
    assert face["box"] == [300, 148, 152, 152] and 0 <= face["distance"] < 0.5  # on a 4-px grid
    assert data["voices"] == []


def test_enrolment_is_logged_as_a_commitment(
    fake_services: Services, photos: dict[str, Path]
) -> None:
    ada = person(fake_services, "Ada")
    recorded = fake_services.enrolment.enrol(ada, [photos["ada"]])
    entry = fake_services.ledger.receipt(recorded.log_indexes[0]).entry
    assert b"enrolment.added" in entry and ada.encode() in entry
    source = hashlib.sha256(photos["ada"].read_bytes()).hexdigest()
    assert source.encode() not in entry  # committed to, not shown
    assert fake_services.ledger.audit().ok


def test_corrections_stick(fake_services: Services, photos: dict[str, Path]) -> None:
    ada = person(fake_services, "Ada")
    fake_services.enrolment.enrol(ada, [photos["ada"]])
    gallery = fake_services.gallery
    assert gallery.identify(photos["ada2"]).faces[0].performer_id == ada
    assert gallery.reject_match(photos["ada2"], ada) is True
    assert gallery.reject_match(photos["ada2"], ada) is False
    [face] = gallery.identify(photos["ada2"]).faces
    assert (face.performer_id, face.suppressed) == (None, (ada,))
    assert gallery.identify(photos["group"]).faces[0].performer_id == ada  # other media


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


def gif_named_png(path: Path) -> Path:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(buffer, format="GIF")
    path.write_bytes(buffer.getvalue())
    return path


def blurred(source: Path, out: Path) -> Path:
    from PIL import Image, ImageFilter

    with Image.open(source) as image:
        image.filter(ImageFilter.GaussianBlur(8)).save(out)
    return out


BAD = {
    "junk": (lambda d, p: _write(d / "junk.jpg", b"not an image at all"), "not a readable image"),
    "cut": (
        lambda d, p: _write(d / "cut.jpg", p["ada2"].read_bytes()[:500]),
        "not a readable image",
    ),
    "gif in disguise": (lambda d, p: gif_named_png(d / "x.png"), "GIF images are not accepted"),
    "bomb": (lambda d, p: huge_png(d / "huge.png"), "more pixels than the 40 MP limit"),
    "big": (
        lambda d, p: huge_png(d / "big.png", 10_000, 5_000),
        "10000 × 5000 pixels is more than the 40 MP limit",
    ),
    "group": (lambda d, p: p["group"], "found 3 faces; an enrolment photo must show exactly one"),
    "none": (lambda d, p: face_image(d / "empty.png", []), "found 0 faces"),
    "small": (
        lambda d, p: face_image(d / "small.png", [Block(RED, size=40)]),
        "the face is 40 px; at least 80 px are needed",
    ),
    "blurred": (lambda d, p: blurred(p["ada"], d / "blur.png"), "the face is too blurred"),
    "audio": (lambda d, p: _write(d / "voice.wav", b"RIFF"), "not a readable audio or video"),
    "suffix": (
        lambda d, p: _write(d / "notes.txt", b"hello"),
        r"'\.txt' files are not read here; images: \.jpg \.jpeg \.png",
    ),
    "gif": (lambda d, p: gif_named_png(d / "x.gif"), r"'\.gif' files are not read here"),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_enrolment_input_writes_nothing(
    fake_services: Services, photos: dict[str, Path], tmp_path: Path, case: str
) -> None:
    make, message = BAD[case]
    ada = person(fake_services, "Ada")
    before = fake_services.ledger.size()
    bad = make(tmp_path, photos)
    with pytest.raises(InvalidInputError, match=message):
        # a good photo first: all or nothing means it is not kept either
        fake_services.enrolment.enrol(ada, [photos["ada"], bad])
    assert fake_services.ledger.size() == before
    assert not (fake_services.layout.vault / ada).exists()
    assert fake_services.gallery.identify(photos["ada2"]).faces[0].performer_id is None


def test_unknown_performer(fake_services: Services, photos: dict[str, Path]) -> None:
    with pytest.raises(NotFoundError, match="no performer with id 'NOPE'"):
        fake_services.enrolment.enrol("NOPE", [photos["ada"]])


def test_cli_refuses_a_group_photo(
    fake_services: Services, settings: Settings, photos: dict[str, Path]
) -> None:
    ada = person(fake_services, "Ada")
    result = runner.invoke(
        app, ["--home", str(settings.home), "enrol", ada, str(photos["group"])], obj=fake_cli()
    )
    assert result.exit_code == EXIT_CODES["invalid"]
    assert "found 3 faces" in result.stderr


# -- voices ------------------------------------------------------------------------------


def test_voices_are_enrolled_and_named(fake_services: Services, tmp_path: Path) -> None:
    ada, bo = person(fake_services, "Ada"), person(fake_services, "Bo")
    fake_services.enrolment.enrol(
        ada, [tones_wav(tmp_path / "a.wav", [Tone(200, 0, 4)], duration=4)]
    )
    fake_services.enrolment.enrol(
        bo, [tones_wav(tmp_path / "b.wav", [Tone(400, 0, 4)], duration=4)]
    )
    talk = tones_wav(
        tmp_path / "talk.wav",
        [Tone(200, 1, 4), Tone(400, 6, 9), Tone(800, 11, 14)],
        duration=15,
    )
    result = fake_services.gallery.identify(talk)
    assert result.faces == () and result.model_id == "fake-voice@1"
    assert [v.performer_id for v in result.voices] == [ada, bo, None]
    assert [round(v.where.start) for v in result.voices if v.where] == [1, 6, 11]


def test_too_little_speech_is_refused(fake_services: Services, tmp_path: Path) -> None:
    ada = person(fake_services, "Ada")
    short = tones_wav(tmp_path / "short.wav", [Tone(200, 0, 1.5)], duration=4)
    with pytest.raises(InvalidInputError, match=r"only 1\.\d s of speech; at least 3 s"):
        fake_services.enrolment.enrol(ada, [short], Modality.VOICE)
    assert fake_services.ledger.size() == 1  # the performer's entry only


# -- erasure and re-embedding ------------------------------------------------------------


def test_erasure_removes_templates_and_leaves_no_bytes(
    fake_services: Services, photos: dict[str, Path]
) -> None:
    ada, bo = person(fake_services, "Ada"), person(fake_services, "Bo")
    fake_services.enrolment.enrol(ada, [photos["ada"]])
    fake_services.enrolment.enrol(bo, [photos["bo"]])
    [face] = FakeFaceEncoder().faces(load_rgb(photos["ada"]))
    template = struct.pack(f"<{len(face.embedding)}d", *face.embedding)
    photo_slice = photos["ada"].read_bytes()[100:164]

    def everything() -> bytes:
        return b"".join(p.read_bytes() for p in fake_services.layout.root.rglob("*") if p.is_file())

    assert template not in everything() and photo_slice not in everything()  # sealed
    fake_services.gallery.identify(photos["ada2"])  # builds and saves the index
    assert list(fake_services.layout.index.glob("*.sealed"))
    fake_services.registry.erase_performer(ada)
    assert not list(fake_services.layout.index.glob("*.sealed"))
    assert not (fake_services.layout.vault / ada).exists()
    assert template not in everything() and photo_slice not in everything()
    assert fake_services.gallery.identify(photos["ada2"]).faces[0].performer_id is None
    assert fake_services.gallery.identify(photos["bo"]).faces[0].performer_id == bo
    assert fake_services.ledger.audit().ok


def test_a_saved_index_is_reused_by_the_next_process(
    fake_services: Services, settings: Settings, photos: dict[str, Path]
) -> None:
    ada = person(fake_services, "Ada")
    fake_services.enrolment.enrol(ada, [photos["ada"]])
    fake_services.gallery.identify(photos["ada2"])
    [saved] = fake_services.layout.index.glob("*.sealed")
    stamp = saved.stat().st_mtime_ns
    other = build_services(settings, encoders=Encoders(FakeFaceEncoder, FakeVoiceEncoder))
    try:
        assert other.gallery.identify(photos["ada2"]).faces[0].performer_id == ada
    finally:
        other.close()
    assert saved.stat().st_mtime_ns == stamp  # loaded, not rebuilt


class NextFaceModel(FakeFaceEncoder):
    """The same faces, embedded by another model version (its templates are apart)."""

    model_id = "fake-face@2"


def test_reindex_re_embeds_from_the_vault_for_a_new_model(
    fake_services: Services, settings: Settings, photos: dict[str, Path]
) -> None:
    ada = person(fake_services, "Ada")
    fake_services.enrolment.enrol(ada, [photos["ada"]])
    upgraded = build_services(settings, encoders=Encoders(NextFaceModel, FakeVoiceEncoder))
    try:
        assert upgraded.gallery.identify(photos["ada2"]).faces[0].performer_id is None
        assert upgraded.enrolment.reindex() == 1
        assert upgraded.gallery.identify(photos["ada2"]).faces[0].performer_id == ada
        assert upgraded.enrolment.reindex() == 0  # idempotent
    finally:
        upgraded.close()


def test_colours_the_fakes_tell_apart_are_far_apart() -> None:
    """The fake's promise that the tests above rely on (see likeness.testing.encoders)."""
    encoder = FakeFaceEncoder()
    vectors = []
    for colour in (RED, GREEN, BLUE, YELLOW):
        image = load_rgb(face_image(Path("card.png"), [Block(colour)]))
        [face] = encoder.faces(image)
        vectors.append(face.embedding)
    for i, a in enumerate(vectors):
        for b in vectors[i + 1 :]:
            assert sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5 > 0.6
