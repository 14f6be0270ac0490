"""Is the face in an enrolment video a head that turns, or a flat picture of one?

A flat picture (a printed photo held to the camera, tilted or not; a screen replaying a
still) moves as a plane: in every frame, the points of the face are the image of the
first frame's points under one homography. A head does not: when it turns, the nose
and cheeks move across the eyes and the ears by amounts set by their depth (parallax),
and no homography explains them together.

dlib's five landmarks cannot show the difference. Four of them (the eye corners) lie
almost on one line and the fifth (the base of the nose) lies in a plane with that line,
so one homography fits them to within the landmark noise whether the face is flat or
not (measured in bench/liveness.py: the fit's error on a tilted photo was as large as on
a turning head). So the test tracks a grid of textured points over the face from frame
to frame (normalised cross-correlation, predicted by the landmarks' motion), fits one
homography to them per frame (least squares, refitted without the worst fifth), and
reports what the plane cannot explain, as a fraction of the distance between the eyes.
The landmarks still serve to predict motion and to measure the turn (``signed_yaw``).

numpy only, imported inside the functions (``recognition/`` keeps heavy imports there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from likeness.recognition.ports import Detection

GRID = 9  # points per side of the grid laid over the face box
PATCH = 9  # half-size of a tracked patch, pixels (7 measured noisier on flat clips)
SEARCH = 6  # how far from its predicted place a point is looked for, pixels
MIN_CORRELATION = 0.75  # below this a point is lost (occluded, or too changed to follow)
MIN_TEXTURE = 3.0  # grey-level standard deviation a patch needs to be followed at all
MIN_POINTS = 12  # fewer points alive: a new grid is laid on the current frame
TRIM = 0.2  # share of the worst points left out of the refitted homography
# A jump from one picture to another (a cut, a slideshow of stills) is a break: the
# tracker follows it, or half does, and the residual it leaves must not count as a turn.
# Points lost in one step, a turn faster than a neck turns, or a step of the turn far
# larger than the steps either side of it (a head speeds up and slows down; a cut does
# not) mark it; a new chain starts there.
MAX_LOST = 0.5  # share of a chain's points lost between two frames
MAX_TURN_RATE = 2.5  # signed yaw per second (a ±30° turn is about ±0.35)
JUMP = 0.12  # a step of signed yaw at least this large...
JUMP_RATIO = 3.0  # ...turning this many times faster than the steps either side: a cut
SUSTAIN = 3  # consecutive frames of one chain the parallax must hold over
# What a frame keeps: a grey crop around the face, block-averaged so that the face box is
# at most MAX_FACE px (the patch and search sizes are set for faces of about 130 px).
MAX_FACE = 160
CROP_MARGIN = 0.5  # of the box's width and height, kept on each side of it


@dataclass(frozen=True)
class FaceFrame:
    """One sampled frame as the check keeps it: grey levels of a crop around the face
    (``H×W`` uint8, at most about ``(1 + 2·CROP_MARGIN)·MAX_FACE`` px a side, whatever the
    video's size), the five landmarks (eye corners 0–3, nose base 4) and the face box
    ``(x, y, width, height)``, both in the crop's pixels. Each frame has its own crop and
    scale: a similarity between frames, which the homographies absorb."""

    time: float
    grey: Any
    landmarks: tuple[tuple[float, float], ...]
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class Motion:
    """What the frames show: how far from one plane the face's points moved (the trimmed
    RMS residual of one homography, over the inter-ocular distance, that ``SUSTAIN``
    consecutive frames of one unbroken chain all reach; the largest such), how far the
    head turned each way (``signed_yaw``), how many frames were measured, and how many
    breaks (jumps between pictures) were found."""

    planar_residual: float
    yaw_min: float
    yaw_max: float
    frames: int
    points: int  # tracked points the residual rests on, at its frame
    breaks: int = 0


def face_frame(time: float, image: Any, detection: Detection) -> FaceFrame:
    """A frame as ``measure`` reads it: a grey crop around the face, block-averaged to a
    face of at most ``MAX_FACE`` px, and the landmarks and box in the crop's pixels. A 4K
    frame (25 MB in colour) keeps about 100 kB."""
    import numpy as np

    box = detection.box
    rows, cols = image.shape[:2]
    factor = max(1, -(-max(box.width, box.height) // MAX_FACE))  # ceiling division
    x0 = min(max(0, round(box.x - CROP_MARGIN * box.width)), cols - 1)
    y0 = min(max(0, round(box.y - CROP_MARGIN * box.height)), rows - 1)
    x1 = max(min(cols, round(box.x + (1 + CROP_MARGIN) * box.width)), x0 + factor)
    y1 = max(min(rows, round(box.y + (1 + CROP_MARGIN) * box.height)), y0 + factor)
    x1 -= (x1 - x0) % factor
    y1 -= (y1 - y0) % factor
    grey = np.asarray(image[y0:y1, x0:x1], dtype=np.float32).mean(axis=2)
    height, width = grey.shape[0] // factor, grey.shape[1] // factor
    grey = grey.reshape(height, factor, width, factor).mean(axis=(1, 3))

    def small(x: float, y: float) -> tuple[float, float]:
        # a kept pixel averages `factor` source pixels: its centre is (factor - 1) / 2 in
        return (x - x0 - (factor - 1) / 2) / factor, (y - y0 - (factor - 1) / 2) / factor

    left, top = small(box.x, box.y)
    return FaceFrame(
        time=time,
        grey=np.round(grey).astype(np.uint8),
        landmarks=tuple(small(x, y) for x, y in landmark_points(detection.landmarks)),
        box=(round(left), round(top), round(box.width / factor), round(box.height / factor)),
    )


def landmark_points(shape: Any) -> tuple[tuple[float, float], ...]:
    """The five (x, y) points of a dlib ``full_object_detection``."""
    return tuple((float(shape.part(i).x), float(shape.part(i).y)) for i in range(5))


def signed_yaw(landmarks: Sequence[tuple[float, float]]) -> float:
    """Where the nose base sits along the eye line, from one eye (−1) to the other (+1);
    0 is frontal. Its sign says which way the head is turned."""
    import numpy as np

    p = np.asarray(landmarks, dtype=float)
    eye_a, eye_b = p[0:2].mean(axis=0), p[2:4].mean(axis=0)
    half = float(np.linalg.norm(eye_b - eye_a)) / 2
    if half == 0:
        return 0.0
    along = (eye_b - eye_a) / (2 * half)
    return float((p[4] - (eye_a + eye_b) / 2) @ along) / half


def eye_distance(landmarks: Sequence[tuple[float, float]]) -> float:
    import numpy as np

    p = np.asarray(landmarks, dtype=float)
    return float(np.linalg.norm(p[0:2].mean(axis=0) - p[2:4].mean(axis=0)))


def fit_homography(source: Any, target: Any) -> Any:
    """The 3×3 homography taking ``source`` (N×2) to ``target`` in the least-squares sense
    (normalised DLT: Hartley and Zisserman, Multiple View Geometry, algorithm 4.2)."""
    import numpy as np

    def normaliser(points: Any) -> Any:
        centre = points.mean(axis=0)
        spread = np.sqrt(((points - centre) ** 2).sum(axis=1)).mean() or 1.0
        s = np.sqrt(2) / spread
        return np.array([[s, 0, -s * centre[0]], [0, s, -s * centre[1]], [0, 0, 1]])

    ts, tt = normaliser(source), normaliser(target)
    a = (ts @ np.c_[source, np.ones(len(source))].T).T
    b = (tt @ np.c_[target, np.ones(len(target))].T).T
    rows = []
    for (x, y, _), (u, v, _) in zip(a, b, strict=True):
        rows.append([-x, -y, -1, 0, 0, 0, u * x, u * y, u])
        rows.append([0, 0, 0, -x, -y, -1, v * x, v * y, v])
    _, _, vt = np.linalg.svd(np.asarray(rows))
    return np.linalg.inv(tt) @ vt[-1].reshape(3, 3) @ ts


def apply_homography(matrix: Any, points: Any) -> Any:
    import numpy as np

    mapped = (matrix @ np.c_[points, np.ones(len(points))].T).T
    return mapped[:, :2] / mapped[:, 2:3]


def planar_residual(source: Any, target: Any) -> float:
    """RMS distance (pixels) between ``target`` and ``source`` mapped by one homography,
    fitted twice: on all points, then without the worst ``TRIM`` share (a point that the
    tracker lost to glare or moiré must not pass for parallax)."""
    import numpy as np

    matrix = fit_homography(source, target)
    errors = np.linalg.norm(apply_homography(matrix, source) - target, axis=1)
    keep = np.argsort(errors)[: max(8, int(len(errors) * (1 - TRIM)))]
    matrix = fit_homography(source[keep], target[keep])
    errors = np.linalg.norm(apply_homography(matrix, source[keep]) - target[keep], axis=1)
    return float(np.sqrt((errors**2).mean()))


def measure(frames: Sequence[FaceFrame]) -> Motion:
    """Track points over the face through ``frames`` (in time order) and measure how far
    their motion is from one plane's, and how far the head turned.

    A frame that jumps from the one before (over ``MAX_LOST`` of the points lost in one
    step, too few left, or a turn faster than ``MAX_TURN_RATE``) is a break: it counts
    for nothing and a new chain starts on it. Within a chain the parallax must hold over
    ``SUSTAIN`` consecutive frames (the smallest of them counts), so no single frame,
    however badly tracked, makes a flat picture pass."""
    yaws = [signed_yaw(f.landmarks) for f in frames]
    cuts = _cuts(frames, yaws)
    best, best_points, breaks = 0.0, 0, 0
    chain: _Chain | None = None
    previous: FaceFrame | None = None
    run: list[tuple[float, int]] = []  # the current chain's residuals, in frame order
    for index, frame in enumerate(frames):
        if chain is not None and previous is not None:
            before = len(chain.points)
            chain = chain.follow(previous, frame)
            lost = 1 - len(chain.points) / max(before, 1)
            if len(chain.points) < MIN_POINTS or lost > MAX_LOST or index in cuts:
                breaks += 1
                chain = None
        if chain is None:
            chain, run = _Chain.start(frame), []
        else:
            residual = planar_residual(chain.points, chain.found)
            run.append((residual / max(eye_distance(frame.landmarks), 1.0), len(chain.points)))
            if len(run) >= SUSTAIN:
                held, points = min(run[-SUSTAIN:])
                if held > best:
                    best, best_points = held, points
        previous = frame
    return Motion(
        planar_residual=best,
        yaw_min=min(yaws, default=0.0),
        yaw_max=max(yaws, default=0.0),
        frames=len(frames),
        points=best_points,
        breaks=breaks,
    )


def _cuts(frames: Sequence[FaceFrame], yaws: Sequence[float]) -> set[int]:
    """Frames the head could not have turned to from the frame before: faster than
    ``MAX_TURN_RATE``, or a step of at least ``JUMP`` made ``JUMP_RATIO`` times faster
    than the steps before and after it."""
    rates = [
        abs(yaws[i] - yaws[i - 1]) / max(frames[i].time - frames[i - 1].time, 1e-3)
        for i in range(1, len(frames))
    ]
    cuts = set()
    for k, rate in enumerate(rates):
        around = rates[max(k - 1, 0) : k] + rates[k + 1 : k + 2]
        jump = abs(yaws[k + 1] - yaws[k]) >= JUMP and bool(around)
        if rate > MAX_TURN_RATE or (jump and rate > JUMP_RATIO * max(around)):
            cuts.add(k + 1)
    return cuts


@dataclass(frozen=True)
class _Chain:
    """Points laid on one frame (``origin``), where they are now, and the homography that
    best maps them there. Each point is looked for with its patch from the origin frame,
    warped by that homography: a plane's points are then found without drift, however
    long the chain, while a head's points show their parallax as offsets."""

    origin: Any  # the grey pixels of the first frame
    points: Any  # N×2, on the origin frame
    found: Any  # N×2, on the latest frame
    homography: Any  # origin → latest frame

    @staticmethod
    def start(frame: FaceFrame) -> _Chain:
        import numpy as np

        points = _grid(frame)
        return _Chain(frame.grey, points, points.copy(), np.eye(3))

    def follow(self, previous: FaceFrame, frame: FaceFrame) -> _Chain:
        predicted = _landmark_motion(previous, frame) @ self.homography
        found, alive = _track(self.origin, frame.grey, self.points, predicted)
        points, found = self.points[alive], found[alive]
        if len(points) < MIN_POINTS:
            return _Chain(self.origin, points, found, predicted)
        return _Chain(self.origin, points, found, fit_homography(points, found))


