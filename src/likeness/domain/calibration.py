"""Calibrating a match threshold per model: genuine and impostor distances from a labelled
set, false-match and false-non-match rates with confidence bounds at candidate thresholds,
and the threshold chosen for the false-match rate an operator asks for.

Pure: standard library only, no I/O, no clock. A face or voice matches a template when
their distance is **below** the threshold (services/gallery.py), so at threshold ``t``:

- FMR(t)  = impostor pairs with distance < t / impostor pairs (different people taken
  for one);
- FNMR(t) = genuine pairs with distance >= t / genuine pairs (one person missed).

Bounds are 95 % intervals: the Wilson score interval (Wilson 1927; Brown, Cai and
DasGupta, "Interval Estimation for a Binomial Proportion", 2001, recommend it over the
normal approximation at small counts), and for zero errors the "rule of three" upper
bound 3/n (Hanley and Lippman-Hand 1983; ISO/IEC 19795-1 uses it for zero observed
errors), the exact one-sided 95 % bound to within 1 %.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from likeness.domain.consent import Modality
from likeness.errors import InvalidInputError

DEFAULT_TARGET_FMR = 0.001  # one false match in 1,000 impostor pairs (issue 5's target)
Z95 = 1.959963984540054  # two-sided 95 %
RULE_OF_THREE = 3.0
STEP = 0.05  # candidate thresholds every 0.05 across the observed distances
DECIMALS = 4  # thresholds are kept to 1e-4, rounded down (never admitting more matches)
DEFAULT = "default"  # the name of the settings' threshold where no calibration is active


class BoundMethod(StrEnum):
    WILSON = "wilson"
    RULE_OF_THREE = "rule-of-three"


@dataclass(frozen=True)
class Rate:
    """``errors`` of ``trials`` and the 95 % interval of the underlying rate."""

    errors: int
    trials: int
    lower: float
    upper: float
    method: BoundMethod

    @property
    def value(self) -> float:
        return self.errors / self.trials if self.trials else 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "errors": self.errors,
            "trials": self.trials,
            "rate": round(self.value, 6),
            "lower": round(self.lower, 6),
            "upper": round(self.upper, 6),
            "method": self.method.value,
        }


def rate(errors: int, trials: int) -> Rate:
    """The observed rate with its 95 % bounds (Wilson; rule of three for no errors)."""
    if trials <= 0 or not 0 <= errors <= trials:
        raise ValueError(f"a rate needs 0 <= errors <= trials, trials > 0: {errors}/{trials}")
    if errors == 0:
        return Rate(0, trials, 0.0, min(1.0, RULE_OF_THREE / trials), BoundMethod.RULE_OF_THREE)
    lower, upper = wilson(errors, trials)
    return Rate(errors, trials, lower, upper, BoundMethod.WILSON)


def wilson(errors: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``errors / trials``."""
    p, n, z2 = errors / trials, trials, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Distances:
    """Genuine (same label) and impostor (different labels) pair distances, sorted."""

    genuine: tuple[float, ...]
    impostor: tuple[float, ...]


def pair_distances(samples: Mapping[str, Sequence[Sequence[float]]]) -> Distances:
    """Euclidean distances between every pair of embeddings: ``samples`` maps an
    operator's label (one person) to that person's embeddings."""
    if len(samples) < 2:
        raise InvalidInputError(
            f"a calibration needs at least two people (impostor pairs); found {len(samples)}",
            hint="put each person's files in a subfolder of their own, two people or more",
        )
    genuine: list[float] = []
    impostor: list[float] = []
    groups = [[tuple(v) for v in vectors] for vectors in samples.values()]
    for group in groups:
        genuine.extend(math.dist(a, b) for a, b in itertools.combinations(group, 2))
    for first, second in itertools.combinations(groups, 2):
        impostor.extend(math.dist(a, b) for a in first for b in second)
    if not genuine:
        raise InvalidInputError(
            "a calibration needs at least one person with two or more files (genuine pairs)",
            hint="add a second photo or recording of at least one person",
        )
    return Distances(tuple(sorted(genuine)), tuple(sorted(impostor)))


MAX_BINS = 40  # a histogram's bins at most
BIN_WIDTH = 0.01  # at least


