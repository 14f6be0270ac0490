"""Images with no human face, made deterministically, to measure false face detections.

Issue 17 asks for a detector threshold chosen on at least 200 face-free images (and the
group photos), never on the astronaut portrait it is meant to fix. Seven kinds, 288
images:

- ``patch``: round and shield-shaped badges, emblems and mission-style patches with
  lettering round the rim, on fabric-coloured grounds (60);
- ``mascot``: badges whose emblem is a drawn face-like figure (40): nobody's likeness,
  and the only kind here that dlib's HOG takes for faces (scores up to 0.94);
- ``logo``: logos and lines of text, printed and embossed-looking (40);
- ``texture``: noise, cloth weaves, brick, wood grain, gravel (40);
- ``object``: shaded balls, cups, bottles, stacked boxes (20);
- ``crop``: crops of the packaged group photos (tests/assets/faces) away from every
  person's head: tables, hands, legs, walls (60); the rectangles were chosen by eye and
  every crop checked by eye on a contact sheet;
- ``photo``: face-free photographs from scikit-image's wheel (tests/assets/face_free,
  origin and licence in tests/assets/SOURCES.md), whole and centre-enlarged (28).

Every image is made from a seeded generator, so the set is the same on every machine.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ASSETS = Path(__file__).parent / "assets"
KINDS = ("patch", "mascot", "logo", "texture", "object", "crop", "photo")
WORDS = (
    "MISSION",
    "APOLLO",
    "STS-93",
    "COLUMBIA",
    "EXPEDITION",
    "ORBITER",
    "CREW",
    "FLIGHT",
    "ACME",
    "NORTH",
    "STAR",
    "UNION",
    "STUDIO",
    "PICTURES",
    "LEDGER",
    "RESCUE",
    "POLICE",
    "FIRE DEPT",
    "TEAM",
    "ATLAS",
)
# Face-free rectangles (left, top, right, bottom) of the packaged group photos, below or
# beside every head, checked by eye; the astronaut portrait is never used.
BACKGROUNDS: dict[str, tuple[tuple[int, int, int, int], ...]] = {
    "friends_t1.jpg": ((0, 560, 1280, 886), (990, 430, 1280, 886)),
    "sample1.jpg": ((0, 720, 1920, 1280), (0, 0, 370, 350)),
    "sample2.jpg": ((0, 560, 1920, 1367),),
    "sample3.jpg": ((0, 640, 1920, 1350), (0, 0, 350, 700)),
    "sample4.jpg": ((0, 520, 1920, 1448), (1620, 0, 1920, 1448)),
    "sample5.jpg": ((925, 700, 1920, 1398), (0, 0, 330, 835)),
    "sample6.jpg": ((0, 820, 1920, 1537),),
}
PHOTOS = (
    "brick",
    "cell",
    "chelsea",
    "clock_motion",
    "coffee",
    "coins",
    "grass",
    "gravel",
    "horse",
    "hubble_deep_field",
    "logo",
    "retina",
    "rocket",
    "text",
)


@dataclass(frozen=True)
class FaceFree:
    name: str  # kind-number, stable across runs
    kind: str
    pixels: Any  # H×W×3 uint8


def face_free_images(per_kind: int | None = None) -> Iterator[FaceFree]:
    """The whole set, or its first ``per_kind`` images of each kind (a fast subset)."""
    makers = {
        "patch": (_patches, 60),
        "mascot": (_mascots, 40),
        "logo": (_logos, 40),
        "texture": (_textures, 40),
        "object": (_objects, 20),
        "crop": (_crops, None),
        "photo": (_photos, None),
    }
    for kind, (make, count) in makers.items():
        for number, pixels in enumerate(make(count)):
            if per_kind is not None and number >= per_kind:
                break
            yield FaceFree(f"{kind}-{number:03d}", kind, pixels)


def _rng(seed: int) -> Any:
    import numpy as np

    return np.random.default_rng(seed)


def _colour(rng: Any, low: int = 0, high: int = 256) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in rng.integers(low, high, 3))
    return (r, g, b)


def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def _array(picture: Any) -> Any:
    import numpy as np

    return np.ascontiguousarray(np.asarray(picture.convert("RGB")))


def _fabric(rng: Any, size: tuple[int, int]) -> Any:
    """A suit-like ground: one colour, soft folds and fine noise."""
    import numpy as np
    from PIL import Image

    width, height = size
    base = np.array(_colour(rng, 40, 240), dtype=float)
    y, x = np.mgrid[0:height, 0:width]
    angle, period = rng.uniform(0, math.pi), rng.uniform(60, 200)
    folds = 0.15 * np.sin((x * math.cos(angle) + y * math.sin(angle)) / period * 2 * math.pi)
    shade = (1 + folds)[..., None] * base + rng.normal(0, 6, (height, width, 3))
    return Image.fromarray(np.clip(shade, 0, 255).astype(np.uint8))


def _patches(count: int | None) -> Iterator[Any]:
    from PIL import ImageDraw

    for i in range(count or 0):
        rng = _rng(1000 + i)
        side = int(rng.integers(320, 640))
        picture = _fabric(rng, (side, side))
        draw = ImageDraw.Draw(picture)
        radius = int(side * rng.uniform(0.18, 0.42))
        cx, cy = (int(v) for v in rng.integers(radius, side - radius, 2))
        rim, field = _colour(rng), _colour(rng)
        if i % 4 == 3:  # shield
            shape = [
                (cx - radius, cy - radius),
                (cx + radius, cy - radius),
                (cx + radius, cy + radius // 3),
                (cx, cy + radius),
                (cx - radius, cy + radius // 3),
            ]
            draw.polygon(shape, fill=rim)
            inner = [(cx + (x - cx) * 0.82, cy + (y - cy) * 0.82) for x, y in shape]
            draw.polygon(inner, fill=field)
        else:
            draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=rim)
            inner = int(radius * rng.uniform(0.7, 0.85))
            draw.ellipse([cx - inner, cy - inner, cx + inner, cy + inner], fill=field)
        _emblem(draw, rng, cx, cy, int(radius * 0.65))
        _rim_text(picture, rng, cx, cy, radius)
        yield _array(picture)


def _mascots(count: int | None) -> Iterator[Any]:
    """Badges whose emblem is a drawn face-like figure: an oval, two dark eyes, brows, a
    nose stroke and a mouth bar, at random proportions. Nobody's likeness, but the kind of
    emblem that HOG most often takes for a face: the hard negatives of the set."""
    from PIL import ImageDraw, ImageFilter

    for i in range(count or 0):
        rng = _rng(7000 + i)
        side = int(rng.integers(320, 560))
        picture = _fabric(rng, (side, side))
        draw = ImageDraw.Draw(picture)
        r = int(side * rng.uniform(0.15, 0.3))
        cx, cy = (int(v) for v in rng.integers(r + 10, side - r - 10, 2))
        ground = _colour(rng, 90, 250)
        ry = int(r * rng.uniform(1.0, 1.35))
        draw.ellipse([cx - r, cy - ry, cx + r, cy + ry], fill=ground)
        dark = _colour(rng, 0, 90)
        spacing, eye_y = r * rng.uniform(0.3, 0.5), cy - ry * rng.uniform(0.05, 0.35)
        eye = max(2, int(r * rng.uniform(0.08, 0.2)))
        for s in (-1, 1):
            x = cx + s * spacing
            draw.ellipse(
                [x - eye * 1.4, eye_y - eye * 0.8, x + eye * 1.4, eye_y + eye * 0.8], fill=dark
            )
            if rng.random() < 0.6:
                brow = [x - eye * 1.8, eye_y - eye * 2, x + eye * 1.8, eye_y - eye * 2.2]
                draw.line(brow, fill=dark, width=max(1, eye // 2))
        if rng.random() < 0.7:
            shade = tuple(int(v * 0.7) for v in ground)
            draw.line(
                [cx, eye_y + eye, cx - eye * 0.4, cy + ry * 0.25],
                fill=shade,
                width=max(1, eye // 2),
            )
        mouth_y, mouth = cy + ry * rng.uniform(0.35, 0.6), r * rng.uniform(0.3, 0.6)
        draw.line([cx - mouth, mouth_y, cx + mouth, mouth_y], fill=dark, width=max(2, eye // 2))
        yield _array(picture.filter(ImageFilter.GaussianBlur(float(rng.uniform(0, 2.5)))))


def _emblem(draw: Any, rng: Any, cx: int, cy: int, size: int) -> None:
    """Stars, a craft, stripes and dots inside a badge: shapes with edges and blobs."""
    for _ in range(int(rng.integers(2, 7))):
        kind = int(rng.integers(0, 5))
        colour = _colour(rng)
        x, y = (int(v) for v in rng.integers(-size // 2, size // 2 + 1, 2))
        extent = max(3, int(size * rng.uniform(0.08, 0.45)))
        if kind == 0:  # star
            points = [
                (
                    cx + x + (extent if k % 2 == 0 else extent // 2.5) * math.cos(k * math.pi / 5),
                    cy + y + (extent if k % 2 == 0 else extent // 2.5) * math.sin(k * math.pi / 5),
                )
                for k in range(10)
            ]
            draw.polygon(points, fill=colour)
        elif kind == 1:  # craft: a body and two fins
            draw.rectangle(
                [cx + x - extent // 5, cy + y - extent, cx + x + extent // 5, cy + y + extent],
                fill=colour,
            )
            draw.polygon(
                [
                    (cx + x - extent // 2, cy + y + extent),
                    (cx + x, cy + y),
                    (cx + x + extent // 2, cy + y + extent),
                ],
                fill=_colour(rng),
            )
        elif kind == 2:  # stripes
            for k in range(int(rng.integers(2, 6))):
                top = cy + y + k * extent // 3
                draw.rectangle(
                    [cx + x - extent, top, cx + x + extent, top + extent // 8], fill=colour
                )
        elif kind == 3:  # a ring
            draw.ellipse(
                [cx + x - extent, cy + y - extent, cx + x + extent, cy + y + extent],
                outline=colour,
                width=max(1, extent // 6),
            )
        else:  # a dot
            draw.ellipse(
                [
                    cx + x - extent // 3,
                    cy + y - extent // 3,
                    cx + x + extent // 3,
                    cy + y + extent // 3,
                ],
                fill=colour,
            )


def _rim_text(picture: Any, rng: Any, cx: int, cy: int, radius: int) -> None:
    """Letters set round the rim, one at a time, as on embroidered patches."""
    from PIL import ImageDraw

    draw = ImageDraw.Draw(picture)
    text = " ".join(rng.choice(WORDS, 2))
    size = max(8, int(radius * 0.16))
    font, colour = _font(size), _colour(rng)
    start = rng.uniform(math.pi, 1.5 * math.pi)
    for k, letter in enumerate(text):
        angle = start + k * (size * 0.9) / (radius * 0.9)
        x = cx + radius * 0.9 * math.cos(angle) - size / 3
        y = cy + radius * 0.9 * math.sin(angle) - size / 2
        draw.text((x, y), letter, fill=colour, font=font)


def _logos(count: int | None) -> Iterator[Any]:
    from PIL import Image, ImageDraw

    for i in range(count or 0):
        rng = _rng(2000 + i)
        width, height = int(rng.integers(400, 720)), int(rng.integers(240, 480))
        picture = Image.new("RGB", (width, height), _colour(rng))
        draw = ImageDraw.Draw(picture)
        for _ in range(int(rng.integers(1, 4))):  # a mark: circles, squares, triangles
            x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
            extent = int(rng.integers(20, max(21, height // 2)))
            box = [x - extent, y - extent, x + extent, y + extent]
            shape = int(rng.integers(0, 3))
            if shape == 0:
                draw.ellipse(box, fill=_colour(rng))
            elif shape == 1:
                draw.rectangle(box, fill=_colour(rng))
            else:
                draw.polygon(
                    [(x, y - extent), (x + extent, y + extent), (x - extent, y + extent)],
                    fill=_colour(rng),
                )
        for _ in range(int(rng.integers(1, 5))):  # lines of text
            words = " ".join(rng.choice(WORDS, int(rng.integers(1, 4))))
            size = int(rng.integers(14, 72))
            x, y = int(rng.integers(0, width // 2)), int(rng.integers(0, height - size))
            if i % 3 == 0:  # embossed: a light and a dark copy, offset
                draw.text((x + 2, y + 2), words, fill=(20, 20, 20), font=_font(size))
            draw.text((x, y), words, fill=_colour(rng), font=_font(size))
        yield _array(picture)


def _textures(count: int | None) -> Iterator[Any]:
    import numpy as np
    from PIL import Image, ImageFilter

    for i in range(count or 0):
        rng = _rng(3000 + i)
        size = int(rng.integers(320, 640))
        y, x = np.mgrid[0:size, 0:size].astype(float)
        kind = i % 5
        if kind == 0:  # noise, blurred to a random grain
            grey = rng.normal(128, 50, (size, size))
            picture = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8)).filter(
                ImageFilter.GaussianBlur(float(rng.uniform(0, 4)))
            )
        elif kind == 1:  # cloth: two crossed weaves
            period = rng.uniform(4, 16)
            weave = np.sin(x / period * 2 * math.pi) * np.sin(y / period * 2 * math.pi)
            grey = 128 + 60 * weave + rng.normal(0, 12, (size, size))
            picture = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8))
        elif kind == 2:  # brick: courses of blocks with mortar
            tall, wide = int(rng.integers(20, 60)), int(rng.integers(50, 140))
            course = (y // tall).astype(int)
            offset = (course % 2) * wide // 2
            mortar = ((y % tall) < 4) | (((x + offset) % wide) < 4)
            tone = rng.uniform(0.7, 1.2, (size // tall + 2, size // wide + 3))
            block = tone[course, ((x + offset) // wide).astype(int)]
            grey = np.where(mortar, 200, 120 * block) + rng.normal(0, 10, (size, size))
            picture = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8))
        elif kind == 3:  # wood: rings round a distant centre, stretched
            cx, cy = rng.uniform(-size, 2 * size, 2)
            rings = np.sin(np.hypot((x - cx) * 0.2, y - cy) / rng.uniform(4, 12))
            grey = 120 + 40 * rings + rng.normal(0, 8, (size, size))
            picture = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8))
        else:  # gravel: blobs of random size and tone
            picture = Image.new("L", (size, size), int(rng.integers(60, 160)))
            from PIL import ImageDraw

            draw = ImageDraw.Draw(picture)
            for _ in range(int(size * size / 300)):
                px, py, r = rng.integers(0, size), rng.integers(0, size), rng.integers(3, 14)
                draw.ellipse([px - r, py - r, px + r, py + r], fill=int(rng.integers(30, 230)))
        tint = np.array(_colour(rng, 120, 256), dtype=float) / 255
        yield (np.asarray(picture.convert("RGB"), dtype=float) * tint).astype(np.uint8)


def _objects(count: int | None) -> Iterator[Any]:
    import numpy as np
    from PIL import Image, ImageDraw

    for i in range(count or 0):
        rng = _rng(4000 + i)
        width, height = int(rng.integers(400, 640)), int(rng.integers(320, 520))
        y = np.mgrid[0:height, 0:width][0].astype(float)
        ground = np.array(_colour(rng, 60, 220), dtype=float) * (0.7 + 0.3 * y / height)[..., None]
        picture = Image.fromarray(ground.astype(np.uint8))
        draw = ImageDraw.Draw(picture)
        for _ in range(int(rng.integers(1, 5))):
            kind = int(rng.integers(0, 4))
            cx, cy = int(rng.integers(60, width - 60)), int(rng.integers(60, height - 60))
            extent = int(rng.integers(25, 90))
            colour = np.array(_colour(rng, 40, 255))
            if kind == 0:  # a shaded ball: concentric discs, lighter to the top left
                for k in range(extent, 0, -3):
                    light = 0.5 + 0.5 * (1 - k / extent)
                    tone = tuple(int(v) for v in np.clip(colour * light, 0, 255))
                    shift = (extent - k) // 3
                    draw.ellipse(
                        [cx - k - shift, cy - k - shift, cx + k - shift, cy + k - shift], fill=tone
                    )
            elif kind == 1:  # a cup: a body, a rim, a handle
                tone = tuple(int(v) for v in colour)
                draw.rectangle(
                    [cx - extent // 2, cy - extent // 2, cx + extent // 2, cy + extent], fill=tone
                )
                draw.ellipse(
                    [
                        cx - extent // 2,
                        cy - extent // 2 - 8,
                        cx + extent // 2,
                        cy - extent // 2 + 8,
                    ],
                    fill=(230, 230, 230),
                )
                draw.arc(
                    [cx + extent // 3, cy - extent // 4, cx + extent, cy + extent // 2],
                    270,
                    90,
                    fill=tone,
                    width=6,
                )
            elif kind == 2:  # a bottle
                tone = tuple(int(v) for v in colour)
                draw.rectangle(
                    [cx - extent // 3, cy - extent // 3, cx + extent // 3, cy + extent], fill=tone
                )
                draw.rectangle(
                    [cx - extent // 10, cy - extent, cx + extent // 10, cy - extent // 3], fill=tone
                )
            else:  # stacked boxes
                for k in range(int(rng.integers(1, 4))):
                    tone = tuple(int(v) for v in np.clip(colour * (0.8 + 0.1 * k), 0, 255))
                    top = cy - k * extent // 2
                    draw.rectangle(
                        [cx - extent // 2, top - extent // 2, cx + extent // 2, top],
                        fill=tone,
                        outline=(30, 30, 30),
                    )
        noisy = np.asarray(picture, dtype=float) + rng.normal(0, 4, (height, width, 3))
        yield np.clip(noisy, 0, 255).astype(np.uint8)


def _crops(count: int | None) -> Iterator[Any]:
    """Each face-free rectangle whole and in four seeded sub-crops (40–80% of its sides),
    scaled so the long side is at most 960 px, as scans and enrolment see photos."""
    from PIL import Image

    rng = _rng(5000)
    for name, rectangles in BACKGROUNDS.items():
        with Image.open(ASSETS / "faces" / name) as photo:
            full = photo.convert("RGB")
        for left, top, right, bottom in rectangles:
            boxes = [(left, top, right, bottom)]
            for _ in range(4):
                w = int((right - left) * rng.uniform(0.4, 0.8))
                h = int((bottom - top) * rng.uniform(0.4, 0.8))
                x = left + int(rng.integers(0, right - left - w + 1))
                y = top + int(rng.integers(0, bottom - top - h + 1))
                boxes.append((x, y, x + w, y + h))
            for box in boxes:
                crop = full.crop(box)
                crop.thumbnail((960, 960))
                yield _array(crop)


def _photos(count: int | None) -> Iterator[Any]:
    """Each photograph whole, then its centre two-thirds enlarged by 1.5 (a second scale)."""
    from PIL import Image

    for name in PHOTOS:
        with Image.open(ASSETS / "face_free" / f"{name}.jpg") as photo:
            full = photo.convert("RGB")
        yield _array(full)
        w, h = full.size
        centre = full.crop((w // 6, h // 6, w - w // 6, h - h // 6))
        yield _array(centre.resize((int(centre.width * 1.5), int(centre.height * 1.5))))
