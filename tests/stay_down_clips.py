"""Clips for the stay-down fingerprint tests and benchmark: synthetic footage with real
motion (several shots, a drifting textured background, shapes moving across it, film
grain), and altered copies made with real encoders (libx264 through PyAV)."""

from __future__ import annotations

import itertools
import math
import wave
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path


@dataclass(frozen=True)
class Alteration:
    """How a copy differs from its source: each part optional."""

    name: str
    crf: int = 35  # every copy is re-encoded; 35 is a heavy compression
    scale: float = 1.0
    crop: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # left, top, right, bottom
    trim_start: float = 0.0
    trim_end: float = 0.0


ALTERATIONS = (
    Alteration("re-encoded CRF 35"),
    Alteration("scaled to 50 %", scale=0.5),
    Alteration("cropped 5 % per side", crop=(0.05, 0.05, 0.05, 0.05)),
    Alteration(
        "cropped unevenly (5 % left, 2 % top, 0 right, 4 % bottom)", crop=(0.05, 0.02, 0, 0.04)
    ),
    Alteration("trimmed 2.3 s at the start, 1.7 s at the end", trim_start=2.3, trim_end=1.7),
    Alteration(
        "all: scaled 50 %, cropped 4 % per side, trimmed 1.1 s / 2.6 s",
        scale=0.5,
        crop=(0.04, 0.04, 0.04, 0.04),
        trim_start=1.1,
        trim_end=2.6,
    ),
)


def make_source_clip(
    out: Path,
    seed: int,
    *,
    duration: float = 12.0,
    size: tuple[int, int] = (1280, 720),
    fps: int = 24,
) -> Path:
    """An H.264 MP4 of ``duration`` seconds: shots of 1.5–4 s, each a textured background
    drifting and zooming, with 3–7 shapes moving across it, and grain on every frame. The
    same seed gives the same clip; different seeds share no shot."""
    import av
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    width, height = size
    grain = [rng.normal(0, 5, (height, width, 1)).astype(np.int16) for _ in range(6)]
    total = int(duration * fps)
    cuts: list[int] = [0]
    while cuts[-1] < total:
        cuts.append(cuts[-1] + int(rng.uniform(1.5, 4.0) * fps))
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "18"}
        index = 0
        for shot_start, shot_end in itertools.pairwise(cuts):
            # a background texture bigger than the frame: coarse noise smoothed by upscaling
            coarse = rng.integers(0, 256, (int(rng.integers(4, 12)), int(rng.integers(6, 16)), 3))
            tint = rng.uniform(0.3, 1.0, 3)
            texture = Image.fromarray((coarse * tint).astype(np.uint8)).resize(
                (int(width * 1.4), int(height * 1.4)), Image.Resampling.BICUBIC
            )
            vx, vy = rng.uniform(-6, 6, 2)
            shapes = [
                (
                    rng.uniform(0, width),
                    rng.uniform(0, height),
                    rng.uniform(-14, 14),
                    rng.uniform(-10, 10),
                    rng.uniform(40, 260),
                    tuple(int(c) for c in rng.integers(0, 256, 3)),
                    bool(rng.integers(0, 2)),
                )
                for _ in range(int(rng.integers(3, 8)))
            ]
            for k in range(min(shot_end, total) - shot_start):
                x0 = int(width * 0.2 + vx * k) % int(width * 0.4)
                y0 = int(height * 0.2 + vy * k) % int(height * 0.4)
                picture = texture.crop((x0, y0, x0 + width, y0 + height))
                draw = ImageDraw.Draw(picture)
                for sx, sy, dx, dy, r, colour, round_ in shapes:
                    cx, cy = sx + dx * k, sy + dy * k
                    box = (cx - r / 2, cy - r / 3, cx + r / 2, cy + r / 3)
                    (draw.ellipse if round_ else draw.rectangle)(box, fill=colour)
                pixels = np.asarray(picture).astype(np.int16) + grain[int(rng.integers(0, 6))]
                frame = av.VideoFrame.from_ndarray(
                    np.clip(pixels, 0, 255).astype(np.uint8), format="rgb24"
                )
                frame.pts = index
                frame.time_base = Fraction(1, fps)
                index += 1
                for packet in stream.encode(frame):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out


