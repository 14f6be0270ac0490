"""Where the speaker changes inside a stretch of speech, from window embeddings.

A stretch between pauses may hold several voices, one after another or overlapping; a
single embedding of it mixes them and matches no one. The stretch is embedded in
sliding windows (Resemblyzer's 1.6 s partials, every ``HOP_S``); at each window
boundary the mean of the windows just before it is compared with the mean of the
windows just after it, and the stretch is cut at the peaks of that distance above
``CHANGE``. Each piece is then embedded whole by the encoder (more speech, a steadier
d-vector) and identified on its own. Identity-free: detections stay cacheable.

Where two voices overlap, a cut falls where the louder one takes over; the quieter one
is found where it dominates (before or after the overlap), not under the louder one.
"""

from __future__ import annotations

from typing import Any

HOP_S = 0.4  # window step (Resemblyzer's default is 1/1.3 s)
CONTEXT = 4  # windows compared on each side of a boundary (1.6 s of steps)
# Euclidean distance between the two sides' mean d-vectors: within one espeak voice it
# runs 0.4-0.67 (other words, other sounds), across voices it peaks at 0.75-1.0.
CHANGE = 0.7
MIN_TURN_S = 1.5  # no piece shorter than this (a d-vector of less is unreliable)


def change_points(windows: Any, hop_s: float = HOP_S) -> list[float]:
    """Cut times (seconds from the first window's start) for ``windows``, an ``n×d``
    array of unit d-vectors taken every ``hop_s`` seconds, each 1.6 s long."""
    import numpy as np

    windows = np.asarray(windows, dtype=np.float64)
    span = round(1.6 / hop_s)  # steps one window covers
    scores = []
    for boundary in range(1, len(windows) + span):
        # left: windows ending at or before the boundary; right: starting at or after it
        left = windows[max(0, boundary - span - CONTEXT + 1) : max(0, boundary - span + 1)]
        right = windows[boundary : boundary + CONTEXT]
        if len(left) < 2 or len(right) < 2:
            scores.append((0.0, boundary))
            continue
        a, b = left.mean(axis=0), right.mean(axis=0)
        a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
        scores.append((float(np.linalg.norm(a - b)), boundary))
    peaks = [
        (score, boundary)
        for i, (score, boundary) in enumerate(scores)
        if score >= CHANGE
        and score >= max(s for s, _ in scores[max(0, i - 1) : i + 2])  # a local maximum
    ]
    cuts: list[float] = []
    for _, boundary in sorted(peaks, reverse=True):  # strongest change first
        at = boundary * hop_s
        if all(abs(at - cut) >= MIN_TURN_S for cut in cuts):
            cuts.append(at)
    return sorted(cuts)
