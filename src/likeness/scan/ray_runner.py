"""Running the expensive part of a scan (decoding, detection, embedding) as Ray tasks.

One task per media file, on a local Ray instance or a cluster address. Each task gets
the deployment's encoders (their factories, not loaded models) and detector settings,
so it detects exactly as the local detector would; each worker process loads the
models once. The driver then identifies, decides and flags as in a local run.

A local Ray instance is bound to loopback and runs with usage statistics off and no
dashboard: nothing it starts may send traffic beyond this machine. Ray's own switch for
that is ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` (its single-machine mode: every process
binds and connects on 127.0.0.1; ``_node_ip_address="127.0.0.1"`` alone is rewritten to
the machine's own address), read when ``ray`` is first imported. Ray starts on the
first detection, not when the detector is built.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from likeness.errors import ConfigurationError, LikenessError, MissingExtraError
from likeness.recognition.encoders import Encoders
from likeness.scan.detect import (
    DEFAULT_SETTINGS,
    DetectionFailed,
    DetectionResult,
    DetectorSettings,
    SampleHook,
    detect_media,
    fingerprint,
)

# Set before ``import ray``; inherited by every process Ray starts.
LOCAL_ONLY = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
_WORKER_ENCODERS: dict[str, Encoders] = {}  # per worker process: models load once


def _detect_task(
    path: str, fps: float, encoders: Encoders, settings: DetectorSettings, key: str
) -> DetectionResult:
    loaded = _WORKER_ENCODERS.setdefault(key, encoders)
    try:
        return detect_media(Path(path), fps, loaded, settings)
    except LikenessError as exc:
        return DetectionFailed(exc.message)


class RayDetector:
    def __init__(
        self,
        encoders: Encoders,
        settings: DetectorSettings = DEFAULT_SETTINGS,
        *,
        address: str | None = None,
        num_cpus: int | None = None,
    ) -> None:
        self._encoders = encoders
        self._settings = settings
        self._address = address
        self._num_cpus = num_cpus
        self._ray: Any = None
        self._task: Any = None
        self._lock = threading.Lock()  # scan jobs run on several threads
        self._fingerprint = ""

    def fingerprint(self) -> str:
        if not self._fingerprint:  # asked for every file; the configuration never changes
            self._fingerprint = fingerprint(self._encoders, self._settings)
        return self._fingerprint

    def _start(self) -> None:
        with self._lock:
            if self._ray is None:
                self._start_ray()

    def _start_ray(self) -> None:
        os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
        if not self._address:
            os.environ.update(LOCAL_ONLY)
        try:
            import ray
            from ray._private import ray_constants
        except ImportError:
            raise MissingExtraError("scanning on Ray", "scale") from None
        if not self._address and ray_constants.ENABLE_RAY_CLUSTER:
            raise ConfigurationError(
                "Ray was imported before the scan could keep it on loopback",
                hint="set RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 before starting, or give "
                "LIKENESS_RAY_ADDRESS",
            )
        if not ray.is_initialized():
            if self._address:
                ray.init(address=self._address, log_to_driver=False)
            else:
                ray.init(num_cpus=self._num_cpus, include_dashboard=False, log_to_driver=False)
        self._ray = ray
        self._task = ray.remote(num_cpus=1)(_detect_task)

    def detect(
        self, paths: Sequence[Path], fps: float, on_sample: SampleHook | None = None
    ) -> Iterator[tuple[Path, DetectionResult]]:
        """One task per file; ``on_sample`` is not called (a task reports nothing until
        it ends: the caller counts whole files). Tasks not yet answered are cancelled
        when the caller stops early (a cancelled scan)."""
        if not paths:
            return
        self._start()
        key = self.fingerprint()
        pending = [
            (path, self._task.remote(str(path), fps, self._encoders, self._settings, key))
            for path in paths
        ]
        answered = 0
        try:
            for path, ref in pending:
                result = self._ray.get(ref)
                answered += 1
                yield path, result
        finally:
            for _, ref in pending[answered:]:
                self._ray.cancel(ref)

    def close(self) -> None:
        with self._lock:
            if self._ray is not None:
                self._ray.shutdown()
                self._ray = None
