"""A deterministic 1080p30 clip of real-looking motion for the scan benchmark (issue 17).

Real face photos (the 30 faces of tests/assets/faces, cut out with a soft oval) move on
curved paths while growing or shrinking, over textured backgrounds that pan, with
hand-held camera shake and per-frame film grain; a cut every 8 s, 3 faces per shot and
a fourth that walks in from the edge in the middle of every other shot. Encoded in one pass into

- ``clip.mp4``: H.264, x264 preset medium, a keyframe at least every 250 frames,
  3 B-frames, 10 Mbit/s average (long-GOP, as footage is shot and streamed);
- ``clip-intra.avi``: MJPEG at 80 Mbit/s, every frame a keyframe (how deliverables
  often arrive);

plus 1-second cuts of both (the scan's fixed start-up is measured on them) and
``truth.json``: each face's shot, first and last fully visible second. Same seed, same
bytes; cached under ``bench/.cache`` (git-ignored) by a key of the parameters.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FACES = Path(__file__).resolve().parents[1] / "tests" / "assets" / "faces"
CACHE = Path(__file__).resolve().parent / ".cache"
W, H, FPS = 1920, 1080, 30
SHOT_S = 8  # a cut every 8 s
VERSION = 1  # bump when the clip's content changes


@dataclass(frozen=True)
class Clips:
    long_gop: Path
    intra: Path
    long_gop_1s: Path
    intra_1s: Path
    truth: Path
    mbps: float
    intra_mbps: float


def clips(seconds: int = 40, seed: int = 17) -> Clips:
    """The clips for ``seconds`` of video, made once and cached."""
    key = hashlib.sha256(f"v{VERSION};{seconds};{seed}".encode()).hexdigest()[:12]
    folder = CACHE / f"scan-{key}"
    made = Clips(
        long_gop=folder / "clip.mp4",
        intra=folder / "clip-intra.avi",
        long_gop_1s=folder / "cut.mp4",
        intra_1s=folder / "cut-intra.avi",
        truth=folder / "truth.json",
        mbps=0.0,
        intra_mbps=0.0,
    )
    if not made.truth.exists():
        folder.mkdir(parents=True, exist_ok=True)
        truth = _render(made, seconds, seed)
        made.truth.write_text(json.dumps(truth, indent=1))
    return Clips(
        made.long_gop,
        made.intra,
        made.long_gop_1s,
        made.intra_1s,
        made.truth,
        _mbps(made.long_gop, seconds),
        _mbps(made.intra, seconds),
    )


def _mbps(path: Path, seconds: float) -> float:
    return path.stat().st_size * 8 / seconds / 1e6


# Every face dlib's HOG detector finds (upsample 1, on a copy of at most 1600 px, boxes
# of 60 px and more) in the packaged photos: (photo, x, y, width, height). Written out so
# that the clip does not change when the detector does.
FACE_BOXES = [
    ("biden.jpg", 433, 230, 308, 307),
    ("friends_t1.jpg", 1118, 283, 108, 107),
    ("friends_t1.jpg", 67, 283, 108, 107),
    ("friends_t1.jpg", 724, 367, 108, 107),
    ("friends_t1.jpg", 450, 295, 107, 107),
    ("friends_t1.jpg", 870, 67, 129, 129),
    ("friends_t1.jpg", 275, 176, 89, 89),
    ("obama.jpg", 349, 142, 268, 267),
    ("obama2.jpg", 171, 290, 267, 268),
    ("obama3.jpg", 653, 323, 271, 270),
    ("sample1.jpg", 364, 364, 222, 224),
    ("sample1.jpg", 1459, 242, 186, 185),
    ("sample1.jpg", 840, 469, 186, 186),
    ("sample1.jpg", 1488, 580, 108, 108),
    ("sample2.jpg", 1429, 192, 223, 222),
    ("sample3.jpg", 562, 364, 224, 224),
    ("sample3.jpg", 1478, 340, 223, 222),
    ("sample3.jpg", 1032, 230, 267, 268),
    ("sample4.jpg", 1232, 200, 186, 186),
    ("sample4.jpg", 933, 192, 223, 222),
    ("sample4.jpg", 633, 117, 186, 186),
    ("sample5.jpg", 364, 934, 222, 224),
    ("sample5.jpg", 613, 448, 186, 185),
    ("sample5.jpg", 1087, 242, 186, 185),
    ("sample5.jpg", 777, 139, 186, 185),
    ("sample5.jpg", 1380, 439, 223, 223),
    ("sample6.jpg", 1156, 364, 224, 224),
    ("sample6.jpg", 637, 364, 222, 224),
    ("sample6.jpg", 265, 538, 223, 222),
    ("sample6.jpg", 1454, 315, 223, 223),
]


def face_cutouts() -> list[Any]:
    """Each face of FACE_BOXES cut out with a margin as RGBA with a soft oval alpha (no
    hard edge for the detector to latch on to)."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    cutouts = []
    for name, x, y, width, height in FACE_BOXES:
        with Image.open(FACES / name) as photo:
            rgb = np.asarray(photo.convert("RGB"))
        cx, cy = x + width // 2, y + height // 2
        half = int(width * 0.95)
        left, top = max(0, cx - half), max(0, cy - int(half * 1.15))
        right, bottom = min(rgb.shape[1], cx + half), min(rgb.shape[0], cy + int(half * 1.1))
        crop = Image.fromarray(rgb[top:bottom, left:right])
        mask = Image.new("L", crop.size, 0)
        inset = max(2, crop.width // 14)
        oval = (inset, inset, crop.width - inset, crop.height - inset)
        ImageDraw.Draw(mask).ellipse(oval, fill=255)
        crop.putalpha(mask.filter(ImageFilter.GaussianBlur(inset)))
        cutouts.append(crop)
    return cutouts


def _texture(rng: Any, width: int, height: int) -> Any:
    """Coloured noise at three scales plus stripes: detail at every frequency to pan."""
    import numpy as np
    from PIL import Image

    out = np.zeros((height, width, 3), np.float32)
    for cells, weight in ((12, 90.0), (60, 45.0), (300, 25.0)):
        small = rng.uniform(0, 255, (cells * height // width + 1, cells, 3)).astype(np.uint8)
        big = Image.fromarray(small).resize((width, height), Image.Resampling.BICUBIC)
        out += (np.asarray(big, np.float32) - 128) * weight / 128
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    stripes = np.sin((xx * np.cos(angle) + yy * np.sin(angle)) / rng.uniform(6, 20))
    out += stripes[..., None] * 18
    out += rng.uniform(70, 170, 3).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


@dataclass
class _Actor:
    face: int  # index into the cutouts
    start: float  # seconds into the shot when it is first fully visible
    end: float
    path: tuple[float, float, float, float, float]  # x0, y0, vx, vy, wobble phase
    size: tuple[float, float]  # face width in px at the start and end of its time
    enters_from: float  # > 0: walks in from the right edge during this many seconds


def _shot_actors(rng: Any, faces: list[int], shot: int) -> list[_Actor]:
    actors = []
    for slot, face in enumerate(faces[:3]):
        x0 = 250 + slot * 620 + rng.uniform(-60, 60)
        y0 = rng.uniform(260, 640)
        actors.append(
            _Actor(
                face,
                0.0,
                float(SHOT_S),
                (x0, y0, rng.uniform(-25, 25), rng.uniform(-15, 15), rng.uniform(0, 6.28)),
                (rng.uniform(170, 260), rng.uniform(170, 300)),
                0.0,
            )
        )
    if shot % 2 == 1:  # a fourth face walks in mid-shot and stays
        actors.append(
            _Actor(
                faces[3],
                3.3 + rng.uniform(0, 0.4),
                float(SHOT_S),
                (1500, rng.uniform(300, 600), -40, 0, 0),
                (200, 240),
                1.2,
            )
        )
    return actors


def _render(out: Clips, seconds: int, seed: int) -> list[dict[str, Any]]:
    import av
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    cutouts = face_cutouts()
    order = rng.permutation(len(cutouts))
    margin = 120
    truth: list[dict[str, Any]] = []
    containers = [
        av.open(str(out.long_gop), "w"),
        av.open(str(out.intra), "w"),
        av.open(str(out.long_gop_1s), "w"),
        av.open(str(out.intra_1s), "w"),
    ]
    streams = [
        _h264(containers[0]),
        _mjpeg(containers[1]),
        _h264(containers[2]),
        _mjpeg(containers[3]),
    ]
    shots = -(-seconds // SHOT_S)
    used = 0
    for shot in range(shots):
        faces = [int(order[(used + k) % len(order)]) for k in range(4)]
        used += 4
        actors = _shot_actors(rng, faces, shot)
        texture = _texture(rng, W + 2 * margin + 8 * SHOT_S * FPS, H + 2 * margin)
        shake = np.cumsum(rng.normal(0, 1.6, (SHOT_S * FPS, 2)), axis=0)
        shake = np.clip(shake - shake.mean(axis=0), -margin + 8, margin - 8)
        for actor in actors:
            begin = shot * SHOT_S + actor.start
            finish = min(shot * SHOT_S + actor.end, seconds) - 1 / FPS
            if begin < seconds:
                truth.append({"face": actor.face, "shot": shot, "start": begin, "end": finish})
        for f in range(SHOT_S * FPS):
            index = shot * SHOT_S * FPS + f
            if index >= seconds * FPS:
                break
            t = f / FPS
            dx, dy = int(shake[f, 0]), int(shake[f, 1])
            left = margin + 6 * f + dx
            canvas = Image.fromarray(texture[margin + dy : margin + dy + H, left : left + W])
            for actor in actors:
                _place(canvas, cutouts[actor.face], actor, t, dx, dy)
            pixels = np.asarray(canvas, np.int16)
            grain = rng.normal(0, 7, (H, W, 1)).astype(np.int16)
            frame = np.clip(pixels + grain, 0, 255).astype(np.uint8)
            video = av.VideoFrame.from_ndarray(frame, format="rgb24")
            targets = (0, 1, 2, 3) if index < FPS else (0, 1)
            for target in targets:
                for packet in streams[target].encode(video):
                    containers[target].mux(packet)
    for stream, container in zip(streams, containers, strict=True):
        for packet in stream.encode():
            container.mux(packet)
        container.close()
    return truth


def _place(canvas: Any, cutout: Any, actor: _Actor, t: float, dx: int, dy: int) -> None:
    import math

    if t < actor.start - actor.enters_from or t >= actor.end:
        return
    span = max(actor.end - actor.start, 1e-6)
    progress = min(max((t - actor.start) / span, 0.0), 1.0)
    width = actor.size[0] + (actor.size[1] - actor.size[0]) * progress
    x0, y0, vx, vy, phase = actor.path
    x = x0 + vx * t + 40 * math.sin(1.3 * t + phase)
    y = y0 + vy * t + 25 * math.sin(0.9 * t + 2 * phase)
    if actor.enters_from and t < actor.start:  # sliding in from beyond the right edge
        x += (actor.start - t) / actor.enters_from * (W + width - x0)
    # the cutout is about twice the face box wide
    scale = 2 * width / cutout.width
    face = cutout.resize((max(2, int(cutout.width * scale)), max(2, int(cutout.height * scale))))
    canvas.paste(face, (int(x - face.width / 2) + dx, int(y - face.height / 2) + dy), face)


def _h264(container: Any) -> Any:
    stream = container.add_stream("libx264", rate=FPS)
    stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
    stream.bit_rate = 10_000_000
    stream.options = {"preset": "medium", "x264-params": "keyint=250:bframes=3"}
    return stream


def _mjpeg(container: Any) -> Any:
    stream = container.add_stream("mjpeg", rate=FPS)
    stream.width, stream.height, stream.pix_fmt = W, H, "yuvj420p"
    stream.bit_rate = 80_000_000
    return stream


if __name__ == "__main__":
    import sys

    made = clips(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
    print(made)
