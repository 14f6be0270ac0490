"""The expensive, cacheable part of a scan: decode, detect, track, embed — and the
``Detector`` seam that runs it here or on Ray.

Detection returns face tracks and voice segments with their embeddings and no
identities, each naming the model that embedded it, so a result can be cached and
computed anywhere. The composition root builds the detector from the settings; both
kinds run the same ``detect_media`` with the same encoders and settings, so they give
the same detections.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from likeness.domain.consent import Modality
from likeness.errors import LikenessError, TaskCancelledError
from likeness.recognition.encoders import Encoders
from likeness.recognition.media import load_audio
from likeness.recognition.ports import FaceEncoder
from likeness.scan.appearances import EMBED_PER_TRACK, Track, thumbnail
from likeness.scan.frames import has_audio, prefetched, sample_frames
from likeness.scan.tracking import FaceSearch

# Bump when decoding, detection, tracking or embedding changes what a result holds:
# cached results of another version are then not reused.
# 3: whole-frame searches on cuts and every second, faces tracked between
# 4: weak face detections confirmed by the CNN on the crop (recognition/dlib_confirm.py)
# 5: voices cut at speaker changes, on audio with its background subtracted
# 6: faces followed by template between whole-frame searches, no track across a cut
# 7: whole-frame searches every 2 s, new faces followed backwards to where they came in
PIPELINE_VERSION = 7
EMBED_AHEAD = 4  # descriptors still to compute while the search goes on


@dataclass(frozen=True)
class DetectorSettings:
    """How faces are searched for in scanned frames. Search the whole frame on a 960-px
    copy without upsampling (~40 ms HOG; faces from ~85 px of the original 1080p frame)
    on the first sample, at each cut and at least every ``full_every_s`` seconds (a face
    entering a shot is found by the next search and followed back to the sample it came
    in); in between, only around the faces already seen (scan/tracking.py). Embed at
    full size; measured in bench/bench_scan.py and bench/bench_scan_sampling.py."""

    max_side: int = 960
    upsample: int = 0
    full_every_s: float = 2.0


DEFAULT_SETTINGS = DetectorSettings()


@dataclass(frozen=True)
class Detected:
    """A face track or a voice segment, embedded, not yet identified."""

    modality: Modality
    start: float
    end: float
    frames: tuple[float, ...]
    thumbnail: str
    embedding: tuple[float, ...]
    model_id: str  # matched only against templates of this model


@dataclass(frozen=True)
class MediaDetections:
    duration: float
    items: tuple[Detected, ...]


@dataclass(frozen=True)
class DetectionFailed:
    """A file that could not be scanned, and why (the batch goes on)."""

    message: str


DetectionResult = MediaDetections | DetectionFailed

# Told of each sample as it is searched: the file, and the sample's time in seconds. It
# may raise (a cancelled task: ``TaskCancelledError``) to stop the detection there.
SampleHook = Callable[[Path, float], None]


class Detector(Protocol):
    def fingerprint(self) -> str:
        """The models, detector settings and pipeline version: results made under
        another fingerprint are never reused."""
        ...

    def detect(
        self, paths: Sequence[Path], fps: float, on_sample: SampleHook | None = None
    ) -> Iterator[tuple[Path, DetectionResult]]:
        """Each path's detections (or why there are none), in the order given;
        ``on_sample`` is told of each sample searched where the detector can tell (a
        local one: each; Ray: none, the caller counts whole files)."""
        ...

    def close(self) -> None: ...


def fingerprint(encoders: Encoders, settings: DetectorSettings) -> str:
    described = (
        f"{encoders.fingerprint()};side={settings.max_side};upsample={settings.upsample};"
        f"every={settings.full_every_s};pipeline={PIPELINE_VERSION}"
    )
    return hashlib.sha256(described.encode()).hexdigest()[:16]


def detect_media(
    path: Path,
    fps: float,
    encoders: Encoders,
    settings: DetectorSettings,
    on_sample: Callable[[float], None] | None = None,
) -> MediaDetections:
    """Face tracks and voice segments with embeddings, no identities: what a Ray task runs
    for one file. ``on_sample`` is told each sample's time as it is searched."""
    encoder = encoders.face()
    tracks, duration = face_tracks(path, fps, encoder, settings, on_sample)
    items = [
        Detected(
            modality=Modality.FACE,
            start=t.start,
            end=t.end,
            frames=tuple(time for time, _ in t.boxes),
            thumbnail=t.thumbnail,
            embedding=t.mean_embedding(),
            model_id=encoder.model_id,
        )
        for t in tracks
    ]
    if has_audio(path):
        samples = load_audio(path)
        duration = max(duration, len(samples) / 16000)
        voice = encoders.voice()
        items += [
            Detected(
                modality=Modality.VOICE,
                start=s.start,
                end=s.end,
                frames=(),
                thumbnail="",
                embedding=s.embedding,
                model_id=voice.model_id,
            )
            for s in voice.segments(samples)
        ]
    return MediaDetections(round(duration, 3), tuple(items))


