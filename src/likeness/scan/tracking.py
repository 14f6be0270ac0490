"""Faces across sampled frames without running the face detector on every sample.

The detector (with its second opinion on weak faces, ~0.1 s each) runs on the whole
frame only when new faces may have come: the first sample, a cut, and at least every
``full_every_s`` seconds, so that a face walking into a shot is found within that time.
Between those searches each known face is followed by its look: a small grey template
of the face, matched by normalised cross-correlation in a region around where it was, at
three scales, on the half-size grey copy the decoder made of the sample, every window's
correlation at once by an FFT product (a profile of the benchmark clip's scan: 1.7 ms a
follow, against 5.7 ms when each window was copied out first). At a scheduled
whole-frame search the faces being followed are masked out, so the detector spends its
time only on new faces — except those last confirmed by the detector ``VERIFY_EVERY_S``
ago or more, which it must find again or their track ends (a template that slid onto the
background stops there).

A face that comes into a shot between two whole-frame searches is found at the second;
its track is then followed backwards, by the same template matching, over the samples
kept since the first (at most ``full_every_s`` of them), so that its start is the sample
it first appears in, not the search that found it. A whole-frame search every 2 s thus
costs half as much as one every second and finds the same starts.

A face being followed that the detector must find again (its verification) is named to
the detector as trusted: a weak detection there was confirmed when the face was first
found, and is not sent to the detector's second opinion (~0.1 s) again.

A cut is noticed on 64 × 36 grey thumbnails of consecutive samples (made by the decoder):
the grey-level histograms differ, or the pictures differ pixel by pixel, by more than
motion within one shot does (bench/bench_scan_sampling.py prints both). No track goes on
across a cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from likeness.recognition.ports import Box, Detection, FaceEncoder, Pixels
from likeness.scan.appearances import Track, Tracker, overlap
from likeness.scan.frames import Frame

CUT_HISTOGRAM = 0.2  # half the L1 distance of 32-bin grey histograms, 0..1
CUT_DIFFERENCE = 35.0  # mean absolute difference of the thumbnails, grey levels
TEMPLATE_PX = 20  # a followed face is compared at 20 × 20 grey pixels
TEMPLATE_CONTEXT = 0.15  # of the box, on each side: a face's outline is part of its look
NEAR_MARGIN = 1.0  # of the face's size, on each side: how far it may move between samples
SCALES = (0.93, 1.0, 1.07)  # how much it may grow or shrink between samples
FOLLOW_MIN = 0.6  # correlation with its look at the last sample
ANCHOR_MIN = 0.35  # ... and with its look when the detector last found it
VERIFY_EVERY_S = 3.0
MASK_GROWTH = 0.25  # a followed face is masked with this margin around its box


@dataclass(frozen=True)
class Found:
    """A face the detector found in a sample: the track it continues, and the image its
    detection's landmarks refer to, for embedding."""

    track: Track
    image: Pixels
    detection: Detection
    box: Box  # in the frame's coordinates


@dataclass
class _Look:
    last: Any  # the template at the last sample
    anchor: Any  # the template when the detector last found the face
    detected_at: float