@dataclass(frozen=True)
class DistanceHistogram:
    """Genuine and impostor pair counts over the same bins: what a calibration's
    distances looked like, kept with it (counts only: no label, file or embedding)."""

    start: float  # left edge of the first bin
    width: float
    genuine: tuple[int, ...]
    impostor: tuple[int, ...]

    def edges(self) -> list[float]:
        return [round(self.start + i * self.width, 6) for i in range(len(self.genuine) + 1)]

    def to_json(self) -> dict[str, object]:
        return {
            "start": self.start,
            "width": self.width,
            "genuine": list(self.genuine),
            "impostor": list(self.impostor),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DistanceHistogram:
        return cls(
            float(data["start"]),
            float(data["width"]),
            tuple(int(n) for n in data["genuine"]),
            tuple(int(n) for n in data["impostor"]),
        )


def distance_histogram(distances: Distances) -> DistanceHistogram:
    """Both distributions over the same bins (``BIN_WIDTH`` wide or more, at most
    ``MAX_BINS``)."""
    genuine, impostor = distances.genuine, distances.impostor
    low, high = min(genuine[0], impostor[0]), max(genuine[-1], impostor[-1])
    width = max(BIN_WIDTH, math.ceil((high - low) / MAX_BINS * 100) / 100)
    start = math.floor(low / width) * width
    count = max(1, math.floor((high - start) / width) + 1)

    def counts(values: Sequence[float]) -> tuple[int, ...]:
        bins = [0] * count
        for v in values:
            bins[min(count - 1, int((v - start) / width))] += 1
        return tuple(bins)

    return DistanceHistogram(round(start, 6), width, counts(genuine), counts(impostor))


@dataclass(frozen=True)
class RatePoint:
    threshold: float
    fmr: Rate
    fnmr: Rate

    def to_json(self) -> dict[str, object]:
        return {"threshold": self.threshold, "fmr": self.fmr.to_json(), "fnmr": self.fnmr.to_json()}


def rates_at(distances: Distances, threshold: float) -> RatePoint:
    """FMR and FNMR at ``threshold`` (a match is a distance below it)."""
    false_matches = bisect.bisect_left(distances.impostor, threshold)
    misses = len(distances.genuine) - bisect.bisect_left(distances.genuine, threshold)
    return RatePoint(
        threshold,
        rate(false_matches, len(distances.impostor)),
        rate(misses, len(distances.genuine)),
    )


def choose_threshold(distances: Distances, target_fmr: float) -> float:
    """The largest threshold (to 1e-4, rounded down) whose observed FMR is at most
    ``target_fmr``: the impostor distance just past the allowed number of false matches."""
    if not 0 < target_fmr < 1:
        raise InvalidInputError(f"the target false-match rate must be in (0, 1), not {target_fmr}")
    allowed = math.floor(target_fmr * len(distances.impostor))
    if allowed >= len(distances.impostor):  # cannot happen for target < 1; kept for safety
        allowed = len(distances.impostor) - 1
    edge = distances.impostor[allowed]
    scale = 10**DECIMALS
    return float(math.floor(edge * scale) / scale)


def candidates(distances: Distances, *extra: float) -> tuple[float, ...]:
    """Thresholds every ``STEP`` across the observed distances, plus ``extra`` ones."""
    low = min(distances.genuine[0], distances.impostor[0])
    high = max(distances.genuine[-1], distances.impostor[-1])
    first, last = math.floor(low / STEP), math.ceil(high / STEP)
    grid = {round(i * STEP, DECIMALS) for i in range(first, last + 1)}
    return tuple(sorted(grid | {round(t, DECIMALS) for t in extra}))


def pairs_needed(target_fmr: float) -> int:
    """Impostor pairs with no false match that show an FMR below ``target_fmr`` (rule of 3)."""
    return math.ceil(RULE_OF_THREE / target_fmr)


@dataclass(frozen=True)
class Evaluation:
    """What a labelled set says about a model: the distances, the rates at the candidate
    thresholds, the threshold chosen for the target, and whether the data shows it."""

    distances: Distances
    target_fmr: float
    threshold: float
    at_threshold: RatePoint
    table: tuple[RatePoint, ...]

    @property
    def demonstrated(self) -> bool:
        """The FMR's upper bound at the chosen threshold is within the target."""
        return self.at_threshold.fmr.upper <= self.target_fmr


def evaluate(distances: Distances, target_fmr: float, *, default: float) -> Evaluation:
    """Rates at the candidates (and the settings' ``default``), and the chosen threshold."""
    threshold = choose_threshold(distances, target_fmr)
    table = tuple(rates_at(distances, t) for t in candidates(distances, threshold, default))
    return Evaluation(distances, target_fmr, threshold, rates_at(distances, threshold), table)


@dataclass(frozen=True)
class Calibration:
    """A calibration of record: which model, on what data (a digest of the files' hashes,
    never the files, the labels or the embeddings), what it found, and whether it is the
    one in force for its model."""

    id: str
    modality: Modality
    model_id: str
    detector_id: str | None  # faces: the detector the files were read with
    dataset_sha256: str
    people: int
    files: int
    genuine_pairs: int
    impostor_pairs: int
    threshold: float
    target_fmr: float
    fmr: Rate  # at the threshold
    fnmr: Rate
    created_at: datetime
    created_by: str | None
    active: bool
    histogram: DistanceHistogram | None = None  # None: made before histograms were kept

    @property
    def demonstrated(self) -> bool:
        return self.fmr.upper <= self.target_fmr

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "modality": self.modality.value,
            "model_id": self.model_id,
            "detector_id": self.detector_id,
            "dataset_sha256": self.dataset_sha256,
            "people": self.people,
            "files": self.files,
            "genuine_pairs": self.genuine_pairs,
            "impostor_pairs": self.impostor_pairs,
            "threshold": self.threshold,
            "target_fmr": self.target_fmr,
            "fmr": self.fmr.to_json(),
            "fnmr": self.fnmr.to_json(),
            "demonstrated": self.demonstrated,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "active": self.active,
        }


@dataclass(frozen=True)
class ThresholdInForce:
    """The threshold a match of this modality and model is decided by, and where it
    comes from: an active calibration, or the settings' default."""

    modality: Modality
    model_id: str
    value: float
    calibration_id: str | None  # None: the settings' default

    @property
    def name(self) -> str:
        """The calibration's id, or ``default``: what every answer names."""
        return self.calibration_id or DEFAULT