def face_tracks(
    path: Path,
    fps: float,
    encoder: FaceEncoder,
    settings: DetectorSettings,
    on_sample: Callable[[float], None] | None = None,
) -> tuple[list[Track], float]:
    """The embedded face tracks of a file, and the time of its last sample."""
    search = FaceSearch(
        encoder,
        max_side=settings.max_side,
        upsample=settings.upsample,
        full_every_s=settings.full_every_s,
        max_gap_s=1.5 / fps,
    )
    duration = 0.0
    asked: dict[int, int] = {}  # embeddings asked for, by id() of the track
    jobs: list[tuple[Track, Future[tuple[float, ...]]]] = []
    # Descriptors (torch, which releases the GIL) are computed in a thread of their own
    # while the next samples are searched: on a stream cheap to decode, the second core
    # is otherwise idle. Each track's embeddings keep the order they were asked in.
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="likeness-embed") as pool,
        contextlib.closing(prefetched(sample_frames(path, fps))) as frames,
    ):
        for frame in frames:
            duration = max(duration, frame.time)
            if on_sample is not None:  # may raise to stop here (the decoder stops too)
                on_sample(frame.time)
            for found in search.search(frame):
                track = found.track
                if asked.get(id(track), 0) < EMBED_PER_TRACK:  # a few per track, not per frame
                    asked[id(track)] = asked.get(id(track), 0) + 1
                    jobs.append((track, pool.submit(encoder.embed, found.image, found.detection)))
                    if not track.thumbnail:
                        track.thumbnail = thumbnail(frame.image, found.box)
            if len(jobs) > EMBED_AHEAD:  # frames held for embedding stay few
                jobs[-EMBED_AHEAD - 1][1].result()
    for track, job in jobs:
        track.embeddings.append(job.result())
    return search.tracker.tracks, duration


class LocalDetector:
    """Detection in this process, one file after another."""

    def __init__(self, encoders: Encoders, settings: DetectorSettings = DEFAULT_SETTINGS) -> None:
        self._encoders = encoders
        self._settings = settings
        self._fingerprint = ""

    def fingerprint(self) -> str:
        if not self._fingerprint:  # asked for every file; the configuration never changes
            self._fingerprint = fingerprint(self._encoders, self._settings)
        return self._fingerprint

    def detect(
        self, paths: Sequence[Path], fps: float, on_sample: SampleHook | None = None
    ) -> Iterator[tuple[Path, DetectionResult]]:
        for path in paths:
            hook = None if on_sample is None else functools.partial(on_sample, path)
            try:
                yield path, detect_media(path, fps, self._encoders, self._settings, hook)
            except TaskCancelledError:  # not this file's failure: the whole scan stops
                raise
            except LikenessError as exc:
                yield path, DetectionFailed(exc.message)

    def close(self) -> None:
        return None