def is_cut(before: Pixels, after: Pixels) -> bool:
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
        self.whole_searches = 0
        self.followed = 0
        self._encoder = encoder
        self._max_side = max_side
        self._upsample = upsample
        self._every = full_every_s
        self._last_whole: float | None = None
        self._thumb: Any = None
        self._looks: dict[int, _Look] = {}  # by id() of the track
        self._since: list[Frame] = []  # the samples of this shot since the last whole search

    def search(self, frame: Frame) -> list[Found]:
        """The faces the detector found in this sample (to embed); followed faces only
        extend their tracks."""
        before, self._thumb = self._thumb, frame.thumb
        if before is not None and frame.thumb is not None and is_cut(before, frame.thumb):
            self.tracker.cut()
            self._looks.clear()
            self._since.clear()
            return self._whole(frame, [])
        followed = [t for t in self.tracker.live(frame.time) if self._follow(frame, t)]
        if self._last_whole is None or frame.time - self._last_whole >= self._every - 1e-6:
            return self._whole(frame, followed)
        self._since.append(frame)
        return []

    def _whole(self, frame: Frame, followed: list[Track]) -> list[Found]:
        self._last_whole = frame.time
        self.whole_searches += 1
        due = [t for t in followed if frame.time - self._looks[id(t)].detected_at >= VERIFY_EVERY_S]
        masked = [t.boxes[-1][1] for t in followed if t not in due]
        image = _masked(frame.image, masked) if masked else frame.image
        detections = self._encoder.detect(
            image,
            max_side=self._max_side,
            upsample=self._upsample,
            trusted=[t.boxes[-1][1] for t in due],
        )
        found, confirmed = [], set()
        for d in detections:
            track = self.tracker.at(frame.time, d.box)
            if track is not None:  # a followed face: the detector's box is better
                track.boxes[-1] = (frame.time, d.box)
            else:
                track = self.tracker.wants_embedding(frame.time, d.box)
            confirmed.add(id(track))
            grey, scale = _grey(frame)
            template = _template(grey, _scaled(d.box, scale))
            self._looks[id(track)] = _Look(template, template, frame.time)
            if len(track.boxes) == 1:  # a new face: since when was it there?
                self._follow_back(track, _Look(template, template, frame.time))
            found.append(Found(track, frame.image, d, d.box))
        self._since.clear()
        for track in due:
            if id(track) not in confirmed:  # not a face any more: it ended a sample ago
                track.boxes.pop()
                self._looks.pop(id(track), None)
        return found

    def _follow_back(self, track: Track, look: _Look) -> None:
        """Prepend to a new track the samples since the last whole search that show its
        face, newest first, up to the first that does not (or shows another track's)."""
        box = track.boxes[0][1]
        for past in reversed(self._since):
            found, template = _best_match(*_grey(past), box, look)
            if found is None or self._taken(past.time, found, track):
                return
            look.last, box = template, found
            track.boxes.insert(0, (past.time, found))

    def _taken(self, time: float, box: Box, mine: Track) -> bool:
        """Whether another track of this shot is already on ``box`` at ``time``."""
        return any(
            t is not mine and overlap(b, box) > 0.3
            for t in self.tracker.tracks
            for when, b in t.boxes
            if when == time
        )

    def _follow(self, frame: Frame, track: Track) -> bool:
        """Extend ``track`` to where its face looks most alike near where it was."""
        look = self._looks.get(id(track))
        if look is None:
            return False
        self.followed += 1
        box, template = _best_match(*_grey(frame), track.boxes[-1][1], look)
        if box is None:
            self._looks.pop(id(track))
            return False
        look.last = template
        track.boxes.append((frame.time, box))
        return True


def _grey(frame: Frame) -> tuple[Any, float]:
    """The grey picture faces are followed on, and its scale to the frame: the decoder's
    half-size copy, or (a still image) the frame in grey."""
    import numpy as np
    from PIL import Image

    if frame.grey is not None:
        return frame.grey, frame.grey.shape[1] / frame.image.shape[1]
    return np.asarray(Image.fromarray(np.asarray(frame.image)).convert("L")), 1.0


def _scaled(box: Box, scale: float) -> Box:
    return Box(
        int(box.x * scale),
        int(box.y * scale),
        max(1, round(box.width * scale)),
        max(1, round(box.height * scale)),
    )


def _region(image: Any, box: Box, grow: float) -> tuple[int, int, int, int]:
    height, width = image.shape[:2]
    pad_x, pad_y = int(box.width * grow), int(box.height * grow)
    return (
        max(0, box.x - pad_x),
        max(0, box.y - pad_y),
        min(width, box.x + box.width + pad_x),
        min(height, box.y + box.height + pad_y),
    )


def _template(image: Any, box: Box) -> Any:
    """The face and a little of its outline, grey, TEMPLATE_PX square, zero mean and
    unit norm (so a dot product is the normalised cross-correlation)."""
    import numpy as np
    from PIL import Image

    left, top, right, bottom = _region(image, box, TEMPLATE_CONTEXT)
    grey = Image.fromarray(np.ascontiguousarray(image[top:bottom, left:right])).convert("L")
    pixels = np.asarray(grey.resize((TEMPLATE_PX, TEMPLATE_PX), Image.Resampling.BILINEAR))
    return _normalised(pixels.astype(np.float32).reshape(-1))


def _normalised(vectors: Any) -> Any:
    import numpy as np

    centred = vectors - vectors.mean(axis=-1, keepdims=True)
    norm = np.linalg.norm(centred, axis=-1, keepdims=True)
    return centred / np.maximum(norm, 1e-3)