def _landmark_motion(previous: FaceFrame, frame: FaceFrame) -> Any:
    """An affine map of the previous frame's landmarks onto this frame's (a 3×3 matrix):
    where to look for each tracked point."""
    import numpy as np

    a = np.asarray(previous.landmarks, dtype=float)
    b = np.asarray(frame.landmarks, dtype=float)
    solution, *_ = np.linalg.lstsq(np.c_[a, np.ones(len(a))], b, rcond=None)
    return np.vstack([solution.T, [0.0, 0.0, 1.0]])


def _grid(frame: FaceFrame) -> Any:
    """Textured points on a grid over the inner face box (its edges are background)."""
    import numpy as np

    x, y, width, height = frame.box
    xs = np.linspace(x + 0.15 * width, x + 0.85 * width, GRID)
    ys = np.linspace(y + 0.1 * height, y + 0.9 * height, GRID)
    points = np.array([(px, py) for py in ys for px in xs])
    rows, cols = frame.grey.shape
    margin = PATCH + SEARCH + 2
    inside = (
        (points[:, 0] >= margin)
        & (points[:, 0] < cols - margin)
        & (points[:, 1] >= margin)
        & (points[:, 1] < rows - margin)
    )
    points = points[inside]
    textured = [float(_patch(frame.grey, px, py, PATCH).std()) >= MIN_TEXTURE for px, py in points]
    return points[np.asarray(textured, dtype=bool)]


