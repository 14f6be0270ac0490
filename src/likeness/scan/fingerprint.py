"""Stay-down fingerprints: perceptual hashes of a flagged segment, and matching a file
against them (issue 16).

A fingerprint holds **no biometric template**: no face or voice embedding, no face crop,
no name. Video is a sequence of 64-bit DCT hashes of whole grey frames (the central 80 %,
so a crop of up to 5 % per side and a change of size move few bits); a still image is
one such hash; audio is a Haitsma–Kalker style spectral fingerprint (32 bits per 11.6 ms
frame, the signs of energy differences between neighbouring bands and frames). Neither
can be turned back into a face or a voice, which is why the list may be shared.

Why these: the low-frequency DCT coefficients of a downscaled frame survive re-encoding
(the encoder drops high frequencies) and rescaling (the frame is downscaled to 40 × 40
anyway), and a small crop only shifts them a little. The audio frames overlap by 31/32,
so a trimmed copy is at most half a hop (6 ms) out of step, and band-energy differences
survive lossy coding. Matching slides the stored sequence over the candidate's, so a copy
trimmed at either end still lines up. Nothing here detects a face: a match costs one
decode of the candidate and a few array operations.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from likeness.errors import InvalidInputError, MissingExtraError, UnsupportedMediaTypeError
from likeness.recognition.media import MediaKind, media_kind

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

FORMAT_VERSION = 1
BLOCK_LIST_FORMAT = "likeness-stay-down-fingerprints"
BLOCK_LIST_VERSION = 1

# Video: the stored segment is sampled at 4 frames a second, a candidate at 12 (a stored
# frame is compared with the candidate frames within ±125 ms of where it should be).
SEGMENT_FPS = 4.0
CANDIDATE_FPS = 12.0
_SCALED = 40  # frames are scaled to 40 × 40 grey, then the central 32 × 32 (80 %) kept
_SIDE = 32
_FLAT_STD = 3.0  # a frame this uniform (a fade, black) carries no pattern: not used
# Thresholds, chosen on bench/bench_fingerprints.py's clips (see bench/RESULTS.md):
# altered copies' aligned frames are mostly within 10 bits of 64, unrelated frames ~32.
VIDEO_MAX_BITS = 12
IMAGE_MAX_BITS = 8
IMAGE_ZOOMS = (0.0, 0.03, 0.06)  # a stored still is hashed whole and cut by 3 % and 6 % a side
VIDEO_MIN_FRAMES = 8  # two seconds of aligned frames (or the whole of a shorter segment)
VIDEO_MIN_SHARE = 0.5  # of the stored frames that fall inside the candidate
RATES = (1.0, 1 / 1.02, 1.02)  # a copy played up to 2 % faster or slower

# Audio (Haitsma & Kalker 2002): 5512 Hz mono, 0.37 s windows every 11.6 ms, 33 bands
# spaced logarithmically from 300 to 2000 Hz, 32 bits a frame.
AUDIO_RATE = 5512
AUDIO_WINDOW = 2048
AUDIO_HOP = 64
AUDIO_MAX_BER = 0.30  # bit error rate of a match; unrelated audio sits near 0.5
AUDIO_MIN_FRAMES = 172  # two seconds (or the whole of a shorter segment)


class FingerprintKind(StrEnum):
    VIDEO = "video"
    IMAGE = "image"
    AUDIO = "audio"


_KIND_CODES = {FingerprintKind.VIDEO: 1, FingerprintKind.IMAGE: 2, FingerprintKind.AUDIO: 3}
_HEADER = struct.Struct("<4sBBBIdd")  # magic, version, kind, bits a hash, count, start, end


@dataclass(frozen=True)
class Fingerprint:
    """Perceptual hashes of one segment: ``times`` in seconds from the segment's start,
    one ``hashes`` entry each (64 bits for video and images, 32 for audio)."""

    kind: FingerprintKind
    start: float  # where the segment lay in the flagged file
    end: float
    times: tuple[float, ...]
    hashes: tuple[int, ...]

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def bits(self) -> int:
        return 32 if self.kind is FingerprintKind.AUDIO else 64

    def to_bytes(self) -> bytes:
        """Versioned compact form: a header, float32 times, little-endian hashes."""
        head = _HEADER.pack(
            b"LLFP",
            FORMAT_VERSION,
            _KIND_CODES[self.kind],
            self.bits,
            len(self.hashes),
            self.start,
            self.end,
        )
        code = "I" if self.bits == 32 else "Q"
        return (
            head
            + struct.pack(f"<{len(self.times)}f", *self.times)
            + struct.pack(f"<{len(self.hashes)}{code}", *self.hashes)
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Fingerprint:
        if len(data) < _HEADER.size:
            raise InvalidInputError("not a stay-down fingerprint: too short")
        magic, version, code, bits, count, start, end = _HEADER.unpack_from(data)
        if magic != b"LLFP":
            raise InvalidInputError("not a stay-down fingerprint (bad magic)")
        if version != FORMAT_VERSION:
            raise InvalidInputError(
                f"stay-down fingerprint format {version} is not supported",
                hint=f"this version reads format {FORMAT_VERSION}",
            )
        kinds = {v: k for k, v in _KIND_CODES.items()}
        if code not in kinds or bits not in (32, 64):
            raise InvalidInputError("a damaged stay-down fingerprint (kind or hash size)")
        expected = _HEADER.size + count * 4 + count * bits // 8
        if len(data) != expected:
            raise InvalidInputError("a damaged stay-down fingerprint (length)")
        times = struct.unpack_from(f"<{count}f", data, _HEADER.size)
        hashes = struct.unpack_from(
            f"<{count}{'I' if bits == 32 else 'Q'}", data, _HEADER.size + 4 * count
        )
        return cls(kinds[code], start, end, tuple(float(t) for t in times), tuple(hashes))


@dataclass(frozen=True)
class BlockListEntry:
    """One line of the shareable block list: a flag id and its fingerprint, nothing else."""

    flag_id: int
    fingerprint: Fingerprint


@dataclass(frozen=True)
class Match:
    """Where a stored fingerprint was found in a candidate."""

    index: int  # position of the fingerprint in the list given to ``match``
    kind: FingerprintKind
    offset: float  # seconds: candidate time of the stored segment's start
    matched_frames: int
    compared_frames: int
    score: float  # share of compared frames within the threshold (audio: 1 - bit error rate)


# ---------------------------------------------------------------- block list (shareable)


def block_list_json(entries: Sequence[BlockListEntry]) -> str:
    """The block list as JSON lines: a header line, then one line per flag. Each line
    holds the flag id, kind, start, end and duration of the segment, and the compact
    fingerprint in base64. By design it carries no biometric template, no face crop, no
    performer name or id, no production: only what finds the same segment again."""
    lines = [json.dumps({"format": BLOCK_LIST_FORMAT, "version": BLOCK_LIST_VERSION})]
    for entry in entries:
        fp = entry.fingerprint
        lines.append(
            json.dumps(
                {
                    "flag_id": entry.flag_id,
                    "kind": fp.kind.value,
                    "start_s": round(fp.start, 3),
                    "end_s": round(fp.end, 3),
                    "duration_s": round(fp.duration, 3),
                    "fingerprint": base64.b64encode(fp.to_bytes()).decode("ascii"),
                },
                sort_keys=True,
            )
        )
    return "\n".join(lines) + "\n"


def read_block_list(text: str) -> list[BlockListEntry]:
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        head = json.loads(lines[0]) if lines else {}
        if head.get("format") != BLOCK_LIST_FORMAT or head.get("version") != BLOCK_LIST_VERSION:
            raise InvalidInputError(
                "not a stay-down block list of a version this reads",
                hint=f"the first line must be format {BLOCK_LIST_FORMAT!r} version "
                f"{BLOCK_LIST_VERSION}",
            )
        return [
            BlockListEntry(
                int(row["flag_id"]),
                Fingerprint.from_bytes(base64.b64decode(row["fingerprint"], validate=True)),
            )
            for row in map(json.loads, lines[1:])
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInputError(f"a damaged stay-down block list ({exc})") from None


# ---------------------------------------------------------------- fingerprinting


def fingerprint_media(
    path: Path, start: float, end: float, kind: FingerprintKind | None = None
) -> Fingerprint:
    """The fingerprint of ``path`` between ``start`` and ``end`` seconds. ``kind`` picks
    the track of a video (``AUDIO`` for a voice flag); by default a video's pictures, an
    audio file's sound, an image whole (its times are ignored)."""
    chosen = kind or _default_kind(path)
    if chosen is FingerprintKind.IMAGE:
        return _image_fingerprint(path)
    if not end > start >= 0:
        raise InvalidInputError(
            f"{path.name}: the segment {start}–{end} s is empty",
            hint="the end must come after the start, both in seconds from the start",
        )
    if chosen is FingerprintKind.AUDIO:
        times, hashes = _audio_hashes(path, start, end)
        if len(hashes) == 0:
            raise InvalidInputError(f"{path.name}: no sound between {start} and {end} s")
        return Fingerprint(chosen, start, end, times, hashes)
    times, hashes = _video_hashes(path, start, end, SEGMENT_FPS, skip_flat=True)
    if not hashes:
        raise InvalidInputError(
            f"{path.name}: no usable frame between {start} and {end} s",
            hint="the segment lies past the end, or its frames are blank",
        )
    return Fingerprint(chosen, start, end, tuple(t - start for t in times), hashes)


