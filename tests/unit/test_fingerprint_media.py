"""Stay-down fingerprints on real encoded media: altered copies of a flagged segment are
found (re-encoded at CRF 35, scaled to 50 %, cropped, trimmed, all at once), unrelated
clips are not, and a flagged stretch of sound is found in a trimmed AAC copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from likeness.errors import InvalidInputError
from likeness.scan.fingerprint import Fingerprint, FingerprintKind, fingerprint_media, match
from tests.stay_down_clips import (
    ALTERATIONS,
    make_altered_copy,
    make_source_clip,
    music_wav,
    reencode_audio,
)

pytestmark = pytest.mark.slow

SIZE = (640, 360)  # smaller than the benchmark's 720p, to keep the test quick


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("stay-down")
    made = {
        f"source{seed}": make_source_clip(folder / f"s{seed}.mp4", seed, duration=10, size=SIZE)
        for seed in (1, 2, 3)
    }
    for i, alteration in enumerate(ALTERATIONS):
        made[alteration.name] = make_altered_copy(made["source1"], folder / f"c{i}.mp4", alteration)
    return made


@pytest.fixture(scope="module")
def flagged(clips: dict[str, Path]) -> Fingerprint:
    return fingerprint_media(clips["source1"], 2.5, 7.5)


def test_a_video_segment_is_frame_hashes_over_time(flagged: Fingerprint) -> None:
    assert flagged.kind is FingerprintKind.VIDEO
    assert (flagged.start, flagged.end) == (2.5, 7.5)
    # four frames a second over five seconds (blank frames would be left out; none here)
    assert 19 <= len(flagged.hashes) <= 21
    assert flagged.times[0] == pytest.approx(0.0, abs=0.05)
    assert flagged.times[-1] == pytest.approx(5.0, abs=0.3)
    assert len(set(flagged.hashes)) > 10  # the picture moves: the hashes change


@pytest.mark.parametrize("alteration", [a.name for a in ALTERATIONS])
def test_an_altered_copy_is_matched(
    clips: dict[str, Path], flagged: Fingerprint, alteration: str
) -> None:
    unrelated = fingerprint_media(clips["source2"], 1.0, 6.0)
    found = match(clips[alteration], [unrelated, flagged])
    assert [m.index for m in found] == [1]
    trimmed = next(a for a in ALTERATIONS if a.name == alteration).trim_start
    # the segment began at 2.5 s in the source: in the copy it begins trim_start earlier
    assert found[0].offset == pytest.approx(2.5 - trimmed, abs=0.2)
    assert found[0].matched_frames >= 15


def test_unrelated_clips_do_not_match(clips: dict[str, Path], flagged: Fingerprint) -> None:
    for name in ("source2", "source3"):
        assert match(clips[name], [flagged]) == []


def test_a_segment_cut_from_a_copy_is_found_in_the_original(clips: dict[str, Path]) -> None:
    # the other way round: a platform's copy flagged, the uploader's original found
    copy = clips[ALTERATIONS[-1].name]
    found = match(clips["source1"], [fingerprint_media(copy, 1.0, 4.0)])
    assert len(found) == 1
    assert found[0].offset == pytest.approx(1.0 + 1.1, abs=0.2)  # the copy lost 1.1 s


def test_a_segment_past_the_end_is_refused(clips: dict[str, Path]) -> None:
    with pytest.raises(InvalidInputError, match="no usable frame"):
        fingerprint_media(clips["source1"], 30.0, 35.0)


def test_an_audio_segment_is_found_in_a_trimmed_lossy_copy(tmp_path: Path) -> None:
    original = music_wav(tmp_path / "a.wav", seed=5)
    copy = reencode_audio(original, tmp_path / "copy.m4a", trim_start=1.3, trim_end=2.0)
    others = [music_wav(tmp_path / f"o{i}.wav", seed=20 + i) for i in range(3)]
    fp = fingerprint_media(original, 3.0, 8.0)
    assert fp.kind is FingerprintKind.AUDIO
    assert len(fp.hashes) == pytest.approx(5.0 * 5512 / 64, abs=40)  # 11.6 ms frames
    found = match(copy, [fp])
    assert len(found) == 1
    # 3.0 s less the 1.3 s trimmed; AAC adds up to a frame (46 ms at 44.1 kHz) of delay
    assert found[0].offset == pytest.approx(1.7, abs=0.08)
    assert found[0].score > 0.8
    for other in others:
        assert match(other, [fp]) == []


def test_a_voice_flag_on_a_video_without_sound_is_refused(tmp_path: Path) -> None:
    # a clip with no sound track: a voice flag on it has nothing to fingerprint
    clip = make_source_clip(tmp_path / "mute.mp4", 9, duration=3, size=(320, 180))
    with pytest.raises(InvalidInputError, match="no sound track"):
        fingerprint_media(clip, 0.0, 2.0, FingerprintKind.AUDIO)
