"""Faces across sampled frames without searching every frame whole.

A whole frame is searched (the detector on a scaled copy) when new faces may have come:
the first sample, a cut, and at least every ``full_every_s`` seconds, so that a face
walking into a shot is found within that time. In between, each face seen in the last
samples is looked for only in a region around where it was, scaled so that the face is
about ``NEAR_FACE_PX`` pixels: a fraction of the cost of a whole frame.

A cut is noticed on 64 × 36 grey thumbnails of consecutive samples (made by the decoder):
the grey-level histograms differ, or the pictures differ pixel by pixel, by more than
motion within one shot does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from likeness.recognition.ports import Box, Detection, FaceEncoder, Pixels
from likeness.scan.appearances import Track, Tracker, overlap
from likeness.scan.frames import Frame

NEAR_FACE_PX = 120  # HOG's window is 80 px: room for a face that shrinks or turns
NEAR_MARGIN = 0.6  # of the face's size, on each side: how far it may move between samples
CUT_HISTOGRAM = 0.35  # half the L1 distance of 32-bin grey histograms, 0..1
CUT_DIFFERENCE = 45.0  # mean absolute difference of the thumbnails, grey levels


@dataclass(frozen=True)
class Found:
    """A face in a sample: the track it continues, and the image its detection's
    landmarks refer to (the frame, or a crop of it) for embedding."""

    track: Track
    image: Pixels
    detection: Detection
    box: Box  # in the frame's coordinates


def is_cut(before: Any, after: Any) -> bool:
    """Whether two consecutive samples' thumbnails belong to different shots."""
    import numpy as np

    a, b = np.asarray(before, np.float32), np.asarray(after, np.float32)
    if a.shape != b.shape:
        return True
    bins = np.linspace(0, 256, 33)
    ha = np.histogram(a, bins)[0] / a.size
    hb = np.histogram(b, bins)[0] / b.size
    return bool(np.abs(ha - hb).sum() / 2 > CUT_HISTOGRAM or np.abs(a - b).mean() > CUT_DIFFERENCE)


class FaceSearch:
    """Finds the faces of each sample in turn and follows them as tracks."""

    def __init__(
        self,
        encoder: FaceEncoder,
        *,
        max_side: int,
        upsample: int,
        full_every_s: float,
        max_gap_s: float,
    ) -> None:
        self.tracker = Tracker(max_gap_s=max_gap_s)
        self.full_searches = 0
        self.near_searches = 0
        self._encoder = encoder
        self._max_side = max_side
        self._upsample = upsample
        self._every = full_every_s
        self._last_full: float | None = None
        self._thumb: Any = None

    def search(self, frame: Frame) -> list[Found]:
        before, self._thumb = self._thumb, frame.thumb
        cut = before is not None and frame.thumb is not None and is_cut(before, frame.thumb)
        due = self._last_full is None or frame.time - self._last_full >= self._every - 1e-6
        if cut or due:
            return self._whole(frame)
        found = []
        for track in self.tracker.live(frame.time):
            near = self._near(frame, track)
            if near is not None:
                found.append(near)
        return found

    def _whole(self, frame: Frame) -> list[Found]:
        self._last_full = frame.time
        self.full_searches += 1
        detections = self._encoder.detect(
            frame.image, max_side=self._max_side, upsample=self._upsample
        )
        return [
            Found(self.tracker.wants_embedding(frame.time, d.box), frame.image, d, d.box)
            for d in detections
        ]

    def _near(self, frame: Frame, track: Track) -> Found | None:
        import numpy as np

        self.near_searches += 1
        last = track.boxes[-1][1]
        height, width = frame.image.shape[:2]
        side = max(last.width, last.height)
        pad = int(side * NEAR_MARGIN) + 8
        left, top = max(0, last.x - pad), max(0, last.y - pad)
        right = min(width, last.x + last.width + pad)
        bottom = min(height, last.y + last.height + pad)
        if right - left < 16 or bottom - top < 16:
            return None
        crop = np.ascontiguousarray(frame.image[top:bottom, left:right])
        scale = min(1.0, NEAR_FACE_PX / max(side, 1))
        detections = self._encoder.detect(
            crop, max_side=max(16, int(max(crop.shape[:2]) * scale)), upsample=self._upsample
        )
        was = Box(last.x - left, last.y - top, last.width, last.height)
        best = max(detections, key=lambda d: overlap(d.box, was), default=None)
        if best is None or overlap(best.box, was) <= 0.0:
            return None
        box = Box(best.box.x + left, best.box.y + top, best.box.width, best.box.height)
        self.tracker.extend(track, frame.time, box)
        return Found(track, crop, best, box)