def _default_kind(path: Path) -> FingerprintKind:
    kind = media_kind(path)
    if kind is None:
        raise UnsupportedMediaTypeError(f"{path.name}: not a media file the system reads")
    return {
        MediaKind.IMAGE: FingerprintKind.IMAGE,
        MediaKind.AUDIO: FingerprintKind.AUDIO,
        MediaKind.VIDEO: FingerprintKind.VIDEO,
    }[kind]


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise MissingExtraError("stay-down fingerprints", "media") from None
    return numpy


def _av() -> Any:
    try:
        import av
    except ImportError:
        raise MissingExtraError("stay-down fingerprints", "media") from None
    return av


def _dct_matrix() -> npt.NDArray[np.float64]:
    np = _numpy()
    n = np.arange(_SIDE)
    k = n.reshape(-1, 1)
    return np.cos(np.pi * (2 * n + 1) * k / (2 * _SIDE))  # type: ignore[no-any-return]


# The 64 lowest-frequency coefficients after the constant one (by u + v, then u).
_LOW = sorted(((u, v) for u in range(12) for v in range(12)), key=lambda c: (c[0] + c[1], c[0]))[
    1:65
]


_LOW_ROWS = [u for u, _ in _LOW]
_LOW_COLS = [v for _, v in _LOW]
_DCT: list[npt.NDArray[np.float64]] = []


