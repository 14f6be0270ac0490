"""Ground-truth clips for scan tests: real photos composited into video at scripted times."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

FACES = Path(__file__).parent / "assets" / "faces"


def make_clip(
    out: Path,
    script: list[tuple[float, float, str | Path | None]],
    *,
    fps: int = 10,
    size: tuple[int, int] = (1280, 720),
    speech: list[tuple[float, Path]] | None = None,
) -> Path:
    """An H.264 MP4 showing each photo (a name in tests/assets/faces, or a path; grey for
    None) from start to end seconds, with an AAC soundtrack carrying each speech recording
    from its start time (else silence)."""
    import av
    import numpy as np
    from PIL import Image

    width, height = size
    stills: dict[str | Path | None, np.ndarray] = {None: np.full((height, width, 3), 90, np.uint8)}
    for _, _, name in script:
        if name is not None and name not in stills:
            with Image.open(FACES / name) as photo:
                photo = photo.convert("RGB")
                photo.thumbnail((width, height))
                canvas = Image.new("RGB", (width, height), (90, 90, 90))
                canvas.paste(photo, ((width - photo.width) // 2, (height - photo.height) // 2))
                stills[name] = np.asarray(canvas)
    total = max(end for _, end, _ in script)
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "23"}
        # every stream must exist before the first packet is written
        audio = container.add_stream("aac", rate=16000) if speech else None
        if audio is not None:
            audio.layout = "mono"
            audio.time_base = Fraction(1, 16000)
        for i in range(int(total * fps)):
            t = i / fps
            name = next((n for start, end, n in script if start <= t < end), None)
            frame = av.VideoFrame.from_ndarray(stills[name], format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if audio is not None and speech:
            _soundtrack(container, audio, total, speech)
    return out


def _soundtrack(container, stream, total: float, speech: list[tuple[float, Path]]) -> None:  # type: ignore[no-untyped-def]
    import av
    import numpy as np

    from likeness.recognition.media import load_audio

    rate = 16000
    track = np.zeros(int(total * rate), dtype=np.float32)
    for start, recording in speech:
        samples = load_audio(recording)[: len(track) - int(start * rate)]
        track[int(start * rate) : int(start * rate) + len(samples)] = samples
    for at in range(0, len(track), 1024):
        chunk = track[at : at + 1024].reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(chunk), format="fltp", layout="mono"
        )
        frame.sample_rate, frame.pts, frame.time_base = rate, at, Fraction(1, rate)
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
