"""Deterministic fake face and voice encoders: the recognition ports without dlib or torch.

They recognise what ``likeness.testing.media`` draws, exactly and fast, so services and
scans are tested in the fast tier; the real models are tested on real photos and speech
in the slow tier.

- A **face** is a square block of one saturated colour on a dull background (PNG, JPEG
  or video). Its embedding is the direction of its mean colour (a unit RGB vector), so
  a colour is one person and colours far apart are different people: the red, green,
  blue and yellow of ``likeness.testing.media`` are more than 0.6 apart, above the
  default face threshold (0.5). A block under 32 px is a weak detection (``clear`` is
  False), as a small or low-scoring window confirmed by a second check is for dlib.
- A **voice** is a sine tone. Its embedding is a unit vector at an angle of a quarter
  turn per octave, so tones a third of an octave apart or more are different people
  (distance > 0.5, above the default voice threshold, 0.4); silence is not speech.

numpy is imported inside the methods, as the real backends import theirs.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from typing import Any

from likeness.recognition.ports import Box, Detection, Face, FaceQuality, VoiceSegment

CELL = 4  # pixels: faces are found on a grid of 4×4 cells
MIN_CELLS = 4  # a block at least 16 px on its shorter side
CLEAR_CELLS = 8  # a block under 32 px is a weak detection
RATE = 16_000
FRAME = 480  # 30 ms
PAUSE_S = 0.6
MIN_SEGMENT_S = 1.5


class FakeFaceEncoder:
    model_id = "fake-face@1"
    dimension = 3
    detector_id = "fake-colour-blocks"

    def detect(
        self,
        image: Any,
        *,
        max_side: int | None = None,
        upsample: int | None = None,
        trusted: Sequence[Box] = (),
    ) -> list[Detection]:
        """Saturated blocks; no second opinion to skip, so ``trusted`` changes nothing."""
        import numpy as np

        pixels = np.asarray(image, dtype=np.int16)
        saturated = (pixels.max(axis=2) - pixels.min(axis=2) > 80) & (pixels.max(axis=2) > 100)
        rows, cols = saturated.shape[0] // CELL, saturated.shape[1] // CELL
        cells = saturated[: rows * CELL, : cols * CELL].reshape(rows, CELL, cols, CELL)
        grid = cells.mean(axis=(1, 3)) > 0.5
        found = []
        for top, left, bottom, right in _components(grid):
            if min(bottom - top, right - left) < MIN_CELLS:
                continue
            box = Box(left * CELL, top * CELL, (right - left) * CELL, (bottom - top) * CELL)
            cells = min(bottom - top, right - left)
            found.append(
                Detection(
                    box,
                    _quality(pixels, box),
                    landmarks=None,
                    score=cells / CLEAR_CELLS,
                    clear=cells >= CLEAR_CELLS,
                )
            )
        return found

    def embed(self, image: Any, detection: Detection) -> tuple[float, ...]:
        import numpy as np

        b = detection.box
        inner = np.asarray(image, dtype=np.float64)[
            b.y + b.height // 4 : b.y + 3 * b.height // 4,
            b.x + b.width // 4 : b.x + 3 * b.width // 4,
        ]
        mean = inner.reshape(-1, 3).mean(axis=0)
        norm = float(np.linalg.norm(mean)) or 1.0
        return tuple(float(v) / norm for v in mean)

    def faces(self, image: Any) -> list[Face]:
        return [Face(d.box, d.quality, self.embed(image, d)) for d in self.detect(image)]


def _components(grid: Any) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (top, left, bottom, right; in cells) of 4-connected true cells."""
    rows, cols = grid.shape
    seen = [[False] * cols for _ in range(rows)]
    boxes = []
    for r in range(rows):
        for c in range(cols):
            if not grid[r, c] or seen[r][c]:
                continue
            top, left, bottom, right = r, c, r + 1, c + 1
            queue = deque([(r, c)])
            seen[r][c] = True
            while queue:
                y, x = queue.popleft()
                top, left = min(top, y), min(left, x)
                bottom, right = max(bottom, y + 1), max(right, x + 1)
                for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                    if 0 <= ny < rows and 0 <= nx < cols and grid[ny, nx] and not seen[ny][nx]:
                        seen[ny][nx] = True
                        queue.append((ny, nx))
            boxes.append((top, left, bottom, right))
    return boxes


def _quality(pixels: Any, box: Box) -> FaceQuality:
    """Sharpness as the real encoder measures it (Laplacian variance), over the block and
    a margin of its saturation (a block's colour, not its brightness, sets it apart), so a
    blurred block reads as blurred."""
    saturation = pixels.max(axis=2) - pixels.min(axis=2)
    crop = saturation[
        max(0, box.y - 2) : box.y + box.height + 2, max(0, box.x - 2) : box.x + box.width + 2
    ]
    laplacian = (
        -4 * crop[1:-1, 1:-1] + crop[:-2, 1:-1] + crop[2:, 1:-1] + crop[1:-1, :-2] + crop[1:-1, 2:]
    )
    return FaceQuality(size=min(box.width, box.height), sharpness=float(laplacian.var()), yaw=0.0)


class FakeVoiceEncoder:
    model_id = "fake-voice@1"
    dimension = 2

    def speech_seconds(self, samples: Any) -> float:
        return float(self._voiced(samples).sum()) * FRAME / RATE

    def embed(self, samples: Any) -> tuple[float, ...]:
        import numpy as np

        voiced = self._voiced(samples)
        frames = np.asarray(samples[: len(voiced) * FRAME]).reshape(-1, FRAME)[voiced]
        return _tone_vector(frames.reshape(-1))

    def segments(self, samples: Any) -> list[VoiceSegment]:
        voiced = self._voiced(samples)
        spans: list[list[int]] = []
        gap = int(PAUSE_S * RATE / FRAME)
        for i, on in enumerate(voiced):
            if not on:
                continue
            if spans and i - spans[-1][1] <= gap:
                spans[-1][1] = i + 1
            else:
                spans.append([i, i + 1])
        found = []
        for start, end in spans:
            if (end - start) * FRAME / RATE < MIN_SEGMENT_S:
                continue
            part = samples[start * FRAME : end * FRAME]
            found.append(VoiceSegment(start * FRAME / RATE, end * FRAME / RATE, self.embed(part)))
        return found

    def _voiced(self, samples: Any) -> Any:
        import numpy as np

        count = len(samples) // FRAME
        frames = np.asarray(samples[: count * FRAME], dtype=np.float64).reshape(count, FRAME)
        return np.sqrt((frames**2).mean(axis=1)) > 0.05


def _tone_vector(samples: Any) -> tuple[float, ...]:
    """A unit vector a quarter turn per octave round from 100 Hz, for the strongest tone."""
    import numpy as np

    if len(samples) == 0:
        return (1.0, 0.0)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    frequency = max(float(np.argmax(spectrum)) * RATE / len(samples), 1.0)
    angle = math.pi / 2 * math.log2(frequency / 100)
    return (math.cos(angle), math.sin(angle))
