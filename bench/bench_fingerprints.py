"""Stay-down fingerprints: match rate on altered copies, false matches, and cost.

Run: .venv/bin/python bench/bench_fingerprints.py [CLIPS]   (default 20; ~6 min on 2 cores)

Made in the same run (tests/stay_down_clips.py): CLIPS source clips of 12 s, 1280×720,
24 fps (shots of 1.5–4 s: a drifting texture, 3–7 moving shapes, film grain; a different
seed each), one flagged segment of each (4–6 s starting 2–5 s in), and six altered copies
of every source made with libx264 through PyAV: re-encoded at CRF 35; scaled to 50 %;
cropped 5 % per side; cropped unevenly; trimmed 2.3 s / 1.7 s; and all at once (scaled 50 %,
cropped 4 % per side, trimmed 1.1 s / 2.6 s), every copy at CRF 35. Then:
  match rate  - each altered copy against the whole list: found when its own source's
                flag is among the matches;
  false       - every (fingerprint, clip of another source) pair, altered copies and
                sources alike: CLIPS × (CLIPS - 1) × 7 pairs;
  margins     - the Hamming distances of aligned frames of true pairs, and the best
                distances of unrelated frames, to show where the thresholds sit;
  audio       - 10 music clips (notes with harmonics) and a trimmed AAC 64 kbit/s copy
                each: match rate and false matches over 90 pairs;
  cost        - one match of a copy against the list vs decoding it for a scan (2
                frames/s sampled to RGB) and vs decode + HOG face detection on those
                frames (the scan's detector settings), on 3 clips.
Targets (issue 16): >= 95 % of altered copies matched, 0 false matches over >= 200 pairs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from likeness.scan.fingerprint import (
    CANDIDATE_FPS,
    VIDEO_MAX_BITS,
    Fingerprint,
    _hamming_matrix,
    _video_hashes,
    fingerprint_media,
    match,
)
from tests.stay_down_clips import (
    ALTERATIONS,
    make_altered_copy,
    make_source_clip,
    music_wav,
    reencode_audio,
)

SIZE = (1280, 720)


def _segment(seed: int) -> tuple[float, float]:
    start = 2.0 + (seed * 0.37) % 3.0
    return start, start + 4.0 + (seed * 0.61) % 2.0


def _make(folder: Path, seed: int) -> list[Path]:
    source = make_source_clip(folder / f"s{seed}.mp4", 1000 + seed, duration=12, size=SIZE)
    copies = [
        make_altered_copy(source, folder / f"s{seed}-a{i}.mp4", alteration)
        for i, alteration in enumerate(ALTERATIONS)
    ]
    return [source, *copies]


def _match_all(args: tuple[Path, list[Fingerprint]]) -> tuple[list[int], float]:
    path, fps = args
    t = time.perf_counter()
    found = match(path, fps)
    return [m.index for m in found], time.perf_counter() - t


def video(folder: Path, clips: int, pool: ProcessPoolExecutor) -> None:
    t = time.perf_counter()
    made = list(pool.map(_make, [folder] * clips, range(clips)))
    print(f"made {clips} sources and {clips * len(ALTERATIONS)} copies in "
          f"{time.perf_counter() - t:.0f} s")  # fmt: skip
    fps = [fingerprint_media(paths[0], *_segment(seed)) for seed, paths in enumerate(made)]
    jobs = [(path, fps) for paths in made for path in paths]
    results = list(pool.map(_match_all, jobs))
    hits = {alteration.name: 0 for alteration in ALTERATIONS}
    false = pairs = 0
    times: list[float] = []
    for k, (found, seconds) in enumerate(results):
        owner, variant = divmod(k, len(ALTERATIONS) + 1)
        if variant > 0:
            times.append(seconds)
            if owner in found:
                hits[ALTERATIONS[variant - 1].name] += 1
        false += sum(1 for index in found if index != owner)
        pairs += clips - 1
    total = sum(hits.values())
    print(f"\nvideo: {total}/{clips * len(ALTERATIONS)} altered copies matched "
          f"({100 * total / (clips * len(ALTERATIONS)):.1f} %)")  # fmt: skip
    for name, count in hits.items():
        print(f"  {name}: {count}/{clips}")
    print(f"false matches: {false} over {pairs} unrelated (fingerprint, clip) pairs")
    print(f"match time per copy (list of {clips}): median {statistics.median(times):.2f} s")
    margins(made, fps)
    cost(made, fps)


def margins(made: list[list[Path]], fps: list[Fingerprint]) -> None:
    """Aligned-frame distances of true pairs (the copy 'all' at its known offset) and the
    closest unrelated frame to each stored frame."""
    import numpy as np

    true: list[int] = []
    unrelated: list[int] = []
    for seed, paths in enumerate(made[:6]):
        times, hashes = _video_hashes(paths[-1], 0.0, float("inf"), CANDIDATE_FPS, skip_flat=False)
        distance = _hamming_matrix(fps[seed].hashes, hashes)
        start = _segment(seed)[0] - ALTERATIONS[-1].trim_start
        for row, t in enumerate(fps[seed].times):
            j = int(np.argmin(np.abs(np.array(times) - (start + t))))
            true.append(int(distance[row, max(0, j - 1) : j + 2].min()))
        other = made[(seed + 1) % len(made)][0]
        _, other_hashes = _video_hashes(other, 0.0, float("inf"), CANDIDATE_FPS, skip_flat=False)
        unrelated.extend(
            int(d) for d in _hamming_matrix(fps[seed].hashes, other_hashes).min(axis=1)
        )
    q = np.percentile
    print(f"aligned true frames: median {q(true, 50):.0f} bits, 95th pct {q(true, 95):.0f}, "
          f"max {max(true)}; share <= {VIDEO_MAX_BITS}: "
          f"{100 * sum(d <= VIDEO_MAX_BITS for d in true) / len(true):.1f} %")  # fmt: skip
    share = 100 * sum(d <= VIDEO_MAX_BITS for d in unrelated) / len(unrelated)
    print(f"closest unrelated frame: min {min(unrelated)} bits, 5th pct {q(unrelated, 5):.0f}, "
          f"median {q(unrelated, 50):.0f}; share <= {VIDEO_MAX_BITS}: {share:.1f} %")  # fmt: skip


def cost(made: list[list[Path]], fps: list[Fingerprint]) -> None:
    from likeness.recognition.dlib_face import DlibFaceEncoder
    from likeness.scan.detect import DEFAULT_SETTINGS
    from likeness.scan.frames import sample_frames

    encoder = DlibFaceEncoder()
    spent = {"match": 0.0, "decode": 0.0, "decode + detect": 0.0}
    for paths in made[:3]:
        for path in (paths[0], paths[1]):  # the source (CRF 18) and its CRF 35 copy
            t = time.perf_counter()
            match(path, fps)
            spent["match"] += time.perf_counter() - t
            t = time.perf_counter()
            frames = list(sample_frames(path, 2.0))
            spent["decode"] += time.perf_counter() - t
            t = time.perf_counter()
            for frame in frames:
                encoder.detect(
                    frame.image,
                    max_side=DEFAULT_SETTINGS.max_side,
                    upsample=DEFAULT_SETTINGS.upsample,
                )
            spent["decode + detect"] += time.perf_counter() - t
    spent["decode + detect"] += spent["decode"]
    n = 6
    print(f"cost per 12 s 720p clip (mean of {n}, list of {len(fps)}): "
          + ", ".join(f"{k} {v / n:.2f} s" for k, v in spent.items())
          + f"; a scan's decode + detect costs {spent['decode + detect'] / spent['match']:.1f}× "
          "a match")  # fmt: skip


def audio(folder: Path) -> None:
    sources = [music_wav(folder / f"m{i}.wav", 500 + i) for i in range(10)]
    copies = [
        reencode_audio(src, folder / f"m{i}.m4a", trim_start=0.9 + i * 0.13, trim_end=1.4)
        for i, src in enumerate(sources)
    ]
    fps = [fingerprint_media(src, 3.0, 8.0) for src in sources]
    hits = false = pairs = 0
    for i, copy in enumerate(copies):
        found = [m.index for m in match(copy, fps)]
        hits += i in found
        false += sum(1 for k in found if k != i)
        pairs += len(fps) - 1
    print(f"\naudio: {hits}/{len(copies)} trimmed AAC copies matched; "
          f"false matches: {false} over {pairs} pairs")  # fmt: skip


def main() -> None:
    clips = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, ProcessPoolExecutor(2) as pool:
        folder = Path(tmp)
        video(folder, clips, pool)
        audio(folder)
    print(f"\ntotal {time.perf_counter() - t:.0f} s")


if __name__ == "__main__":
    main()
