"""Calibration per model: what ``likeness calibrate`` finds on the packaged photos, and
what it costs.

Run: .venv/bin/python bench/accuracy/calibration.py [--pairs-files 1000]

1. The labelled folder of tests/calibration_set.py (packaged photos; faces cropped from
   the group photos as one-photo people) calibrated through the service with the real
   dlib model: counts, distances, the threshold for 1/1000 and for 1/100, the rates and
   their 95% bounds. Baseline in the same run: embedding every file alone with the same
   encoder (what any calibration must pay); the ratio is the service's own overhead.
2. The statistics alone at scale: ``--pairs-files`` random 128-d unit vectors in groups of
   five (about n^2/2 pairs) through domain/calibration.py's pure-Python pair distances and
   evaluation, against numpy computing the same distances in the same run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from likeness.bootstrap import build_services, initialise
from likeness.domain.calibration import evaluate, pair_distances
from likeness.recognition.dlib_face import DlibFaceEncoder
from likeness.recognition.media import load_rgb
from likeness.settings import load_settings
from tests.calibration_set import Dlib, build_folder


def packaged(scratch: Path) -> None:
    folder = scratch / "labelled"
    build_folder(folder, Dlib())
    files = sorted(p for p in folder.rglob("*.png"))
    encoder = DlibFaceEncoder()
    encoder.faces(load_rgb(files[0]))  # load the models outside the timings
    start = time.perf_counter()
    for path in files:
        encoder.faces(load_rgb(path))
    embed_s = time.perf_counter() - start

    settings = load_settings(home=scratch / "home")
    initialise(settings)
    services = build_services(settings)
    try:
        services.encoders.face().faces(load_rgb(files[0]))
        start = time.perf_counter()
        run = services.calibrations.calibrate(folder)
        calibrate_s = time.perf_counter() - start
        strict = services.calibrations.calibrate(folder, target_fmr=0.01)
    finally:
        services.close()
    c, d = run.calibration, run.evaluation.distances
    print(
        f"packaged photos: {c.people} people, {c.files} files, {c.genuine_pairs} genuine and "
        f"{c.impostor_pairs} impostor pairs; model {c.model_id}, detector {c.detector_id}"
    )
    print(
        f"genuine distances {d.genuine[0]:.3f}-{d.genuine[-1]:.3f}; impostor min "
        f"{d.impostor[0]:.3f}, mean {sum(d.impostor) / len(d.impostor):.3f}"
    )
    for r in (run, strict):
        k = r.calibration
        print(
            f"target FMR {k.target_fmr:g}: threshold {k.threshold:g}; FMR {k.fmr.errors}/"
            f"{k.fmr.trials} (95% upper {k.fmr.upper:.4f}, {k.fmr.method.value}); FNMR "
            f"{k.fnmr.errors}/{k.fnmr.trials} (95% upper {k.fnmr.upper:.3f}); shown: "
            f"{'yes' if k.demonstrated else 'no'} (needs {r.pairs_needed} clean pairs)"
        )
    default = next(p for p in run.evaluation.table if p.threshold == 0.5)
    print(
        f"at the default 0.5: FMR {default.fmr.errors}/{default.fmr.trials} (95% upper "
        f"{default.fmr.upper:.4f}), FNMR {default.fnmr.errors}/{default.fnmr.trials}"
    )
    print(
        f"calibrate {calibrate_s:.2f} s against embedding the {len(files)} files alone "
        f"{embed_s:.2f} s (baseline, same run): {calibrate_s / embed_s:.2f}x"
    )


def statistics_at_scale(files: int) -> None:
    rng = np.random.default_rng(17)
    vectors = rng.normal(size=(files, 128))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    samples = {f"p{i}": [tuple(v) for v in vectors[i : i + 5]] for i in range(0, files, 5)}
    start = time.perf_counter()
    found = pair_distances(samples)
    evaluate(found, 0.001, default=0.5)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    gram = vectors @ vectors.T
    squared = np.clip(2 - 2 * gram, 0, None)
    upper = np.sqrt(squared[np.triu_indices(files, 1)])
    np.sort(upper)
    numpy_s = time.perf_counter() - start
    pairs = len(found.genuine) + len(found.impostor)
    assert pairs == len(upper)
    print(
        f"statistics: {files} files, {pairs:,} pairs: pure Python (math.dist) {ours:.2f} s "
        f"against numpy {numpy_s:.2f} s (same run): {ours / numpy_s:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs-files", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        packaged(Path(scratch))
    statistics_at_scale(args.pairs_files)


if __name__ == "__main__":
    main()
