"""Enrolment videos made from one packaged photo, for the liveness check.

No registry package ships a video of a real head turning (none was found; see
docs/recognition.md), so three kinds of clip are made from a still photograph:

- ``still_clip``: the photo, unchanged but for camera noise — a still image held up.
- ``replayed_clip``: the photo on a card or screen that is tilted about every axis,
  rotated, moved and seen in perspective, with moiré (a screen's pixel grid beating
  with the camera's) and a moving glare — a replay of a still, held to the camera.
- ``turning_clip``: the photo as the texture of a depth model built from its landmarks
  (an ellipsoid head, a nose ridge from between the eyes to the nose base), turned
  about the vertical axis and projected in perspective, while the background stays.
- ``slideshow_clip``: stills of that model turned frontal, one way, the other way and
  frontal again, each held, cut from one to the next — three photographs of a head at
  different angles shown one after another.

What they can show: that the check separates a plane's motion from the motion of points
at different depths, on real photographic texture, through H.264 and dlib. What they
cannot show: that a real head is accepted (its texture changes as it turns: ears,
occlusion, lighting), or that a 3D mask, a deformable screen or a face-swap video is
refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

FPS = 10
SIZE = (480, 360)  # width, height of every clip


def _photo(path: Path) -> tuple[Any, Any]:
    """The photo scaled so that the face is about 130 px wide, and its 5 landmarks."""
    import numpy as np
    from PIL import Image

    from likeness.recognition.dlib_face import DlibFaceEncoder

    with Image.open(path) as opened:
        picture = opened.convert("RGB")
    encoder = DlibFaceEncoder()
    [found] = encoder.detect(np.asarray(picture))
    scale = 130 / found.box.width
    picture = picture.resize((round(picture.width * scale), round(picture.height * scale)))
    image = np.asarray(picture)
    [found] = encoder.detect(image)
    points = np.array([[found.landmarks.part(i).x, found.landmarks.part(i).y] for i in range(5)])
    return image.astype(np.float32), points.astype(float)


def _crop(image: Any, centre: Any) -> Any:
    """A ``SIZE`` window of ``image`` centred on ``centre`` (edge pixels repeated)."""
    import numpy as np

    width, height = SIZE
    x0, y0 = int(centre[0]) - width // 2, int(centre[1]) - height // 2
    ys = np.clip(np.arange(y0, y0 + height), 0, image.shape[0] - 1)
    xs = np.clip(np.arange(x0, x0 + width), 0, image.shape[1] - 1)
    return image[np.ix_(ys, xs)]


def _write(out: Path, frames: list[Any]) -> Path:
    import av
    import numpy as np

    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "20"}
        for frame in frames:
            picture = np.clip(frame, 0, 255).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out


def still_clip(out: Path, photo: Path, *, seconds: float = 3.0, seed: int = 1) -> Path:
    import numpy as np

    image, points = _photo(photo)
    still = _crop(image, points.mean(axis=0))
    rng = np.random.default_rng(seed)
    count = int(seconds * FPS)
    return _write(out, [still + rng.normal(0, 2.5, still.shape) for _ in range(count)])


def replayed_clip(out: Path, photo: Path, *, seconds: float = 3.0, seed: int = 2) -> Path:
    """The photo on a card 1.1 focal lengths from the camera, swung ±45° about the
    vertical, ±20° about the horizontal and ±12° in the image plane, moved about."""
    import numpy as np

    image, points = _photo(photo)
    card = _crop(image, points.mean(axis=0))[20:340, 80:400]  # 320 × 320 around the face
    rng = np.random.default_rng(seed)
    count, focal = int(seconds * FPS), 420.0
    frames = []
    for k in range(count):
        t = 2 * np.pi * k / count
        homography = _card_homography(
            card.shape,
            yaw=np.radians(45) * np.sin(t),
            pitch=np.radians(20) * np.sin(2 * t + 1),
            roll=np.radians(12) * np.sin(t + 0.5),
            distance=1.1 * focal * (1 + 0.15 * np.cos(t)),
            focal=focal,
            shift=(30 * np.sin(t), 10 * np.cos(t)),
        )
        seen = _warp(card * _moire(card.shape, k) + _glare(card.shape, k, count), homography)
        frames.append(seen + rng.normal(0, 3, seen.shape))
    return _write(out, frames)


def _card_homography(
    shape: tuple[int, ...],
    *,
    yaw: float,
    pitch: float,
    roll: float,
    distance: float,
    focal: float,
    shift: tuple[float, float],
) -> Any:
    import numpy as np

    def rotation(axis: int, angle: float) -> Any:
        c, s = np.cos(angle), np.sin(angle)
        i, j = [(1, 2), (0, 2), (0, 1)][axis]
        r = np.eye(3)
        r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
        return r

    r = rotation(2, roll) @ rotation(0, pitch) @ rotation(1, yaw)
    width, height = SIZE
    camera = np.array(
        [[focal, 0, width / 2 + shift[0]], [0, focal, height / 2 + shift[1]], [0, 0, 1]]
    )
    plane = np.c_[r[:, 0], r[:, 1], [0, 0, distance]]
    centred = np.array([[1, 0, -shape[1] / 2], [0, 1, -shape[0] / 2], [0, 0, 1]])
    return camera @ plane @ centred


def _warp(card: Any, homography: Any) -> Any:
    import numpy as np
    from scipy.ndimage import map_coordinates

    width, height = SIZE
    ys, xs = np.mgrid[0:height, 0:width].astype(float)
    back = np.linalg.inv(homography) @ np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])
    u, v = (back[0] / back[2]).reshape(ys.shape), (back[1] / back[2]).reshape(ys.shape)
    channels = [map_coordinates(card[..., c], [v, u], order=1, cval=50.0) for c in range(3)]
    return np.stack(channels, axis=-1)


def _moire(shape: tuple[int, ...], k: int) -> Any:
    """A screen's grid beating with the sensor's: two fine gratings, slightly rotated."""
    import numpy as np

    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(float)
    a = np.cos(2 * np.pi * (xs * 0.31 + ys * 0.02))
    b = np.cos(2 * np.pi * (xs * 0.29 - ys * 0.03 + k * 0.05))
    return (1 + 0.06 * a * b)[..., None]


def _glare(shape: tuple[int, ...], k: int, count: int) -> Any:
    import numpy as np

    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(float)
    cx, cy = shape[1] * (0.2 + 0.6 * k / count), shape[0] * 0.3
    return (90 * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * 35.0**2)))[..., None]


def turning_clip(out: Path, photo: Path, *, seconds: float = 3.0, degrees: float = 28.0) -> Path:
    """The head turns from frontal to ``degrees`` one way, to ``degrees`` the other, and
    back, once over ``seconds``."""
    import numpy as np

    image, points = _photo(photo)
    model = _HeadModel(image, points)
    count = int(seconds * FPS)
    angles = [np.radians(degrees) * np.sin(2 * np.pi * k / count) for k in range(count)]
    centre = points.mean(axis=0)
    return _write(out, [_crop(model.render(angle), centre) for angle in angles])


class _HeadModel:
    """A depth for every pixel of the photo: an ellipsoid over the head (1.25 × 1.9 eye
    distances in radius, 1.1 deep) plus a nose ridge 0.45 eye distances high, growing
    from between the eyes to the nose base; the background has no depth and stays."""

    def __init__(self, image: Any, points: Any) -> None:
        import numpy as np
        from scipy.ndimage import gaussian_filter

        self.image = image
        eyes, nose = points[:4].mean(axis=0), points[4]
        self.eye = float(np.linalg.norm(points[0:2].mean(axis=0) - points[2:4].mean(axis=0)))
        self.cx, self.cy = eyes[0], (eyes[1] + nose[1]) / 2
        height, width = image.shape[:2]
        self.ys, self.xs = np.mgrid[0:height, 0:width].astype(float)
        u = (self.xs - self.cx) / (1.25 * self.eye)
        v = (self.ys - self.cy) / (1.9 * self.eye)
        head = 1.1 * self.eye * np.sqrt(np.clip(1 - u * u - v * v, 0, None))
        rise = np.clip((self.ys - eyes[1]) / max(nose[1] - eyes[1], 1.0), 0, 1.15)
        along = (self.ys > eyes[1] - 0.1 * self.eye) & (self.ys < nose[1] + 0.15 * self.eye)
        ridge = 0.45 * self.eye * np.exp(-(((self.xs - self.cx) / (0.22 * self.eye)) ** 2))
        self.depth = head + gaussian_filter(np.where(along, ridge * rise, 0.0), 2)
        self.focal = 6.0 * width

    def _forward(self, x: Any, y: Any, angle: float) -> tuple[Any, Any]:
        """Where the surface point seen at (x, y) in the photo is seen after the turn."""
        import numpy as np
        from scipy.ndimage import map_coordinates

        z = map_coordinates(self.depth, [y, x], order=1, mode="nearest")
        pivot = 0.6 * self.eye  # the neck: behind the face
        dx, dz = x - self.cx, z - pivot
        x2 = dx * np.cos(angle) + dz * np.sin(angle)
        z2 = -dx * np.sin(angle) + dz * np.cos(angle)
        scale = self.focal / (self.focal - z2)
        moves = np.clip(z / (0.25 * self.eye), 0, 1)  # the head moves, the room does not
        return x + moves * (self.cx + x2 * scale - x), y + moves * (
            self.cy + (y - self.cy) * scale - y
        )

    def render(self, angle: float) -> Any:
        """The turned head: each output pixel's source found by fixed-point iteration."""
        import numpy as np
        from scipy.ndimage import map_coordinates

        x, y = self.xs.copy(), self.ys.copy()
        for _ in range(12):
            fx, fy = self._forward(x, y, angle)
            x += 0.8 * (self.xs - fx)
            y += 0.8 * (self.ys - fy)
        channels = [map_coordinates(self.image[..., c], [y, x], order=1) for c in range(3)]
        return np.stack(channels, axis=-1)


