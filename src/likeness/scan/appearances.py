"""From per-frame faces and voice segments to sightings: who, when, how sure.

Faces are tracked across sampled frames by box overlap, so a track is embedded a
few times rather than on every frame; each track is identified once, from the
average of its embeddings. Sightings of the same person close in time merge into one
(an appearance, once a scan has decided it).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field

from likeness.domain.consent import Modality
from likeness.recognition.ports import Box, Pixels

EMBED_PER_TRACK = 2  # two looks at a track; embedding (~85 ms/face) bounds the pipeline
MERGE_GAP_S = 2.0


@dataclass
class Track:
    boxes: list[tuple[float, Box]] = field(default_factory=list)
    embeddings: list[tuple[float, ...]] = field(default_factory=list)
    thumbnail: str = ""

    @property
    def start(self) -> float:
        return self.boxes[0][0]

    @property
    def end(self) -> float:
        return self.boxes[-1][0]

    def mean_embedding(self) -> tuple[float, ...]:
        count = len(self.embeddings)
        return tuple(sum(values) / count for values in zip(*self.embeddings, strict=True))


def overlap(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    left, top = max(a.x, b.x), max(a.y, b.y)
    right = min(a.x + a.width, b.x + b.width)
    bottom = min(a.y + a.height, b.y + b.height)
    inter = max(0, right - left) * max(0, bottom - top)
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union else 0.0


class Tracker:
    """Greedy IoU tracking over sampled frames."""

    def __init__(self, max_gap_s: float) -> None:
        self.tracks: list[Track] = []
        self._max_gap = max_gap_s
        self._closed = 0  # tracks before this index ended at a cut

    def _open(self) -> list[Track]:
        return self.tracks[self._closed :]

    def cut(self) -> None:
        """A new shot: no track goes on into it, wherever its faces are."""
        self._closed = len(self.tracks)

    def live(self, time: float) -> list[Track]:
        """Tracks seen recently enough before ``time`` to be continued."""
        return [
            track
            for track in self._open()
            if track.boxes[-1][0] < time and time - track.boxes[-1][0] <= self._max_gap
        ]

    def at(self, time: float, box: Box) -> Track | None:
        """The track already placed at ``time`` on a box overlapping ``box``."""
        placed = [t for t in self._open() if t.boxes[-1][0] == time]
        best = max(placed, key=lambda t: overlap(t.boxes[-1][1], box), default=None)
        return best if best is not None and overlap(best.boxes[-1][1], box) > 0.3 else None

    def wants_embedding(self, time: float, box: Box) -> Track:
        """The track this detection continues (or a new one)."""
        best, best_iou = None, 0.3
        for track in self._open():
            last_time, last_box = track.boxes[-1]
            if time - last_time > self._max_gap or last_time == time:
                continue
            iou = overlap(last_box, box)
            if iou > best_iou:
                best, best_iou = track, iou
        if best is None:
            best = Track()
            self.tracks.append(best)
        best.boxes.append((time, box))
        return best


def thumbnail(image: Pixels, box: Box, size: int = 96) -> str:
    """A small JPEG of the face, as a data URI (reports stay self-contained)."""
    from PIL import Image

    crop = image[box.y : box.y + box.height, box.x : box.x + box.width]
    picture = Image.fromarray(crop)
    picture.thumbnail((size, size))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


@dataclass
class Sighting:
    """An identified face track or voice segment (or a merge of several)."""

    performer_id: str | None
    modality: Modality
    start: float
    end: float
    score: float | None  # best (smallest) distance
    thumbnail: str = ""
    frames: list[float] = field(default_factory=list)


def merge(items: list[Sighting]) -> list[Sighting]:
    """Join sightings of the same known person and modality separated by short gaps."""
    items = sorted(items, key=lambda a: (a.modality, a.performer_id or "~", a.start))
    merged: list[Sighting] = []
    for item in items:
        last = merged[-1] if merged else None
        if (
            last is not None
            and item.performer_id is not None
            and last.performer_id == item.performer_id
            and last.modality == item.modality
            and item.start - last.end <= MERGE_GAP_S
        ):
            last.end = max(last.end, item.end)
            last.frames.extend(item.frames)
            if item.score is not None and (last.score is None or item.score < last.score):
                last.score, last.thumbnail = item.score, item.thumbnail or last.thumbnail
        else:
            merged.append(item)
    return sorted(merged, key=lambda a: (a.start, a.modality))
