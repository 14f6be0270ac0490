"""Test media the fake encoders recognise (``likeness.testing.encoders``): images with
coloured face blocks and WAV files of tones. Pillow for images; WAV needs nothing."""

from __future__ import annotations

import math
import struct
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

GREY = (90, 90, 90)
RED = (220, 30, 30)
GREEN = (30, 200, 40)
BLUE = (30, 60, 220)
YELLOW = (220, 210, 30)


@dataclass(frozen=True)
class Block:
    """A fake face: a square of one colour at (x, y)."""

    colour: tuple[int, int, int]
    x: int = 100
    y: int = 100
    size: int = 120


def face_image(path: Path, blocks: Sequence[Block], *, size: tuple[int, int] = (640, 480)) -> Path:
    """An image (PNG or JPEG, by suffix) of ``blocks`` on grey."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", size, GREY)
    draw = ImageDraw.Draw(picture)
    for b in blocks:
        draw.rectangle((b.x, b.y, b.x + b.size - 1, b.y + b.size - 1), fill=b.colour)
    picture.save(path)
    return path


@dataclass(frozen=True)
class Tone:
    """A fake voice: a sine tone at ``hertz`` from ``start`` to ``end`` seconds."""

    hertz: float
    start: float
    end: float


def tones_wav(path: Path, tones: Sequence[Tone], *, duration: float, rate: int = 16_000) -> Path:
    """A mono 16-bit WAV of ``tones`` over silence."""
    samples = [0.0] * int(duration * rate)
    for tone in tones:
        for i in range(int(tone.start * rate), min(len(samples), int(tone.end * rate))):
            samples[i] += 0.5 * math.sin(2 * math.pi * tone.hertz * i / rate)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(
            b"".join(struct.pack("<h", int(max(-1.0, min(1.0, s)) * 32767)) for s in samples)
        )
    return path