def _patch(grey: Any, x: float, y: float, half: int) -> Any:
    cx, cy = round(x), round(y)
    return grey[cy - half : cy + half + 1, cx - half : cx + half + 1]


def _track(origin: Any, current: Any, points: Any, homography: Any) -> tuple[Any, Any]:
    """Where each point of the ``origin`` frame is in ``current``: its patch, warped by
    ``homography`` (the prediction), is matched by normalised cross-correlation within
    ``SEARCH`` pixels of where the homography puts it, to a fraction of a pixel (a
    parabola through the peak). Returns the places and which points were found."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    rows, cols = current.shape
    margin = PATCH + SEARCH + 2
    predicted = apply_homography(homography, points)
    found = np.array(predicted, dtype=float)
    alive = np.zeros(len(points), dtype=bool)
    inverse = np.linalg.inv(homography)
    steps = np.arange(-PATCH, PATCH + 1, dtype=float)
    for i, (qx, qy) in enumerate(predicted):
        if not (margin <= qx < cols - margin and margin <= qy < rows - margin):
            continue
        cx, cy = round(qx), round(qy)
        gx, gy = np.meshgrid(cx + steps, cy + steps)
        back = apply_homography(inverse, np.c_[gx.ravel(), gy.ravel()])
        template = _bilinear(origin, back).reshape(gx.shape)
        t = template - template.mean()
        if not np.isfinite(t).all() or float(t.std()) < MIN_TEXTURE:
            continue
        region = current[cy - margin + 2 : cy + margin - 1, cx - margin + 2 : cx + margin - 1]
        windows = sliding_window_view(region, gx.shape)
        w = windows - windows.mean(axis=(2, 3), keepdims=True)
        denominator = np.sqrt((w**2).sum(axis=(2, 3)) * (t**2).sum()) + 1e-9
        score = (w * t).sum(axis=(2, 3)) / denominator
        dy, dx = np.unravel_index(int(np.argmax(score)), score.shape)
        if score[dy, dx] < MIN_CORRELATION:
            continue
        fx = dx + _peak(score[dy, dx - 1 : dx + 2]) if 0 < dx < score.shape[1] - 1 else dx
        fy = dy + _peak(score[dy - 1 : dy + 2, dx]) if 0 < dy < score.shape[0] - 1 else dy
        found[i] = (cx + fx - SEARCH, cy + fy - SEARCH)
        alive[i] = True
    return found, alive


def _bilinear(grey: Any, points: Any) -> Any:
    """Grey values at fractional (x, y) places; NaN outside the image."""
    import numpy as np

    rows, cols = grey.shape
    x, y = points[:, 0], points[:, 1]
    inside = (x >= 0) & (x <= cols - 1) & (y >= 0) & (y <= rows - 1)
    x0 = np.clip(np.floor(x).astype(int), 0, cols - 2)
    y0 = np.clip(np.floor(y).astype(int), 0, rows - 2)
    fx, fy = np.clip(x - x0, 0, 1), np.clip(y - y0, 0, 1)
    top = grey[y0, x0] * (1 - fx) + grey[y0, x0 + 1] * fx
    bottom = grey[y0 + 1, x0] * (1 - fx) + grey[y0 + 1, x0 + 1] * fx
    return np.where(inside, top * (1 - fy) + bottom * fy, np.nan)


def _peak(values: Any) -> float:
    """Sub-pixel offset of a peak from three samples around it (a parabola's vertex)."""
    left, centre, right = (float(v) for v in values)
    curvature = left - 2 * centre + right
    return 0.0 if curvature >= 0 else 0.5 * (left - right) / curvature
