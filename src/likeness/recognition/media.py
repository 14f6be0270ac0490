"""Reading images and audio for recognition, with limits and clear refusals; the one
list of media files the system accepts, by suffix."""

from __future__ import annotations

import io
from enum import StrEnum
from pathlib import Path
from typing import Any

from likeness.errors import AudioTooLongError, InvalidInputError, MissingExtraError


class MediaKind(StrEnum):
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"


# Every suffix the system reads (enrolment, identification, scans, folder expansion).
MEDIA_SUFFIXES: dict[str, MediaKind] = {
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"), MediaKind.IMAGE),
    **dict.fromkeys((".wav", ".mp3", ".flac", ".ogg", ".m4a", ".aac"), MediaKind.AUDIO),
    **dict.fromkeys((".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"), MediaKind.VIDEO),
}


def media_kind(path: Path) -> MediaKind | None:
    """What a file holds, by its suffix; ``None`` for a suffix the system does not read."""
    return MEDIA_SUFFIXES.get(path.suffix.lower())


MAX_PIXELS = 40_000_000  # 40 MP: a 20,000 × 20,000 image is refused before decoding
ACCEPTED = {"JPEG", "PNG", "WEBP", "BMP", "TIFF"}


def load_rgb(path: Path) -> Any:
    """An ``H×W×3`` uint8 array, upright (EXIF orientation applied)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read ({exc.strerror})") from None
    return load_rgb_bytes(data, str(path))


def load_rgb_bytes(data: bytes, path: str) -> Any:
    try:
        import numpy as np
        from PIL import Image, ImageOps, UnidentifiedImageError
    except ImportError:
        raise MissingExtraError("face recognition", "face") from None
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ACCEPTED:
                raise InvalidInputError(
                    f"{path}: {image.format} images are not accepted",
                    hint=f"use one of {', '.join(sorted(ACCEPTED))}",
                )
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise InvalidInputError(
                    f"{path}: {width} × {height} pixels is more than the "
                    f"{MAX_PIXELS // 1_000_000} MP limit",
                    hint="downscale the image first",
                )
            image.load()  # decode now, so a truncated file fails here
            upright = ImageOps.exif_transpose(image).convert("RGB")
            return np.asarray(upright, dtype=np.uint8)
    except InvalidInputError:
        raise
    except Image.DecompressionBombError:
        raise InvalidInputError(
            f"{path}: the image declares more pixels than the {MAX_PIXELS // 1_000_000} MP limit "
            "(refused before decoding)",
            hint="downscale the image first",
        ) from None
    except UnidentifiedImageError:
        raise InvalidInputError(
            f"{path}: not a readable image (not a format Pillow knows, or damaged)",
            hint=f"use one of {', '.join(sorted(ACCEPTED))}",
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidInputError(f"{path}: not a readable image ({exc})") from None


def png_bytes(image: Any) -> bytes:
    """An RGB image (``H×W×3`` uint8) as a PNG file: lossless, so a frame sealed as a
    template's source re-embeds to the same template."""
    try:
        from PIL import Image
    except ImportError:
        raise MissingExtraError("face recognition", "face") from None
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="PNG")
    return out.getvalue()


AUDIO_RATE = 16_000
MAX_AUDIO_SECONDS = 4 * 3600


def load_audio(path: Path, max_seconds: float = MAX_AUDIO_SECONDS) -> Any:
    """Mono float32 samples at 16 kHz from any file FFmpeg decodes (PyAV). Decoding stops
    as soon as the audio runs past ``max_seconds`` (``AudioTooLongError``): a small file
    can hold hours of silence."""
    try:
        import av
        import numpy as np
    except ImportError:
        raise MissingExtraError("voice recognition", "voice") from None
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise InvalidInputError(f"{path}: not a readable audio or video file ({exc})") from None
    with container:
        if not container.streams.audio:
            raise InvalidInputError(f"{path}: has no audio stream")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE)
        chunks, total = [], 0
        try:
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    samples = out.to_ndarray().reshape(-1)
                    chunks.append(samples)
                    total += len(samples)
                if total > max_seconds * AUDIO_RATE:
                    raise AudioTooLongError(path, max_seconds)
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            raise InvalidInputError(f"{path}: audio is damaged ({exc})") from None
    if not chunks:
        raise InvalidInputError(f"{path}: the audio stream is empty")
    return np.concatenate(chunks).astype(np.float32)
