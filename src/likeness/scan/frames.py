"""Sampling frames from video (PyAV) and images, at a reduced rate, decoding only what
the samples need.

Which frames are samples is decided first, from the packets' timestamps alone (reading
packets costs next to nothing beside decoding them): the first frame at or after 0 s,
then the first at least ``1/fps`` after the last one taken — the rule a decoder that
looks at every frame follows, so the samples are the same frames at the same times.
Then the stream is decoded again, skipping what no sample needs:

- an intra-only stream (MJPEG, ProRes, all-intra H.264: every packet a keyframe)
  decodes only the sampled packets;
- a long-GOP stream decodes every reference frame (later frames are predicted from
  them) but skips non-reference frames (most B-frames) unless one is a sample:
  FFmpeg's ``skip_frame`` is set per packet.

A stream whose packets carry no timestamps is decoded frame by frame as before.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from likeness.errors import InvalidInputError, MissingExtraError
from likeness.recognition.media import MediaKind, load_rgb, media_kind
from likeness.recognition.ports import Pixels

MAX_FRAME_PIXELS = 40_000_000  # a 16K frame (15360 × 8640) is refused
THUMB_SIZE = (64, 36)  # grey thumbnails compared to notice a cut


@dataclass(frozen=True)
class Frame:
    time: float  # seconds from the start
    image: Pixels
    thumb: Pixels | None = None  # 64 × 36 grey, scaled by the decoder (video only)
    grey: Pixels | None = None  # half size, grey, scaled by the decoder: faces followed on it


@dataclass
class Decoding:
    """What sampling a video cost: frames decoded, of how many in the stream."""

    decoded: int = 0
    frames: int = 0
    intra_only: bool = False


def sample_frames(path: Path, fps: float, decoding: Decoding | None = None) -> Iterator[Frame]:
    """Frames at about ``fps`` per second (every frame of a still image: one, at 0 s);
    ``decoding`` is filled in with what it cost."""
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
        plan = _plan(path, fps)
        if plan is None:
            return
        cost = decoding if decoding is not None else Decoding()
        cost.frames, cost.intra_only = plan.frames, plan.intra_only
        yield from _decode(path, plan, cost)
    except av.error.FFmpegError as exc:
        raise InvalidInputError(f"{path}: the video is damaged ({exc})") from None


@dataclass(frozen=True)
class _Plan:
    wanted: frozenset[int] | None  # pts of the sampled frames; None: decide frame by frame
    intra_only: bool
    fps: float
    frames: int  # packets in the stream


def _open(path: Path) -> Any:
    import av

    try:
        return av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise InvalidInputError(f"{path}: not a media file FFmpeg can read ({exc})") from None


def _plan(path: Path, fps: float) -> _Plan | None:
    """Read the packets (not decode them): which pts are samples, and whether every
    packet is a keyframe. None when the file has no video."""
    with _open(path) as container:
        if not container.streams.video:
            return None
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        if width * height > MAX_FRAME_PIXELS:
            raise InvalidInputError(f"{path}: {width} × {height} frames exceed the 40 MP limit")
        stamps: list[int] = []
        all_key = True
        for packet in container.demux(stream):
            if packet.size == 0:  # the flush packet at the end
                continue
            if packet.pts is None:
                return _Plan(None, False, fps, 0)
            stamps.append(packet.pts)
            all_key = all_key and packet.is_keyframe
        base = float(stream.time_base) if stream.time_base else 0.0
    if not base:
        return _Plan(None, False, fps, len(stamps))
    wanted, next_time = set(), 0.0
    for pts in sorted(set(stamps)):
        time = pts * base
        if time + 1e-6 < next_time:
            continue
        wanted.add(pts)
        next_time = time + 1.0 / fps
    return _Plan(frozenset(wanted), all_key, fps, len(stamps))


def _decode(path: Path, plan: _Plan, cost: Decoding) -> Iterator[Frame]:
    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        context = stream.codec_context
        if plan.wanted is None:
            yield from _every_frame(container, stream, plan.fps, cost)
            return
        wanted = plan.wanted
        for packet in container.demux(stream):
            flush = packet.size == 0
            if not flush and plan.intra_only and packet.pts not in wanted:
                continue  # nothing depends on it: never decoded
            if not plan.intra_only:
                # a non-reference frame is skipped unless it is a sample; reference
                # frames are always decoded (later frames are predicted from them)
                context.skip_frame = "DEFAULT" if flush or packet.pts in wanted else "NONREF"
            for frame in packet.decode():
                cost.decoded += 1
                if frame.pts in wanted and frame.time is not None:
                    yield _frame(frame)


def _every_frame(container: Any, stream: Any, fps: float, cost: Decoding) -> Iterator[Frame]:
    """The fallback for packets without timestamps: decode all, keep some."""
    next_time = 0.0
    for frame in container.decode(stream):
        cost.decoded += 1
        cost.frames += 1
        if frame.time is None or frame.time + 1e-6 < next_time:
            continue
        next_time = frame.time + 1.0 / fps
        yield _frame(frame)


def _frame(frame: Any) -> Frame:
    width, height = THUMB_SIZE
    thumb = frame.reformat(width=width, height=height, format="gray", interpolation="AREA")
    # made here, in the decoding thread, so that following faces on the other thread
    # reads a quarter of the pixels, once converted
    half = frame.reformat(
        width=max(1, frame.width // 2),
        height=max(1, frame.height // 2),
        format="gray",
        interpolation="AREA",
    )
    return Frame(
        float(frame.time),
        frame.to_ndarray(format="rgb24"),
        thumb.to_ndarray(),
        half.to_ndarray(),
    )


def prefetched(frames: Iterator[Frame], depth: int = 4) -> Generator[Frame, None, None]:
    """Decode in a second thread while the caller detects: FFmpeg releases the GIL, so
    the two overlap on two cores. Errors from decoding are raised to the caller. When the
    caller stops early (a cancelled scan), the decoding thread stops too and closes the
    file, instead of waiting forever with it open."""
    import queue
    import threading

    done = object()
    box: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for frame in frames:
                if not put(frame):
                    return
        except BaseException as exc:  # handed to the consumer
            put(exc)
        finally:
            close = getattr(frames, "close", None)
            if close is not None:  # a generator: its container is closed now
                close()
        put(done)

    thread = threading.Thread(target=produce, daemon=True, name="likeness-decode")
    thread.start()
    try:
        while True:
            item = box.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, Frame)
            yield item
    finally:
        stop.set()
        thread.join()


def expected_samples(path: Path, fps: float) -> int:
    """About how many samples a scan at ``fps`` takes of ``path``, from its duration as
    the container states it (one for an image or a file that states none): the measure
    of a scan's progress, never of its result."""
    if media_kind(path) is not MediaKind.VIDEO:
        return 1
    try:
        with _open(path) as container:
            if not container.streams.video:
                return 1
            stream = container.streams.video[0]
            if stream.duration is not None and stream.time_base:
                seconds = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                seconds = container.duration / 1_000_000  # AV_TIME_BASE
            else:
                return 1
    except (ImportError, InvalidInputError):
        return 1
    return max(1, int(seconds * fps) + 1)


def has_audio(path: Path) -> bool:
    if media_kind(path) is MediaKind.IMAGE:
        return False
    try:
        import av

        with av.open(str(path)) as container:
            return bool(container.streams.audio)
    except Exception:
        return False
