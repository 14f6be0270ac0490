"""Sampling decodes only what the samples need, and faces are followed between
whole-frame searches (issue 17). Real PyAV encoding and decoding (x264 with B-frames, and
MJPEG), the fake face encoder of ``likeness.testing`` (coloured blocks): what is checked
is which frames are decoded and searched, not the face model. The same scan with dlib
on real photos: test_scan_models.py."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from likeness.scan.detect import DetectorSettings, face_tracks
from likeness.scan.frames import Decoding, sample_frames
from likeness.testing import FakeFaceEncoder

SIZE = (320, 240)


def _frame_with_index(index: int) -> Any:
    """A frame that says which it is (a grey level per frame on the top band) over a
    panning texture, so that the encoder uses B-frames and every frame differs."""
    import numpy as np

    width, height = SIZE
    texture = np.random.default_rng(0).integers(40, 160, (height, width * 2, 1), np.uint8)
    pixels = np.repeat(texture[:, 2 * index : 2 * index + width], 3, axis=2)
    pixels[:40, :, :] = (index * 7) % 256
    return pixels


def _encode(path: Path, frames: list[Any], *, codec: str, rate: int) -> Path:
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        if codec == "mjpeg":
            stream.pix_fmt = "yuvj420p"
        else:
            stream.pix_fmt = "yuv420p"
            stream.options = {"preset": "medium", "x264-params": "keyint=250:bframes=3"}
        for pixels in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _every_frame_sampled(path: Path, fps: float) -> list[tuple[float, Any]]:
    """What the sampler did before issue 17: decode every frame and keep the first at
    least 1/fps after the last kept (written out here, apart from the code under test)."""
    import av

    kept: list[tuple[float, Any]] = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is None or (kept and frame.time + 1e-6 < kept[-1][0] + 1 / fps):
                continue
            kept.append((float(frame.time), frame.to_ndarray(format="rgb24")))
    return kept


@pytest.mark.parametrize(("codec", "suffix"), [("libx264", "mp4"), ("mjpeg", "avi")])
@pytest.mark.parametrize(("rate", "fps"), [(30, 2.0), (25, 3.0)])
def test_samples_are_the_frames_decoding_every_frame_gives(
    tmp_path: Path, codec: str, suffix: str, rate: int, fps: float
) -> None:
    frames = [_frame_with_index(i) for i in range(rate * 4)]
    clip = _encode(tmp_path / f"clip.{suffix}", frames, codec=codec, rate=rate)
    expected = _every_frame_sampled(clip, fps)
    cost = Decoding()
    got = list(sample_frames(clip, fps, cost))
    assert len(got) == len(expected) >= 4 * fps
    for frame, (time, pixels) in zip(got, expected, strict=True):
        assert abs(frame.time - time) < 1 / rate  # within one frame interval
        assert (frame.image == pixels).all()  # the same frame, not a neighbour
        assert frame.thumb is not None and frame.thumb.shape == (36, 64)
    assert cost.frames == len(frames)
    if codec == "mjpeg":  # every frame a keyframe: only the samples are decoded
        assert cost.intra_only and cost.decoded == len(got)
    else:  # reference frames are decoded, non-reference ones only when sampled
        assert not cost.intra_only and len(got) < cost.decoded < len(frames)


def _shot(background: int, blocks: list[tuple[tuple[int, int, int], int, int]]) -> Any:
    import numpy as np

    width, height = SIZE
    pixels = np.full((height, width, 3), background, np.uint8)
    for colour, x, y in blocks:
        pixels[y : y + 60, x : x + 60] = colour
    return pixels


RED, GREEN, BLUE = (220, 30, 30), (30, 200, 40), (40, 60, 230)


def _clip(tmp_path: Path, script: list[tuple[float, Any]], seconds: float) -> Path:
    """10 fps H.264: from each (start, picture) on, that picture."""
    frames = []
    for i in range(int(seconds * 10)):
        frames.append(next(p for start, p in reversed(script) if start <= i / 10))
    return _encode(tmp_path / "shots.mp4", frames, codec="libx264", rate=10)


def _spans(clip: Path, settings: DetectorSettings) -> list[tuple[float, float]]:
    tracks, _ = face_tracks(clip, 2.0, FakeFaceEncoder(), settings)
    return sorted((t.start, t.end) for t in tracks)


def test_a_cut_searches_the_whole_frame_again(tmp_path: Path) -> None:
    """A cut at 2.3 s to another background, with a face where there was none: found on
    the first sample after the cut (2.5 s), though the next scheduled whole-frame search
    is 10 s away; the face of the first shot is followed up to the cut."""
    clip = _clip(
        tmp_path,
        [(0.0, _shot(90, [(RED, 20, 100)])), (2.3, _shot(170, [(BLUE, 230, 30)]))],
        seconds=5,
    )
    rare = DetectorSettings(full_every_s=10.0)
    assert _spans(clip, rare) == [(0.0, 2.0), (2.5, 4.5)]


def test_without_a_cut_a_new_face_waits_for_the_next_whole_search(tmp_path: Path) -> None:
    """The control for the test above: the same new face, no cut (same background), is
    not found before a whole-frame search."""
    clip = _clip(
        tmp_path,
        [(0.0, _shot(90, [(RED, 20, 100)])), (2.3, _shot(90, [(RED, 20, 100), (BLUE, 230, 30)]))],
        seconds=5,
    )
    assert _spans(clip, DetectorSettings(full_every_s=10.0)) == [(0.0, 4.5)]


@pytest.mark.parametrize("enters", [3.2, 3.6, 4.1])
def test_a_face_entering_mid_shot_is_found_within_a_second(tmp_path: Path, enters: float) -> None:
    alone, joined = _shot(90, [(RED, 20, 100)]), _shot(90, [(RED, 20, 100), (GREEN, 230, 30)])
    clip = _clip(tmp_path, [(0.0, alone), (enters, joined)], seconds=7)
    first, second = _spans(clip, DetectorSettings())  # a whole-frame search every second
    assert first == (0.0, 6.5)
    assert enters <= second[0] <= enters + 1.0 and second[1] == 6.5


def test_a_moving_face_is_followed_between_whole_searches(tmp_path: Path) -> None:
    """A face crossing the frame (8 px per 0.1 s) stays one track though the whole frame
    is searched only on the first sample."""
    script = [(i / 10, _shot(90, [(GREEN, 10 + 8 * i, 60 + i)])) for i in range(30)]
    clip = _clip(tmp_path, script, seconds=3)
    assert _spans(clip, DetectorSettings(full_every_s=100.0)) == [(0.0, 2.5)]


@pytest.mark.parametrize("enters", [2.1, 3.2])
def test_a_face_found_late_is_followed_back_to_where_it_came_in(
    tmp_path: Path, enters: float
) -> None:
    """Whole-frame searches at 0 and 4 s only: a face coming in at ``enters`` is found at
    4 s, and its track starts at the first sample showing it (the samples since the last
    search are kept and searched backwards by template), not at 4 s."""
    alone, joined = _shot(90, [(RED, 20, 100)]), _shot(90, [(RED, 20, 100), (GREEN, 230, 30)])
    clip = _clip(tmp_path, [(0.0, alone), (enters, joined)], seconds=7)
    first_sample_with_it = math.ceil(enters * 2) / 2
    spans = _spans(clip, DetectorSettings(full_every_s=4.0))
    assert spans == [(0.0, 6.5), (first_sample_with_it, 6.5)]