def _dct() -> npt.NDArray[np.float64]:
    if not _DCT:  # made once: it is the same matrix for every frame
        _DCT.append(_dct_matrix())
    return _DCT[0]


def _grey_hash(grey: npt.NDArray[Any]) -> int | None:
    """64-bit DCT hash of a 40 × 40 grey frame's central 32 × 32; None when it is flat."""
    np = _numpy()
    margin = (_SCALED - _SIDE) // 2
    centre = grey[margin : margin + _SIDE, margin : margin + _SIDE].astype(np.float64)
    if float(centre.std()) < _FLAT_STD:
        return None
    d = _dct()
    coeffs = d @ centre @ d.T
    low = coeffs[_LOW_ROWS, _LOW_COLS]
    bits = low > np.median(low)
    return int(np.packbits(bits.astype(np.uint8), bitorder="little").view("<u8")[0])


def _image_fingerprint(path: Path, zooms: Sequence[float] = IMAGE_ZOOMS) -> Fingerprint:
    """One hash per zoom: the whole image, and its centre with ``zoom`` cut from each
    side. A copy cropped by a few percent lines up with one of them; stored images keep
    all three, a candidate one (zoom 0)."""
    from PIL import Image, UnidentifiedImageError

    np = _numpy()
    hashes: list[int] = []
    try:
        with Image.open(path) as picture:
            grey = picture.convert("L")
            for zoom in zooms:
                w, h = grey.size
                box = (w * zoom, h * zoom, w * (1 - zoom), h * (1 - zoom))
                small = grey.resize((_SCALED, _SCALED), Image.Resampling.BOX, box=box)
                value = _grey_hash(np.asarray(small))
                if value is None:
                    raise InvalidInputError(
                        f"{path.name}: the image is blank; it has no pattern to match"
                    )
                hashes.append(value)
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidInputError(f"{path.name}: not an image that can be read ({exc})") from None
    return Fingerprint(FingerprintKind.IMAGE, 0.0, 0.0, (0.0,) * len(hashes), tuple(hashes))


def _open(path: Path) -> Any:
    av = _av()
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InvalidInputError(f"{path.name}: the file is empty")
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise InvalidInputError(f"{path.name}: not a media file FFmpeg can read ({exc})") from None


