"""Face descriptor speed: dlib-bin's compute_face_descriptor against the same ResNet on torch.

Run: flock /tmp/likeness-cpu.lock .venv/bin/python bench/bench_embed.py [ROUNDS]   (default 3)

Every face the HOG detector finds in the packaged photos (tests/assets/faces/*.jpg and
the demo photos; found once, not timed) is embedded, in the same run, by:
  dlib          - dlib-bin's compute_face_descriptor, one face per call (what ``embed``
                  did before issue 17; the baseline), and all faces of an image per call;
  torch         - recognition/dlib_resnet.py: chips cut by dlib, the network on torch with
                  one thread, one face per call and all faces of an image per call
                  (``embed_many``), and the same with two threads; then all faces of an
                  image with one and two threads while one busy loop holds the other
                  core (as a scan's decoding thread does), then two (oversubscribed).
Each figure is the median over ROUNDS rounds of ms per face, chip extraction included.
Also: the largest absolute difference between the two descriptors of any face, and the
first-use cost of the torch runtime (import torch, parse the 22 MB .dat, build).
Target (issue 17): at least 4x faster than the baseline, outputs equal within 1e-4.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = sorted((ROOT / "tests" / "assets" / "faces").glob("*.jpg")) + sorted(
    (ROOT / "src" / "likeness" / "demo" / "photos").glob("*.jpg")
)


def first_use() -> tuple[float, float, Any]:
    """Seconds to import torch, then to read, parse and build the network."""
    started = time.perf_counter()
    import torch  # noqa: F401  (timed: the cost a process pays once)

    imported = time.perf_counter()
    import face_recognition_models

    from likeness.recognition.dlib_resnet import load_descriptors

    descriptors = load_descriptors(face_recognition_models.face_recognition_model_location())
    return imported - started, time.perf_counter() - imported, descriptors


def ms_per_face(rounds: int, faces: int, run: Callable[[], object]) -> float:
    run()  # warm-up: first-call allocations are not per-face costs
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000 / faces


def main(rounds: int) -> None:
    import_s, build_s, fast = first_use()

    import dlib
    import face_recognition_models
    import numpy as np
    import torch

    from likeness.recognition.dlib_face import DlibFaceEncoder
    from likeness.recognition.media import load_rgb

    encoder = DlibFaceEncoder()
    images = []
    for photo in PHOTOS:
        image = load_rgb(photo)
        images.append((image, [d.landmarks for d in encoder.detect(image)]))
    faces = sum(len(landmarks) for _, landmarks in images)
    dlib_net = dlib.face_recognition_model_v1(
        face_recognition_models.face_recognition_model_location()
    )

    def dlib_single() -> list[Any]:
        return [
            dlib_net.compute_face_descriptor(image, shape)
            for image, landmarks in images
            for shape in landmarks
        ]

    def dlib_batched() -> list[Any]:
        return [
            dlib_net.compute_face_descriptor(image, dlib.full_object_detections(landmarks))
            for image, landmarks in images
        ]

    def torch_single() -> list[Any]:
        return [fast.compute(image, [shape]) for image, landmarks in images for shape in landmarks]

    def torch_batched() -> list[Any]:
        return [fast.compute(image, landmarks) for image, landmarks in images]

    reference = np.array([list(v) for v in dlib_single()])
    ours = np.array([v for batch in torch_batched() for v in batch])
    ours_single = np.array([v for one in torch_single() for v in one])
    difference = float(np.abs(ours - reference).max())
    difference_single = float(np.abs(ours_single - reference).max())

    rows = [
        ("dlib-bin compute_face_descriptor, one face a call (baseline)", dlib_single),
        ("dlib-bin compute_face_descriptor, all faces of an image", dlib_batched),
        ("torch, 1 thread, one face a call", torch_single),
        ("torch, 1 thread, all faces of an image (embed_many)", torch_batched),
    ]
    figures = [(name, ms_per_face(rounds, faces, run)) for name, run in rows]
    torch.set_num_threads(2)
    figures.append(("torch, 2 threads, one face a call", ms_per_face(rounds, faces, torch_single)))
    figures.append(
        ("torch, 2 threads, all faces of an image", ms_per_face(rounds, faces, torch_batched))
    )
    # Other work on the cores: one busy loop (a scan's decoding thread holds the other
    # core), two (oversubscribed, as with a second worker process): what the thread
    # count is chosen on.
    for loops in (1, 2):
        busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(loops)]
        try:
            for threads in (1, 2):
                torch.set_num_threads(threads)
                name = f"torch, {threads} thread{'s' * (threads > 1)}, all faces, {loops} busy loop"
                figures.append(
                    (name + "s" * (loops > 1), ms_per_face(rounds, faces, torch_batched))
                )
        finally:
            for process in busy:
                process.kill()
                process.wait()
    torch.set_num_threads(1)

    baseline = figures[0][1]
    print(
        f"{len(images)} photos, {faces} faces, {rounds} rounds (median), torch {torch.__version__}"
    )
    print(f"first use: import torch {import_s:.2f} s, read + parse + build {build_s:.3f} s")
    for name, ms in figures:
        print(f"{name:<64} {ms:7.1f} ms/face  {baseline / ms:5.1f}x")
    print(f"max |torch - dlib| over {faces} faces: batched {difference:.2e},", end=" ")
    print(f"one at a time {difference_single:.2e}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
