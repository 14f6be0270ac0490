"""A recording's length limit stops decoding where it is reached: a small file can hold
hours of silence (a 656 KB FLAC of one hour decoded to 742 MB before the limit was
checked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from likeness.errors import AudioTooLongError
from likeness.recognition.media import AUDIO_RATE, load_audio

av = pytest.importorskip("av")
np = pytest.importorskip("numpy")


def silence(path: Path, seconds: int) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("flac", rate=AUDIO_RATE, layout="mono")
        block = np.zeros((1, AUDIO_RATE), dtype=np.int16)
        for second in range(seconds):
            frame = av.AudioFrame.from_ndarray(block, format="s16", layout="mono")
            frame.rate, frame.pts = AUDIO_RATE, second * AUDIO_RATE
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


class _Counting:
    """av.open's container, counting the audio frames decoded."""

    def __init__(self, container: Any, counts: list[int]) -> None:
        self._container, self._counts, self.streams = container, counts, container.streams

    def __enter__(self) -> _Counting:
        return self

    def __exit__(self, *exc: object) -> None:
        self._container.close()

    def decode(self, **which: int) -> Any:
        for frame in self._container.decode(**which):
            self._counts.append(frame.samples)
            yield frame


def test_decoding_stops_at_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = silence(tmp_path / "ten-minutes.flac", 600)
    counts: list[int] = []
    real_open = av.open
    monkeypatch.setattr(av, "open", lambda p, *a, **k: _Counting(real_open(p, *a, **k), counts))

    with pytest.raises(AudioTooLongError) as refused:
        load_audio(path, max_seconds=30)

    assert "ten-minutes.flac: longer than 30 s" in refused.value.message
    decoded_seconds = sum(counts) / AUDIO_RATE
    assert 30 < decoded_seconds < 35  # not the ten minutes the file holds


def test_within_the_limit_the_whole_recording_is_returned(tmp_path: Path) -> None:
    samples = load_audio(silence(tmp_path / "short.flac", 3), max_seconds=30)
    assert len(samples) == 3 * AUDIO_RATE


def test_the_default_limit_is_named_in_hours(tmp_path: Path) -> None:
    assert AudioTooLongError(Path("x.wav"), 4 * 3600).message == "x.wav: longer than 4 h"
