"""A second opinion on weak face detections: dlib's CNN (mmod) detector on the crop only.

dlib's HOG detector scores each window (``detector.run`` returns the scores). A round
mission patch on a suit, a badge or a drawn mascot can score like a real face in a
crowd, so a score alone cannot separate them without missing faces. Detections that
score below ``clear_score(upsample)``, or that are so small they were found only by upsampling,
are shown to the CNN detector on a crop around the box, scaled so the box is
``CROP_FACE_PX`` wide: the CNN is slower than HOG (~0.15 s per crop here) and its memory
grows with pixels (8 GB on a 1080p frame), which is why it never sees whole frames.

The thresholds were chosen on 288 face-free images (tests/face_free.py) and the
packaged group photos, never on the astronaut portrait that issue 17 is about:
``bench/bench_false_faces.py`` prints the scores they rest on and re-derives them.
"""

from __future__ import annotations

import threading
from typing import Any

from likeness.errors import MissingExtraError

# HOG scores at or above these are faces without a second look; below, the CNN decides.
# By upsampling level (scores differ by level): the highest face-free score measured
# plus 0.05, rounded up to 0.05 (bench/bench_false_faces.py: 0.945 at upsample 1, 0.673
# at 0), so HOG alone adds no face-free detection. Cutting where 1% of the images may
# hold one (0.80 and 0.61) would need fewer CNN checks but let two through.
CLEAR_SCORE = {0: 0.75, 1: 1.0}
# Boxes shorter than this in the searched copy were found only by upsampling (HOG's
# window is 80 px): little evidence, always confirmed.
SMALL_SIDE = 64
# The CNN's confidence for a crop to count as a face: midway between the most confident
# face-free crop (0.889) and the least confident real face of the packaged photos (0.960)
# (bench/bench_false_faces.py).
CONFIRM_CONFIDENCE = 0.92
CROP_FACE_PX = 80  # the CNN's own window: smaller crops lose faces, larger ones cost more
CROP_MARGIN = 0.4  # of the box's side, on every side: the CNN needs the head's outline
MIN_OVERLAP = 0.3  # intersection over union between the CNN's box and HOG's


def clear_score(upsample: int) -> float:
    """The HOG score a detection at this upsampling needs to skip the CNN check; levels
    not measured take the strictest."""
    return CLEAR_SCORE.get(upsample, max(CLEAR_SCORE.values()))


class CropConfirmer:
    """Loads the CNN detector lazily, once, under a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cnn: Any = None

    def _load(self) -> Any:
        with self._lock:
            if self._cnn is None:
                try:
                    import dlib
                    import face_recognition_models as weights
                except ImportError:
                    raise MissingExtraError("face recognition", "face") from None
                self._cnn = dlib.cnn_face_detection_model_v1(
                    weights.cnn_face_detector_model_location()
                )
            return self._cnn

    def confidence(self, image: Any, box: tuple[int, int, int, int]) -> float:
        """The CNN's confidence that the box (left, top, right, bottom; full-size
        coordinates) holds a face: its best detection overlapping the box, else -1."""
        import numpy as np
        from PIL import Image

        left, top, right, bottom = box
        side = max(1, right - left)
        height, width = image.shape[:2]
        margin = int(CROP_MARGIN * side)
        x0, y0 = max(0, left - margin), max(0, top - margin)
        x1, y1 = min(width, right + margin), min(height, bottom + margin)
        if x1 <= x0 or y1 <= y0:
            return -1.0
        factor = CROP_FACE_PX / side
        crop = Image.fromarray(np.ascontiguousarray(image[y0:y1, x0:x1]))
        scaled = crop.resize(
            (max(1, round(crop.width * factor)), max(1, round(crop.height * factor)))
        )
        target = (
            (left - x0) * factor,
            (top - y0) * factor,
            (right - x0) * factor,
            (bottom - y0) * factor,
        )
        best = -1.0
        for found in self._load()(np.asarray(scaled), 0):
            r = found.rect
            if _overlap(target, (r.left(), r.top(), r.right(), r.bottom())) >= MIN_OVERLAP:
                best = max(best, float(found.confidence))
        return best


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    across = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    down = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = across * down
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
