"""Speaker-change cuts from window d-vectors (recognition/voice_turns.py), on windows
built with known changes: each 1.6 s window is the overlap-weighted blend of the voices
it covers, as a real window over a change of speaker is."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.recognition.voice_turns import HOP_S, MIN_TURN_S, change_points

WINDOW_S = 1.6


def windows(turns: list[tuple[float, float, int]], seconds: float, seed: int = 3) -> np.ndarray:
    """Unit vectors every HOP_S: each window blends the voices (one axis each) heard in
    it, by how long, plus noise so that one voice's windows are not identical."""
    rng = np.random.default_rng(seed)
    voices = np.eye(8)[:4] + 0.3  # d-vectors are not orthogonal: all share a component
    out = []
    for i in range(int((seconds - WINDOW_S) / HOP_S) + 1):
        start, end = i * HOP_S, i * HOP_S + WINDOW_S
        vector = rng.normal(0, 0.3, 8)  # one voice's windows differ (other words)
        for first, last, voice in turns:
            vector += max(0.0, min(end, last) - max(start, first)) * voices[voice]
        out.append(vector / np.linalg.norm(vector))
    return np.array(out)


@pytest.mark.parametrize("seed", range(5))
def test_one_voice_is_not_cut(seed: int) -> None:
    assert change_points(windows([(0, 12, 0)], 12, seed)) == []


@pytest.mark.parametrize(("change", "seed"), [(4.0, 0), (6.4, 1), (6.4, 3), (9.2, 4)])
def test_a_change_of_voice_is_cut_where_it_happens(change: float, seed: int) -> None:
    [cut] = change_points(windows([(0, change, 0), (change, 14, 1)], 14, seed))
    assert abs(cut - change) <= HOP_S + 1e-9


def test_three_turns_give_two_cuts_and_a_short_one_is_not_split_off() -> None:
    turns = [(0, 5, 0), (5, 10, 1), (10, 15, 2)]
    cuts = change_points(windows(turns, 15))
    assert len(cuts) == 2 and all(abs(c - t) <= HOP_S for c, t in zip(cuts, (5, 10), strict=True))
    # a voice for less than MIN_TURN_S between two others gives at most one cut near it
    brief = change_points(windows([(0, 6, 0), (6, 6 + MIN_TURN_S / 2, 1), (6.75, 13, 2)], 13))
    assert len(brief) <= 1 or min(np.diff(brief)) >= MIN_TURN_S
