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


@dataclass(frozen=True)
class FaceFrame:
    """One sampled frame: its grey levels (``H×W`` uint8 array), the five landmarks (eye
    corners 0–3, nose base 4) and the face box ``(x, y, width, height)``."""

    time: float
    grey: Any
    landmarks: tuple[tuple[float, float], ...]
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class Motion:
    """What the frames show: how far from one plane the face's points moved (the largest
    trimmed RMS residual of one homography, over the inter-ocular distance), how far the
    head turned each way (``signed_yaw``), and how many frames were measured."""

    planar_residual: float
    yaw_min: float
    yaw_max: float
    frames: int
    points: int  # tracked points the residual rests on, at its frame


def face_frame(time: float, image: Any, detection: Detection) -> FaceFrame:
    """A frame as ``measure`` reads it: grey levels, the face's landmarks and box."""
    import numpy as np

    box = detection.box
    return FaceFrame(
        time=time,
        grey=np.asarray(image, dtype=np.float32).mean(axis=2).astype(np.uint8),
        landmarks=landmark_points(detection.landmarks),
        box=(box.x, box.y, box.width, box.height),
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
    their motion is from one plane's, and how far the head turned."""
    yaws = [signed_yaw(f.landmarks) for f in frames]
    worst, worst_points = 0.0, 0
    chain: _Chain | None = None
    previous: FaceFrame | None = None
    for frame in frames:
        if chain is not None and previous is not None:
            chain = chain.follow(previous, frame)
        if chain is None or len(chain.points) < MIN_POINTS:
            chain = _Chain.start(frame)
        else:
            residual = planar_residual(chain.points, chain.found)
            residual /= max(eye_distance(frame.landmarks), 1.0)
            if residual > worst:
                worst, worst_points = residual, len(chain.points)
        previous = frame
    return Motion(
        planar_residual=worst,
        yaw_min=min(yaws, default=0.0),
        yaw_max=max(yaws, default=0.0),
        frames=len(frames),
        points=worst_points,
    )


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
