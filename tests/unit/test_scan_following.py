"""Following a face between whole-frame searches: every window's correlation at once
(scan/tracking.py) is the normalised cross-correlation of each window taken one by one."""

from __future__ import annotations

import numpy as np

from likeness.scan.tracking import TEMPLATE_PX, _correlations, _normalised


def _one_by_one(image: np.ndarray, template: np.ndarray) -> np.ndarray:
    rows, cols = image.shape[0] - TEMPLATE_PX + 1, image.shape[1] - TEMPLATE_PX + 1
    scores = np.zeros((rows, cols))
    for y in range(rows):
        for x in range(cols):
            window = image[y : y + TEMPLATE_PX, x : x + TEMPLATE_PX].astype(np.float64).ravel()
            centred = window - window.mean()
            scores[y, x] = centred @ template / max(float(np.linalg.norm(centred)), 1e-3)
    return scores


def test_every_window_scored_as_one_by_one() -> None:
    rng = np.random.default_rng(7)
    image = rng.integers(0, 256, (53, 61)).astype(np.float32)
    image[30:, :25] = 128  # flat windows: no correlation, not a division by ~0
    template = _normalised(image[11:31, 17:37].reshape(-1))

    scores = _correlations(image, template)

    assert scores.shape == (53 - TEMPLATE_PX + 1, 61 - TEMPLATE_PX + 1)
    np.testing.assert_allclose(scores, _one_by_one(image, template), atol=1e-4)
    assert divmod(int(scores.argmax()), scores.shape[1]) == (11, 17)
    assert abs(scores[32, 2]) < 1e-6  # a flat window (rows 30-33, columns 0-5)