def _best_match(grey: Any, to_grey: float, at_frame: Box, look: _Look) -> tuple[Box | None, Any]:
    """The box around ``at_frame`` (frame coordinates) whose template correlates best with
    the face's last look, at three scales, searched on ``grey`` (``to_grey`` times the
    frame's size); None when none is alike enough (to it, and to its confirmed look)."""
    import numpy as np
    from PIL import Image

    image, was = grey, _scaled(at_frame, to_grey)
    left, top, right, bottom = _region(image, was, NEAR_MARGIN + TEMPLATE_CONTEXT)
    region = Image.fromarray(np.ascontiguousarray(image[top:bottom, left:right]))
    # a box filter first, to about twice the size compared (several times cheaper)
    reduce = max(1, int(max(was.width, was.height) * (1 + 2 * TEMPLATE_CONTEXT) / TEMPLATE_PX / 2))
    region = region.reduce(reduce).convert("L") if reduce > 1 else region.convert("L")
    best: tuple[float, Box | None, Any] = (FOLLOW_MIN, None, None)
    for scale in SCALES:
        # the template spans the box plus its context at this scale
        span = max(was.width, was.height) * scale * (1 + 2 * TEMPLATE_CONTEXT)
        factor = TEMPLATE_PX / span * reduce  # from the reduced region's pixels
        size = (
            max(TEMPLATE_PX, round(region.width * factor)),
            max(TEMPLATE_PX, round(region.height * factor)),
        )
        small = np.asarray(region.resize(size, Image.Resampling.BILINEAR), np.float32)
        scores = _correlations(small, look.last)
        y, x = divmod(int(scores.argmax()), scores.shape[1])
        # the chosen window scored again as each window was before: decisions unchanged
        window = _normalised(small[y : y + TEMPLATE_PX, x : x + TEMPLATE_PX].reshape(-1))
        score = float(window @ look.last)
        if score > best[0] and float(window @ look.anchor) >= ANCHOR_MIN:
            inset = max(was.width, was.height) * scale * TEMPLATE_CONTEXT
            box = Box(  # back in the frame's coordinates, its size from the frame's box
                int((left + x * reduce / factor + inset) / to_grey),
                int((top + y * reduce / factor + inset) / to_grey),
                max(1, round(at_frame.width * scale)),
                max(1, round(at_frame.height * scale)),
            )
            best = (score, box, window)
    return best[1], best[2]


def _correlations(image: Pixels, template: Any) -> Any:
    """The normalised cross-correlation of ``template`` (zero mean, unit norm, flattened)
    with every TEMPLATE_PX-square window of ``image``: one FFT product for the dot
    products and summed-area tables for the windows' norms, instead of a copy of every
    window (that copy was most of a follow's time)."""
    import numpy as np

    size = TEMPLATE_PX
    pixels = np.asarray(image, np.float64)
    height, width = pixels.shape
    kernel = np.asarray(template, np.float64).reshape(size, size)
    spectrum = np.fft.rfft2(pixels) * np.conj(np.fft.rfft2(kernel, s=(height, width)))
    # circular, but the windows kept never reach past the image's edge
    dots = np.fft.irfft2(spectrum, s=(height, width))[: height - size + 1, : width - size + 1]
    # a window less its mean, dotted with the template: the window's dot product less its
    # mean times the template's sum (zero but for rounding, which a flat window's tiny
    # norm would magnify)
    sums = _window_sums(pixels, size)
    centred = dots - sums / (size * size) * float(kernel.sum())
    squares = _window_sums(pixels * pixels, size)
    spread = np.sqrt(np.maximum(squares - sums * sums / (size * size), 0.0))
    return centred / np.maximum(spread, 1e-3)


def _window_sums(pixels: Any, size: int) -> Any:
    import numpy as np

    table = np.zeros((pixels.shape[0] + 1, pixels.shape[1] + 1))
    table[1:, 1:] = pixels.cumsum(0).cumsum(1)
    return table[size:, size:] - table[:-size, size:] - table[size:, :-size] + table[:-size, :-size]


def _masked(image: Any, boxes: list[Box]) -> Any:
    """A copy of ``image`` with each box (and a margin) painted flat grey: nothing there
    for the detector to find."""
    import numpy as np

    copy = np.array(image, copy=True)
    for box in boxes:
        left, top, right, bottom = _region(image, box, MASK_GROWTH)
        copy[top:bottom, left:right] = 128
    return copy