def slideshow_clip(
    out: Path, photo: Path, *, degrees: float = 28.0, hold: float = 1.0, seed: int = 3
) -> Path:
    """Stills of the depth model at 0°, −``degrees``, +``degrees`` and 0°, each held
    ``hold`` seconds with camera noise only, cut from one to the next (no motion between)."""
    import numpy as np

    image, points = _photo(photo)
    model = _HeadModel(image, points)
    centre = points.mean(axis=0)
    rng = np.random.default_rng(seed)
    frames = []
    for angle in (0.0, -degrees, degrees, 0.0):
        still = _crop(model.render(np.radians(angle)), centre)
        frames += [still + rng.normal(0, 2.5, still.shape) for _ in range(round(hold * FPS))]
    return _write(out, frames)


def upscaled_clip(out: Path, clip: Path, *, size: tuple[int, int] = (3840, 2160)) -> Path:
    """``clip`` resized (bilinear) and letterboxed to ``size``: the same scene as a 4K
    camera would send it, the face about 8 times as many pixels wide."""
    import av
    import numpy as np
    from PIL import Image

    width, height = size
    with av.open(str(clip)) as source:
        frames = [f.to_ndarray(format="rgb24") for f in source.decode(video=0)]
    scale = min(width / SIZE[0], height / SIZE[1])
    inner = (round(SIZE[0] * scale), round(SIZE[1] * scale))
    left, top = (width - inner[0]) // 2, (height - inner[1]) // 2
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "23"}
        for frame in frames:
            canvas = np.zeros((height, width, 3), dtype=np.uint8)
            big = Image.fromarray(frame).resize(inner, Image.Resampling.BILINEAR)
            canvas[top : top + inner[1], left : left + inner[0]] = np.asarray(big)
            for packet in stream.encode(av.VideoFrame.from_ndarray(canvas, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out