def _video_hashes(
    path: Path, start: float, end: float, fps: float, *, skip_flat: bool
) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """(times, hashes) of frames between start and end at about ``fps``. Flat frames are
    left out (``skip_flat``) or kept with hash -1 (never matched)."""
    av = _av()
    np = _numpy()
    times: list[float] = []
    hashes: list[int] = []
    with _open(path) as container:
        if not container.streams.video:
            raise InvalidInputError(f"{path.name}: no video track")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if start > 0 and stream.time_base is not None:
            # Seek to the keyframe before the segment: only what is needed is decoded.
            container.seek(int(start / stream.time_base), stream=stream, backward=True)
        next_time = start
        try:
            for frame in container.decode(stream):
                if frame.time is None or frame.time + 1e-6 < next_time:
                    continue
                if frame.time > end + 1e-6:
                    break
                next_time = frame.time + 1.0 / fps
                small = frame.reformat(
                    width=_SCALED, height=_SCALED, format="gray", interpolation="AREA"
                )
                value = _grey_hash(np.asarray(small.to_ndarray()))
                if value is None and skip_flat:
                    continue
                times.append(float(frame.time))
                hashes.append(-1 if value is None else value)
        except av.error.FFmpegError as exc:
            raise InvalidInputError(f"{path.name}: the video is damaged ({exc})") from None
    return tuple(times), tuple(hashes)


def _audio_samples(path: Path, start: float, end: float) -> npt.NDArray[np.float32]:
    av = _av()
    np = _numpy()
    chunks: list[Any] = []
    with _open(path) as container:
        if not container.streams.audio:
            raise InvalidInputError(f"{path.name}: no sound track")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            raise InvalidInputError(f"{path.name}: the sound is damaged ({exc})") from None
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    first = int(start * AUDIO_RATE)
    last = int(end * AUDIO_RATE) if end != float("inf") else len(samples)
    return samples[first:last]  # type: ignore[no-any-return]


def _audio_hashes(
    path: Path, start: float, end: float
) -> tuple[tuple[float, ...], tuple[int, ...]]:
    np = _numpy()
    samples = _audio_samples(path, start, end)
    if len(samples) < AUDIO_WINDOW + AUDIO_HOP:
        return (), ()
    frames = np.lib.stride_tricks.sliding_window_view(samples, AUDIO_WINDOW)[::AUDIO_HOP]
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(AUDIO_WINDOW), axis=1)) ** 2
    freqs = np.fft.rfftfreq(AUDIO_WINDOW, 1 / AUDIO_RATE)
    edges = np.geomspace(300.0, 2000.0, 34)
    band = np.digitize(freqs, edges) - 1  # 0..32 inside, -1 / 33 outside
    energy = np.zeros((len(frames), 33))
    for b in range(33):
        energy[:, b] = spectrum[:, band == b].sum(axis=1)
    diff = energy[:, :-1] - energy[:, 1:]  # 32 band differences a frame
    bits = (diff[1:] - diff[:-1]) > 0  # and their change from the frame before
    words = np.packbits(bits.astype(np.uint8), axis=1, bitorder="little").view("<u4")[:, 0]
    times = tuple(float(i * AUDIO_HOP / AUDIO_RATE) for i in range(1, len(frames)))
    return times, tuple(int(w) for w in words)


# ---------------------------------------------------------------- matching


def match(candidate: Path, fingerprints: Sequence[Fingerprint]) -> list[Match]:
    """The fingerprints found in ``candidate`` (a video, image or audio file), each once,
    best alignment. The candidate is decoded once per kind the list needs."""
    needs_pictures = any(fp.kind is not FingerprintKind.AUDIO for fp in fingerprints)
    needs_sound = any(fp.kind is FingerprintKind.AUDIO for fp in fingerprints)
    kind = _default_kind(candidate)
    pictures: tuple[tuple[float, ...], tuple[int, ...]] | None = None
    sound: tuple[tuple[float, ...], tuple[int, ...]] | None = None
    if needs_pictures and kind is FingerprintKind.IMAGE:
        image = _image_fingerprint(candidate, zooms=(0.0,))
        pictures = (image.times, image.hashes)
    elif needs_pictures and kind is FingerprintKind.VIDEO:
        pictures = _video_hashes(candidate, 0.0, float("inf"), CANDIDATE_FPS, skip_flat=False)
    if needs_sound and kind is not FingerprintKind.IMAGE and _has_sound(candidate):
        sound = _audio_hashes(candidate, 0.0, float("inf"))
    found: list[Match] = []
    for index, fp in enumerate(fingerprints):
        if fp.kind is FingerprintKind.AUDIO:
            hit = _match_audio(index, fp, sound) if sound and sound[1] else None
        else:
            hit = _match_pictures(index, fp, pictures) if pictures and pictures[1] else None
        if hit is not None:
            found.append(hit)
    return found


