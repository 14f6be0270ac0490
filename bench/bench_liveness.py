"""How well the liveness check separates flat pictures from a turning head, and what it
costs, on clips made from the packaged photos (tests/liveness_clips.py).

Run: flock /tmp/likeness-cpu.lock .venv/bin/python bench/bench_liveness.py

For each frontal packaged portrait, three kinds of 3 s clip at 10 fps (480×360, H.264),
read at 8 fps as enrolment reads them:
  still      - the photo held still (camera noise only);
  replayed   - the photo on a card or screen, swung ±45°, tilted ±20°, rolled ±12°, moved
               and seen in perspective, with moiré and a moving glare;
  slides N°  - stills of that model at 0°, −N°, +N°, 0°, each held 1 s, cut to the next;
  turning N° - the photo as the texture of a depth model, the head turned ±N°.
Printed for each: the planar residual (tracked points' motion one homography per frame
cannot explain, over the eye distance, held over 3 frames of one unbroken chain; the gate
is LivenessGates.min_parallax), the breaks (cuts) found, the landmark turn range, and
the same residual computed on dlib's five landmarks alone (the measure the issue first
proposed). Then the cost: ms per frame of tracking, against the baseline that enrolment
pays anyway in the same run, decoding plus HOG detection and landmarks per frame.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from likeness.recognition import liveness  # noqa: E402
from likeness.recognition.dlib_face import DlibFaceEncoder  # noqa: E402
from likeness.scan.frames import sample_frames  # noqa: E402
from likeness.services.enrolment_video import LivenessGates  # noqa: E402
from tests.liveness_clips import (  # noqa: E402
    replayed_clip,
    slideshow_clip,
    still_clip,
    turning_clip,
)

FACES = ROOT / "tests" / "assets" / "faces"
PHOTOS = ["obama.jpg", "biden.jpg", "obama3.jpg"]  # frontal portraits (obama2 is turned)


def frames_of(path: Path, encoder: DlibFaceEncoder) -> tuple[list[liveness.FaceFrame], float]:
    """The frames enrolment reads, and seconds spent decoding and detecting them."""
    started, frames = time.perf_counter(), []
    for frame in sample_frames(path, LivenessGates().fps):
        found = encoder.detect(frame.image)
        if len(found) == 1:
            frames.append(liveness.face_frame(frame.time, frame.image, found[0]))
    return frames, time.perf_counter() - started


def landmark_residual(frames: list[liveness.FaceFrame]) -> float:
    """The issue's first proposal: one homography from the first frame's five landmarks
    to each frame's, RMS error over the eye distance; the largest over frames."""
    import numpy as np

    first = np.asarray(frames[0].landmarks)
    return max(
        liveness.planar_residual(first, np.asarray(f.landmarks))
        / liveness.eye_distance(f.landmarks)
        for f in frames[1:]
    )


def main() -> None:
    encoder = DlibFaceEncoder()
    gate = LivenessGates().min_parallax
    detect_ms, track_ms = [], []
    flat, turning = [], []
    print(
        f"{'photo':12} {'clip':12} {'residual':>9} {'cuts':>4} {'5-point':>8} {'turn':>13}  verdict"
    )
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for name in PHOTOS:
            photo = FACES / name
            clips: list[tuple[str, Any]] = [
                ("still", still_clip(folder / "still.mp4", photo)),
                ("replayed", replayed_clip(folder / "replayed.mp4", photo)),
                ("slides 15°", slideshow_clip(folder / "s15.mp4", photo, degrees=15)),
                ("slides 28°", slideshow_clip(folder / "s28.mp4", photo, degrees=28)),
            ]
            for degrees in (10, 15, 20, 28):
                made = turning_clip(folder / f"turn{degrees}.mp4", photo, degrees=degrees)
                clips.append((f"turning {degrees}°", made))
            for label, clip in clips:
                frames, seconds = frames_of(clip, encoder)
                started = time.perf_counter()
                motion = liveness.measure(frames)
                tracking = time.perf_counter() - started
                detect_ms.append(1000 * seconds / len(frames))
                track_ms.append(1000 * tracking / len(frames))
                (turning if label.startswith("turning") else flat).append(motion.planar_residual)
                verdict = "live" if motion.planar_residual >= gate else "flat"
                turn = f"{motion.yaw_min:+.2f}..{motion.yaw_max:+.2f}"
                print(
                    f"{name:12} {label:12} {motion.planar_residual:9.4f} {motion.breaks:4d} "
                    f"{landmark_residual(frames):8.4f} {turn:>13}  {verdict}"
                )
    print(f"\nlargest flat residual {max(flat):.4f}; gate {gate}")
    print(f"turning residuals {min(turning):.4f} .. {max(turning):.4f}")
    baseline, tracked = statistics.median(detect_ms), statistics.median(track_ms)
    print(f"decode + detect + landmarks (baseline): {baseline:.0f} ms/frame")
    print(f"tracking and homographies:              {tracked:.0f} ms/frame")
    print(f"ratio tracking / baseline:              {tracked / baseline:.2f}")


if __name__ == "__main__":
    main()
