"""What the services need from a face encoder and a vector index: plain values only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class Pixels(Protocol):
    """An RGB image: an ``H×W×3`` uint8 array (numpy's ``ndarray`` is one)."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    def __getitem__(self, key: Any, /) -> Any: ...


class Samples(Protocol):
    """Mono audio at 16 kHz: a 1-D float array (numpy's ``ndarray`` is one)."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    height: int

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.width, self.height]


@dataclass(frozen=True)
class TimeSpan:
    """Where a voice is heard: seconds from the start of the recording."""

    start: float
    end: float

    def as_list(self) -> list[float]:
        return [self.start, self.end]


@dataclass(frozen=True)
class FaceQuality:
    """Measures the enrolment gates look at."""

    size: int  # the shorter side of the face box, pixels
    sharpness: float  # variance of the Laplacian inside the box
    yaw: float  # |left eye–nose| / |right eye–nose| imbalance, 0 = frontal


@dataclass(frozen=True)
class Face:
    box: Box
    quality: FaceQuality
    embedding: tuple[float, ...]


@dataclass(frozen=True)
class Detection:
    box: Box
    quality: FaceQuality
    landmarks: Any  # backend-specific, passed back to ``embed``
    score: float = 1.0  # the detector's own score (dlib HOG: the window's SVM margin)
    # False for a weak detection that a second check confirmed as a face: enrolment takes
    # one clear face over weak ones (docs/recognition.md)
    clear: bool = True


class FaceEncoder(Protocol):
    model_id: str  # name and version; templates of different models are never compared
    dimension: int
    detector_id: str  # the face detector and its settings (what it finds differs by detector)

    def detect(
        self,
        image: Any,
        *,
        max_side: int | None = None,
        upsample: int | None = None,
        trusted: Sequence[Box] = (),
    ) -> list[Detection]:
        """Find faces in an RGB image (``H×W×3`` uint8), searching a copy scaled to at most
        ``max_side`` pixels (boxes are in full-size coordinates); ``upsample`` trades speed
        for smaller faces. A weak detection overlapping a ``trusted`` box (a face a scan
        is already following, confirmed when first found) needs no second opinion."""
        ...

    def embed(self, image: Any, detection: Detection) -> tuple[float, ...]:
        """The descriptor of one detected face, computed on the full-size image."""
        ...

    def faces(self, image: Any) -> list[Face]:
        """Detect every face and embed each."""
        ...


@dataclass(frozen=True)
class VoiceSegment:
    start: float  # seconds
    end: float
    embedding: tuple[float, ...]


class VoiceEncoder(Protocol):
    model_id: str
    dimension: int

    def speech_seconds(self, samples: Any) -> float:
        """How much of the 16 kHz audio is speech (voice activity detection)."""
        ...

    def embed(self, samples: Any) -> tuple[float, ...]:
        """One L2-normalised embedding of all the speech in the audio."""
        ...

    def segments(self, samples: Any) -> list[VoiceSegment]:
        """Speech regions (split at pauses), each embedded."""
        ...


@dataclass(frozen=True)
class Neighbour:
    key: str  # template id
    label: str  # performer id
    distance: float


class VectorIndex(Protocol):
    model_id: str

    def add(self, key: str, label: str, vector: Sequence[float]) -> None: ...

    def remove_label(self, label: str) -> int: ...

    def search(self, vector: Sequence[float], k: int = 1) -> list[Neighbour]: ...

    def __len__(self) -> int: ...