def _has_sound(path: Path) -> bool:
    with _open(path) as container:
        return bool(container.streams.audio)


def _hamming_matrix(stored: Sequence[int], candidate: Sequence[int]) -> npt.NDArray[np.int64]:
    """Bits differing between every stored and every candidate hash (-1: never close)."""
    np = _numpy()
    a = np.array([h & 0xFFFFFFFFFFFFFFFF for h in stored], dtype=np.uint64)
    b = np.array([h & 0xFFFFFFFFFFFFFFFF for h in candidate], dtype=np.uint64)
    distance = np.bitwise_count(a[:, None] ^ b[None, :]).astype(np.int64)
    distance[:, np.array([h < 0 for h in candidate], dtype=bool)] = 64
    return distance  # type: ignore[no-any-return]


def _match_pictures(
    index: int, fp: Fingerprint, pictures: tuple[tuple[float, ...], tuple[int, ...]]
) -> Match | None:
    np = _numpy()
    c_times = np.array(pictures[0])
    distance = _hamming_matrix(fp.hashes, pictures[1])
    if fp.kind is FingerprintKind.IMAGE:
        closest = distance.min(axis=0)  # over the stored zooms
        nearest = int(closest.argmin())
        if int(closest[nearest]) <= IMAGE_MAX_BITS:
            score = 1 - int(closest[nearest]) / 64
            return Match(index, fp.kind, float(c_times[nearest]), 1, 1, score)
        return None
    s_times = np.array(fp.times)
    need = min(VIDEO_MIN_FRAMES, len(fp.hashes))
    # Hough-style voting: each close pair (stored i, candidate j) proposes an offset.
    close_i, close_j = np.nonzero(distance <= VIDEO_MAX_BITS)
    if len(close_i) < need:
        return None
    best: Match | None = None
    rows = np.arange(len(s_times))
    for rate in RATES:
        offsets = np.round((c_times[close_j] - s_times[close_i] * rate) / 0.05) * 0.05
        values, counts = np.unique(offsets, return_counts=True)
        for offset in values[np.argsort(-counts)[:5]]:
            mapped = s_times * rate + offset
            inside = (mapped >= c_times[0] - 0.1) & (mapped <= c_times[-1] + 0.1)
            compared = int(inside.sum())
            if compared < need:
                continue
            nearest = np.clip(np.searchsorted(c_times, mapped), 0, len(c_times) - 1)
            # the nearest candidate frame, or one either side of it
            near = np.stack([np.clip(nearest + k, 0, len(c_times) - 1) for k in (-1, 0, 1)])
            aligned = distance[rows[None, :], near].min(axis=0)
            good = int(((aligned <= VIDEO_MAX_BITS) & inside).sum())
            score = good / compared
            if good >= need and score >= VIDEO_MIN_SHARE and (best is None or score > best.score):
                best = Match(index, fp.kind, float(offset), good, compared, score)
    return best


def _match_audio(
    index: int, fp: Fingerprint, sound: tuple[tuple[float, ...], tuple[int, ...]]
) -> Match | None:
    np = _numpy()
    stored = np.array(fp.hashes, dtype=np.uint32)
    cand = np.array(sound[1], dtype=np.uint32)
    n, m = len(stored), len(cand)
    need = min(AUDIO_MIN_FRAMES, n)
    best: Match | None = None
    for shift in range(-(n - need), m - need + 1):  # candidate frame of stored frame 0
        lo, hi = max(0, -shift), min(n, m - shift)
        if hi - lo < need:
            continue
        errors = int(np.bitwise_count(stored[lo:hi] ^ cand[lo + shift : hi + shift]).sum())
        ber = errors / (32 * (hi - lo))
        if ber <= AUDIO_MAX_BER and (best is None or 1 - ber > best.score):
            offset = shift * AUDIO_HOP / AUDIO_RATE
            best = Match(index, fp.kind, offset, hi - lo, hi - lo, 1 - ber)
    return best
