"""Stay-down fingerprints without video: the compact form, the shareable block list,
still images and bad input."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from likeness.errors import InvalidInputError, UnsupportedMediaTypeError
from likeness.scan.fingerprint import (
    BlockListEntry,
    Fingerprint,
    FingerprintKind,
    _hamming_matrix,
    block_list_json,
    fingerprint_media,
    match,
    read_block_list,
)


def _picture(path: Path, seed: int, size: tuple[int, int] = (800, 600)) -> Path:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (6, 8, 3)).astype(np.uint8)
    Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC).save(path, quality=92)
    return path


VIDEO = Fingerprint(
    FingerprintKind.VIDEO, 3.5, 9.25, (0.0, 0.25, 0.5), (1, 0xFFFFFFFFFFFFFFFF, 0x0123456789ABCDEF)
)


def test_compact_form_round_trips() -> None:
    audio = Fingerprint(FingerprintKind.AUDIO, 1.0, 2.0, (0.0, 0.5), (0xFFFFFFFF, 7))
    for fp in (VIDEO, audio):
        data = fp.to_bytes()
        assert data[:4] == b"LLFP"
        assert data[4] == 1  # the format version
        assert Fingerprint.from_bytes(data) == fp
    # magic 4 + version, kind, bits 3 + count 4 + start, end 16; 3 float32 times; 3 uint64
    assert len(VIDEO.to_bytes()) == 27 + 12 + 24


def test_damaged_compact_forms_are_refused() -> None:
    data = VIDEO.to_bytes()
    with pytest.raises(InvalidInputError, match="bad magic"):
        Fingerprint.from_bytes(b"XXXX" + data[4:])
    with pytest.raises(InvalidInputError, match="format 9 is not supported"):
        Fingerprint.from_bytes(data[:4] + bytes([9]) + data[5:])
    with pytest.raises(InvalidInputError, match="length"):
        Fingerprint.from_bytes(data[:-1])
    with pytest.raises(InvalidInputError, match="too short"):
        Fingerprint.from_bytes(b"LLFP")


def test_block_list_holds_only_flag_kind_times_and_hashes() -> None:
    text = block_list_json([BlockListEntry(42, VIDEO)])
    head, line = (json.loads(x) for x in text.splitlines())
    assert head == {"format": "likeness-stay-down-fingerprints", "version": 1}
    # no template, no crop, no performer, no production, no media name: these fields only
    assert set(line) == {"flag_id", "kind", "start_s", "end_s", "duration_s", "fingerprint"}
    assert line["flag_id"] == 42
    assert line["kind"] == "video"
    assert (line["start_s"], line["end_s"], line["duration_s"]) == (3.5, 9.25, 5.75)
    assert base64.b64decode(line["fingerprint"]) == VIDEO.to_bytes()
    assert read_block_list(text) == [BlockListEntry(42, VIDEO)]


def test_block_list_of_another_format_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="block list"):
        read_block_list('{"format": "something-else", "version": 1}\n')
    with pytest.raises(InvalidInputError, match="damaged"):
        read_block_list(block_list_json([]) + '{"flag_id": 1, "fingerprint": "!!"}\n')


def test_hamming_distances_count_differing_bits() -> None:
    distances = _hamming_matrix([0, 0xFF], [0, 0xF0F0, -1])
    assert distances.tolist() == [[0, 8, 64], [8, 8, 64]]


def test_a_still_image_matches_its_scaled_recompressed_copy_not_another(tmp_path: Path) -> None:
    from PIL import Image

    original = _picture(tmp_path / "still.png", seed=1)
    with Image.open(original) as picture:
        w, h = picture.size
        picture.crop((int(w * 0.03), int(h * 0.03), w - int(w * 0.03), h - int(h * 0.03))).resize(
            (w // 2, h // 2)
        ).save(tmp_path / "copy.jpg", quality=40)
    fp = fingerprint_media(original, 0.0, 0.0)
    assert fp.kind is FingerprintKind.IMAGE
    assert len(fp.hashes) == 3  # the whole image, and zoomed in by 3 % and 6 % per side
    found = match(tmp_path / "copy.jpg", [fp])
    assert [m.index for m in found] == [0]
    others = [_picture(tmp_path / f"other{i}.png", seed=10 + i) for i in range(5)]
    for other in others:
        assert match(other, [fp]) == []


def test_a_blank_image_has_nothing_to_match(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (300, 200), (90, 90, 90)).save(tmp_path / "grey.png")
    with pytest.raises(InvalidInputError, match="blank"):
        fingerprint_media(tmp_path / "grey.png", 0.0, 0.0)


def test_bad_input_is_refused_with_the_reason(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is no video at all" * 100)
    with pytest.raises(InvalidInputError, match="not a media file FFmpeg can read"):
        fingerprint_media(junk, 0.0, 5.0)
    with pytest.raises(InvalidInputError, match="not a media file FFmpeg can read"):
        match(junk, [VIDEO])
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InvalidInputError, match="empty"):
        fingerprint_media(empty, 0.0, 5.0)
    with pytest.raises(InvalidInputError, match=r"segment 5\.0–5\.0 s is empty"):
        fingerprint_media(junk, 5.0, 5.0)
    with pytest.raises(UnsupportedMediaTypeError):
        fingerprint_media(tmp_path / "notes.txt", 0.0, 1.0)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really")
    with pytest.raises(InvalidInputError, match="not an image"):
        fingerprint_media(broken, 0.0, 0.0)
