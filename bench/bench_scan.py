"""Clearance-scan speed on a 1080p30 H.264 clip with several faces.

Run: .venv/bin/python bench/bench_scan.py [SECONDS] [NAIVE_SECONDS]   (defaults 60 and 3)
     .venv/bin/python bench/bench_scan.py --ray   (Ray parallel efficiency, 2 workers)

The clip: the six group photos of tests/assets/faces (3-5 faces each), 10 s each, with
a slow pan so every frame differs; 1920×1080, 30 fps, libx264 veryfast CRF 23 (the
bitrate is printed). Measured in the same run:
  default  - the scan pipeline: 2 frames/s sampled, faces detected on a 960-px copy,
             tracked, embedded at most twice per track, decoding in a second thread;
  naive    - every frame decoded, detected at full size (HOG, upsample 1), every face
             embedded; timed on the first NAIVE_SECONDS of the clip (its cost per second
             of video is steady), reported as × real time.
and where the default pipeline's time goes (decode+sample, detect, embed).
Targets (issue 6): default >= 5x real time and >= 50x faster than naive.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np
from PIL import Image

from likeness.recognition.dlib_face import DlibFaceEncoder
from likeness.scan.appearances import EMBED_PER_TRACK, Tracker
from likeness.scan.detect import DEFAULT_SETTINGS
from likeness.scan.frames import prefetched, sample_frames

FACES = Path(__file__).resolve().parents[1] / "tests" / "assets" / "faces"
W, H, FPS = 1920, 1080, 30


def make_clip(path: Path, seconds: int) -> float:
    photos = []
    for i in range(1, 7):
        with Image.open(FACES / f"sample{i}.jpg") as photo:
            big = photo.convert("RGB").resize((int(W * 1.1), int(H * 1.1)))
            photos.append(np.asarray(big))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "23"}
        for i in range(seconds * FPS):
            photo = photos[(i // (10 * FPS)) % len(photos)]
            shift = int((i % (10 * FPS)) / (10 * FPS) * (photo.shape[1] - W))
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(photo[:H, shift : shift + W]), format="rgb24"
            )
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.stat().st_size * 8 / seconds / 1e6


def default_pipeline(path: Path, encoder: DlibFaceEncoder) -> dict[str, float]:
    spent = {"decode": 0.0, "detect": 0.0, "embed": 0.0}
    tracker = Tracker(max_gap_s=0.75)
    frames = prefetched(sample_frames(path, 2.0))
    faces = 0
    while True:
        t = time.perf_counter()
        frame = next(frames, None)
        spent["decode"] += time.perf_counter() - t
        if frame is None:
            break
        t = time.perf_counter()
        found = encoder.detect(
            frame.image, max_side=DEFAULT_SETTINGS.max_side, upsample=DEFAULT_SETTINGS.upsample
        )
        spent["detect"] += time.perf_counter() - t
        for detection in found:
            track = tracker.wants_embedding(frame.time, detection.box)
            if len(track.embeddings) < EMBED_PER_TRACK:
                t = time.perf_counter()
                track.embeddings.append(encoder.embed(frame.image, detection))
                spent["embed"] += time.perf_counter() - t
                faces += 1
    spent["tracks"] = len(tracker.tracks)
    spent["embedded"] = faces
    return spent


def naive(path: Path, encoder: DlibFaceEncoder, seconds: float) -> float:
    start = time.perf_counter()
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= seconds:
                break
            image = frame.to_ndarray(format="rgb24")
            for detection in encoder.detect(image, max_side=max(W, H)):
                encoder.embed(image, detection)
    return time.perf_counter() - start


def main() -> None:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    naive_seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    encoder = DlibFaceEncoder()
    with tempfile.TemporaryDirectory() as scratch:
        clip = Path(scratch) / "clip.mp4"
        mbps = make_clip(clip, seconds)
        encoder.faces(np.zeros((64, 64, 3), np.uint8))  # load models outside the timing
        start = time.perf_counter()
        spent = default_pipeline(clip, encoder)
        total = time.perf_counter() - start
        naive_time = naive(clip, encoder, naive_seconds)
    default_x = seconds / total
    naive_x = naive_seconds / naive_time
    print(f"clip: {seconds} s, {W}x{H} {FPS} fps H.264 (x264 veryfast CRF 23, {mbps:.1f} Mbit/s)")
    print(
        f"default pipeline: {total:.1f} s = {default_x:.1f}x real time "
        f"({spent['tracks']:.0f} tracks, {spent['embedded']:.0f} embeddings)"
    )
    print(
        f"  where the time goes: waiting for decoded frames {spent['decode']:.1f} s, "
        f"detect {spent['detect']:.1f} s, embed {spent['embed']:.1f} s"
    )
    print(
        f"naive (every frame, full-size detection, every face): {naive_seconds:g} s of video "
        f"in {naive_time:.1f} s = {naive_x:.3f}x real time"
    )
    print(
        f"default / naive: {default_x / naive_x:,.0f}x   targets: >= 5x real time "
        f"{'met' if default_x >= 5 else 'NOT met'}; >= 50x naive "
        f"{'met' if default_x / naive_x >= 50 else 'NOT met'}"
    )


def ray_efficiency(seconds: int = 30) -> None:
    """Two clips: one after the other in this process vs. two Ray workers at once."""
    from likeness.recognition.encoders import Encoders
    from likeness.recognition.resemblyzer_voice import ResemblyzerVoiceEncoder
    from likeness.scan.detect import detect_media
    from likeness.scan.ray_runner import RayDetector

    encoders = Encoders(DlibFaceEncoder, ResemblyzerVoiceEncoder)
    encoders.face().faces(np.zeros((64, 64, 3), np.uint8))
    with tempfile.TemporaryDirectory() as scratch:
        clips = [Path(scratch) / f"clip{i}.mp4" for i in range(2)]
        for clip in clips:
            make_clip(clip, seconds)
        start = time.perf_counter()
        for clip in clips:
            detect_media(clip, 2.0, encoders, DEFAULT_SETTINGS)
        sequential = time.perf_counter() - start
        detector = RayDetector(encoders, DEFAULT_SETTINGS, num_cpus=2)
        list(detector.detect(clips[:1], 2.0))  # start both workers and load their models
        list(detector.detect(clips, 2.0))
        start = time.perf_counter()
        list(detector.detect(clips, 2.0))
        parallel = time.perf_counter() - start
        detector.close()
    efficiency = sequential / (2 * parallel)
    print(
        f"Ray, 2 local workers, 2 clips of {seconds} s: sequential {sequential:.1f} s, "
        f"Ray {parallel:.1f} s, parallel efficiency {efficiency:.2f} "
        f"(target >= 0.85: {'met' if efficiency >= 0.85 else 'NOT met'})"
    )


if __name__ == "__main__":
    if "--ray" in sys.argv:
        ray_efficiency()
    else:
        main()
