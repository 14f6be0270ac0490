"""Scan time against the time to merely decode every frame (issue 17).

Run: flock /tmp/likeness-cpu.lock .venv/bin/python bench/bench_scan_sampling.py [SECONDS]
(default 40; the clip is made once by bench/scan_clip.py and cached in bench/.cache).

The clip: 1080p30 of real face photos moving with scale change over panning textures,
camera shake, film grain, a cut every 8 s, 3-4 faces per shot (one walking in
mid-shot); H.264 x264 preset medium, keyint 250, 3 B-frames, 10 Mbit/s; and an MJPEG
copy (every frame a keyframe). Measured in this one run, each on the full clip and on a
1-second cut of it, reported net of the cut (the fixed start-up: opening, threads):

  decode  - decode every frame, nothing else (the baseline);
  sampling only - scan.frames.sample_frames alone: what the samples need decoded, the
            samples converted to RGB (and grey thumbnails), no faces;
  before  - the pipeline as it was (PIPELINE_VERSION 2, copied here): every frame
            decoded and converted to RGB until a sample, HOG on a 960-px copy of every
            sample, tracks embedded twice;
  after   - scan.detect.face_tracks, the pipeline now: only sampled or referenced frames
            decoded, whole-frame search on cuts and every 2 s (new faces followed back
            over the samples since the last search), template following between, faces
            being verified trusted (no CNN check), descriptors in a second thread.

Sampling at 2 fps. The face embedding is whatever DlibFaceEncoder does now (printed).
Accuracy: every face of truth.json is looked for among each pipeline's tracks (the
tracks of its shot whose embedding is within 0.5 of the face's own photo): the start
and end of those tracks against the truth.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan_clip import SHOT_S, clips, face_cutouts

from likeness.recognition.dlib_face import DlibFaceEncoder
from likeness.scan.appearances import EMBED_PER_TRACK, Track, Tracker
from likeness.scan.detect import DEFAULT_SETTINGS, face_tracks
from likeness.scan.frames import Decoding, Frame, prefetched, sample_frames

FPS = 2.0


def decode_all(path: Path) -> int:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return sum(1 for _ in container.decode(stream))


def sampling_only(path: Path) -> Decoding:
    """The new sampler alone (decoding what the samples need, RGB and thumbnails)."""
    cost = Decoding()
    for _ in sample_frames(path, FPS, cost):
        pass
    return cost


def _old_samples(path: Path, fps: float) -> Iterator[Frame]:
    """scan/frames.sample_frames before issue 17."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        next_time = 0.0
        for frame in container.decode(stream):
            if frame.time is None or frame.time + 1e-6 < next_time:
                continue
            next_time = frame.time + 1.0 / fps
            yield Frame(float(frame.time), frame.to_ndarray(format="rgb24"))


def before(path: Path, encoder: DlibFaceEncoder) -> list[Track]:
    """scan/detect.detect_media's face part before issue 17."""
    tracker = Tracker(max_gap_s=1.5 / FPS)
    for frame in prefetched(_old_samples(path, FPS)):
        found = encoder.detect(frame.image, max_side=960, upsample=0)
        for face in found:
            track = tracker.wants_embedding(frame.time, face.box)
            if len(track.embeddings) < EMBED_PER_TRACK:
                track.embeddings.append(encoder.embed(frame.image, face))
    return tracker.tracks


def after(path: Path, encoder: DlibFaceEncoder) -> list[Track]:
    return face_tracks(path, FPS, encoder, DEFAULT_SETTINGS)[0]


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def net(full: Path, cut: Path, run: Callable[[Path], Any]) -> tuple[float, float, float, Any]:
    """(net seconds, full-clip seconds, 1-s cut seconds, the full clip's result)."""
    cut_s, _ = timed(lambda: run(cut))
    full_s, result = timed(lambda: run(full))
    return full_s - cut_s, full_s, cut_s, result


def accuracy(tracks: list[Track], truth: list[dict[str, Any]], faces: list[Any]) -> str:
    """How many true faces are found, and the worst start and end error among them."""
    found, worst = 0, 0.0
    for item in truth:
        shot_start = item["shot"] * SHOT_S
        mine = [
            t
            for t in tracks
            if t.embeddings
            and shot_start - 0.01 <= t.start < shot_start + SHOT_S
            and float(np.linalg.norm(np.subtract(t.mean_embedding(), faces[item["face"]]))) < 0.5
        ]
        if not mine:
            continue
        start, end = min(t.start for t in mine), max(t.end for t in mine)
        error = max(abs(start - item["start"]), abs(end - item["end"]))
        if error <= 1.0:
            found += 1
        worst = max(worst, error)
    return f"{found}/{len(truth)} faces within 1 s of their truth (worst error {worst:.2f} s)"


def main() -> None:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    made = clips(seconds)
    truth = json.loads(made.truth.read_text())
    encoder = DlibFaceEncoder()
    cutouts = face_cutouts()
    own = []
    for cutout in cutouts:
        picture = np.asarray(cutout.convert("RGB"))
        found = encoder.faces(picture)
        own.append(found[0].embedding if found else (0.0,) * 128)
    print(
        f"clip: {seconds} s 1920x1080 30 fps, {len(truth)} face appearances; H.264 "
        f"{made.mbps:.1f} Mbit/s (x264 medium, keyint 250, bframes 3), MJPEG "
        f"{made.intra_mbps:.0f} Mbit/s; sampling {FPS:g} fps"
    )
    print(
        f"face encoder: {encoder.model_id}, descriptors on {encoder.descriptor_runtime}; "
        f"detector {encoder.detector_id} (weak detections confirmed by the CNN on the crop)"
    )
    rows = []
    for label, full, cut in (
        ("long-GOP H.264", made.long_gop, made.long_gop_1s),
        ("intra-only MJPEG", made.intra, made.intra_1s),
    ):
        decode = net(full, cut, decode_all)
        sampling = net(full, cut, sampling_only)
        old = net(full, cut, lambda p: before(p, encoder))
        new = net(full, cut, lambda p: after(p, encoder))
        rows.append((label, decode, old, new))
        print(f"\n{label}: seconds (full clip - 1-s cut = net)")
        for name, (n, f, c, _) in (
            ("decode every frame", decode),
            ("sampling only", sampling),
            ("before", old),
            ("after", new),
        ):
            print(f"  {name:<20} {f:6.2f} - {c:5.2f} = {n:6.2f}")
        cost = sampling[3]
        print(
            f"  sampling decoded {cost.decoded} of {cost.frames} frames; sampling / decode "
            f"{sampling[0] / decode[0]:.2f}x"
        )
        print(
            f"  before / decode {old[0] / decode[0]:.2f}x   after / decode "
            f"{new[0] / decode[0]:.2f}x   after / before {new[0] / old[0]:.2f}x"
        )
        print(f"  before: {len(old[3])} tracks, {accuracy(old[3], truth, own)}")
        print(f"  after:  {len(new[3])} tracks, {accuracy(new[3], truth, own)}")
    print("\ntargets: long-GOP after/decode <= 0.75, intra-only after/decode <= 0.3")
    for label, decode, _, new in rows:
        target = 0.75 if "long" in label else 0.3
        ratio = new[0] / decode[0]
        print(f"  {label}: {ratio:.2f} {'met' if ratio <= target else 'NOT met'}")


if __name__ == "__main__":
    main()
