"""Sampling frames from video (PyAV) and images, at a reduced rate."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from likeness.errors import InvalidInputError, MissingExtraError
from likeness.recognition.media import MediaKind, load_rgb, media_kind
from likeness.recognition.ports import Pixels

MAX_FRAME_PIXELS = 40_000_000  # a 16K frame (15360 × 8640) is refused


@dataclass(frozen=True)
class Frame:
    time: float  # seconds from the start
    image: Pixels


def sample_frames(path: Path, fps: float) -> Iterator[Frame]:
    """Frames at about ``fps`` per second (every frame of a still image: one, at 0 s)."""
    if media_kind(path) is MediaKind.IMAGE:
        yield Frame(0.0, load_rgb(path))
        return
    try:
        import av
    except ImportError:
        raise MissingExtraError("video scanning", "media") from None
    if path.stat().st_size == 0:
        raise InvalidInputError(f"{path}: the file is empty")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise InvalidInputError(f"{path}: not a media file FFmpeg can read ({exc})") from None
    with container:
        if not container.streams.video:
            return
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        width, height = stream.codec_context.width, stream.codec_context.height
        if width * height > MAX_FRAME_PIXELS:
            raise InvalidInputError(f"{path}: {width} × {height} frames exceed the 40 MP limit")
        next_time = 0.0
        try:
            for frame in container.decode(stream):
                if frame.time is None or frame.time + 1e-6 < next_time:
                    continue
                next_time = frame.time + 1.0 / fps
                yield Frame(float(frame.time), frame.to_ndarray(format="rgb24"))
        except av.error.FFmpegError as exc:
            raise InvalidInputError(f"{path}: the video is damaged ({exc})") from None


def prefetched(frames: Iterator[Frame], depth: int = 4) -> Iterator[Frame]:
    """Decode in a second thread while the caller detects: FFmpeg releases the GIL, so
    the two overlap on two cores. Errors from decoding are raised to the caller."""
    import queue
    import threading

    done = object()
    box: queue.Queue[object] = queue.Queue(maxsize=depth)

    def produce() -> None:
        try:
            for frame in frames:
                box.put(frame)
        except BaseException as exc:  # handed to the consumer
            box.put(exc)
        box.put(done)

    threading.Thread(target=produce, daemon=True, name="likeness-decode").start()
    while True:
        item = box.get()
        if item is done:
            return
        if isinstance(item, BaseException):
            raise item
        assert isinstance(item, Frame)
        yield item


def has_audio(path: Path) -> bool:
    if media_kind(path) is MediaKind.IMAGE:
        return False
    try:
        import av

        with av.open(str(path)) as container:
            return bool(container.streams.audio)
    except Exception:
        return False