def make_altered_copy(source: Path, out: Path, alteration: Alteration) -> Path:
    """``source`` decoded, trimmed, cropped, scaled and encoded again (libx264, the
    alteration's CRF), its timestamps starting again at zero."""
    import av

    with av.open(str(source)) as src:
        in_stream = src.streams.video[0]
        fps = in_stream.average_rate or Fraction(24)
        duration = float(in_stream.frames / fps) if in_stream.frames else float("inf")
        width, height = in_stream.codec_context.width, in_stream.codec_context.height
        left, top, right, bottom = alteration.crop
        x0, y0 = int(width * left), int(height * top)
        x1, y1 = width - int(width * right), height - int(height * bottom)
        out_w = int((x1 - x0) * alteration.scale) // 2 * 2
        out_h = int((y1 - y0) * alteration.scale) // 2 * 2
        with av.open(str(out), "w") as dst:
            stream = dst.add_stream("libx264", rate=fps)
            stream.width, stream.height, stream.pix_fmt = out_w, out_h, "yuv420p"
            stream.options = {"preset": "superfast", "crf": str(alteration.crf)}
            index = 0
            for frame in src.decode(in_stream):
                t = float(frame.time or 0.0)
                if t < alteration.trim_start or t > duration - alteration.trim_end:
                    continue
                rgb = frame.to_ndarray(format="rgb24")[y0:y1, x0:x1]
                copy = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(
                    width=out_w, height=out_h, format="yuv420p"
                )
                copy.pts = index
                copy.time_base = Fraction(1) / fps
                index += 1
                for packet in stream.encode(copy):
                    dst.mux(packet)
            for packet in stream.encode():
                dst.mux(packet)
    return out


def music_wav(path: Path, seed: int, *, duration: float = 12.0, rate: int = 22_050) -> Path:
    """A mono WAV of notes with harmonics, changing every 0.1–0.5 s, under a little noise:
    sound with the changing spectrum real audio has (a constant tone has none)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    samples = np.zeros(int(duration * rate))
    at = 0
    while at < len(samples):
        length = int(rng.uniform(0.1, 0.5) * rate)
        t = np.arange(length) / rate
        note = np.zeros(length)
        for _ in range(int(rng.integers(1, 4))):
            f0 = 110 * 2 ** (rng.integers(0, 36) / 12)
            for harmonic in range(1, 5):
                note += math.exp(-0.6 * harmonic) * np.sin(2 * np.pi * f0 * harmonic * t)
        envelope = np.minimum(1, np.minimum(t, t[::-1]) * 40) * np.exp(-t * rng.uniform(0, 4))
        end = min(len(samples), at + length)
        samples[at:end] += (note * envelope)[: end - at]
        at += length
    samples = samples / (np.abs(samples).max() + 1e-9) * 0.6 + rng.normal(0, 0.01, len(samples))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def reencode_audio(source: Path, out: Path, *, trim_start: float, trim_end: float) -> Path:
    """``source`` trimmed and coded lossily (AAC at 64 kbit/s in an M4A, 44.1 kHz)."""
    import av

    with av.open(str(source)) as src, av.open(str(out), "w") as dst:
        in_stream = src.streams.audio[0]
        base = in_stream.time_base
        duration = float(in_stream.duration * base) if in_stream.duration and base else 1e9
        stream = dst.add_stream("aac", rate=44_100)
        stream.bit_rate = 64_000
        stream.layout = "mono"
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=44_100)
        for frame in src.decode(in_stream):
            t = float(frame.time or 0.0)
            if t < trim_start or t > duration - trim_end:
                continue
            for part in resampler.resample(frame):
                part.pts = None
                for packet in stream.encode(part):
                    dst.mux(packet)
        for packet in stream.encode(None):
            dst.mux(packet)
    return out
