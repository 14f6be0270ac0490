"""Running the expensive part of a scan (decoding, detection, embedding) as Ray tasks.

One task per media file, on a local Ray instance (``ray.init()``) or a cluster address.
Each worker process loads the models once. The driver then identifies, decides and
flags exactly as in a local run, so both give the same report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from likeness.errors import LikenessError, MissingExtraError

_ENCODERS: dict[str, Any] = {}


def _detect_task(path: str, fps: float) -> dict[str, Any] | str:
    from likeness.recognition.dlib_face import DlibFaceEncoder
    from likeness.recognition.resemblyzer_voice import ResemblyzerVoiceEncoder
    from likeness.scan.detect import detect_media

    if "face" not in _ENCODERS:  # once per worker process
        _ENCODERS["face"] = DlibFaceEncoder()
        _ENCODERS["voice"] = ResemblyzerVoiceEncoder()
    try:
        return detect_media(Path(path), fps, _ENCODERS["face"], lambda: _ENCODERS["voice"])
    except LikenessError as exc:
        return exc.message


class RayDetector:
    def __init__(self, address: str | None = None, num_cpus: int | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise MissingExtraError("scanning on Ray", "scale") from None
        self._ray = ray
        if not ray.is_initialized():
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
        self._task = ray.remote(num_cpus=1)(_detect_task)

    def __call__(self, files: list[Path], fps: float) -> dict[Path, dict[str, Any] | str]:
        pending = {
            path: self._task.remote(str(path), fps)
            for path in files
            if path.is_file() and path.stat().st_size > 0
        }
        return {path: self._ray.get(ref) for path, ref in pending.items()}

    def shutdown(self) -> None:
        self._ray.shutdown()
