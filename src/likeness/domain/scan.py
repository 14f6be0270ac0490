"""Clearance scans: what a scan asks (``ScanOptions``) and what it finds (appearances
decided one by one, per media file), with the report's JSON form (docs/scan-report.md).

Typed values from the scan service to the edges; ``scan/report.py`` renders CSV and
HTML, and the report's JSON is ``ScanReport.to_json`` (what the CLI writes, the API
answers and a scan job stores).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Any, TypeVar

from likeness.domain.consent import Modality, ReplicaKind
from likeness.domain.decision import Audience, DecisionOutcome, Reason, reasons_for
from likeness.domain.provenance import Provenance, SyntheticMedia
from likeness.errors import InvalidInputError

CENTISECOND = Decimal("0.01")
# A scan for no production (a watcher's ``--any`` source): no consent can cover what it
# finds, and only what calls for action is flagged (services/scans.py).
NO_PRODUCTION = ""
MAX_FPS = 30


def seconds(value: float) -> Decimal:
    """An offset within the media, in seconds to the hundredth (as reports show them)."""
    return Decimal(value).quantize(CENTISECOND, rounding=ROUND_HALF_EVEN)


def _seconds_text(value: float) -> Decimal:
    """An offset read back from a report (written to the hundredth)."""
    return Decimal(str(value)).quantize(CENTISECOND)


@dataclass(frozen=True)
class ScanOptions:
    """The use a scan checks each appearance against, and how densely it samples."""

    production_id: str
    fps: float = 2.0  # frames sampled per second of video
    use_date: date | None = None  # None: the day of the scan
    replica_kind: ReplicaKind = ReplicaKind.EMPLOYMENT_BASED
    purpose: str = ""  # empty: any consented purpose of this production
    # The kind an appearance of a registered performer in media taken as AI-generated
    # is decided as: nobody performed it for this production (docs/provenance.md).
    synthetic_as: ReplicaKind = ReplicaKind.INDEPENDENTLY_CREATED

    def __post_init__(self) -> None:
        if not 0 < self.fps <= MAX_FPS:
            raise InvalidInputError(
                f"a scan samples between 0 and {MAX_FPS} frames per second, not {self.fps:g}"
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "production_id": self.production_id,
            "replica_kind": self.replica_kind.value,
            "synthetic_as": self.synthetic_as.value,
            "purpose": self.purpose,
            "fps": self.fps,
            "use_date": None if self.use_date is None else self.use_date.isoformat(),
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> ScanOptions:
        day = data["use_date"]
        return ScanOptions(
            production_id=data["production_id"],
            fps=data["fps"],
            use_date=None if day is None else date.fromisoformat(day),
            replica_kind=ReplicaKind(data["replica_kind"]),
            purpose=data["purpose"],
            synthetic_as=ReplicaKind(
                data.get("synthetic_as", ReplicaKind.INDEPENDENTLY_CREATED.value)
            ),
        )


class MediaStatus(StrEnum):
    SCANNED = "scanned"
    CACHED = "cached"  # detections reused from an earlier scan of the same content
    ERROR = "error"  # not scanned; the error says why


@dataclass(frozen=True)
class Appearance:
    """One person (or one unknown person) seen or heard in a media file, and whether a
    consent covers this use of them."""

    media: str
    performer_id: str | None  # None: nobody registered
    modality: Modality
    start: Decimal  # seconds from the start of the media
    end: Decimal
    score: float | None  # distance to the nearest enrolled template; smaller is surer
    thumbnail: str  # a data URI (faces), "" (voices)
    frames: tuple[Decimal, ...]
    outcome: DecisionOutcome
    consent_id: str | None
    reasons: tuple[Reason, ...]
    flag_log_index: int | None = None  # the appearance.flagged entry of a not_covered one
    # A registered performer in media taken as AI-generated: a synthetic replica, and
    # the replica kind its decision was taken as; None otherwise.
    synthetic_replica: ReplicaKind | None = None
    # The threshold the identification was decided by, and the calibration it comes from
    # (its id, or "default": the settings'); None in reports written before they existed.
    threshold: float | None = None
    calibration: str | None = None

    def seen_by(self, audience: Audience) -> Appearance:
        """This appearance as ``audience`` may read it (``decision.Audience``)."""
        if audience is Audience.PARTY:
            return self
        return dataclasses.replace(
            self, consent_id=None, reasons=reasons_for(audience, self.reasons)
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "media": self.media,
            "performer_id": self.performer_id,
            "modality": self.modality.value,
            "start": float(self.start),
            "end": float(self.end),
            "score": self.score,
            "threshold": self.threshold,
            "calibration": self.calibration,
            "thumbnail": self.thumbnail,
            "frames": [float(t) for t in self.frames],
            "decision": self.outcome.value,
            "consent_id": self.consent_id,
            "reasons": [r.to_json() for r in self.reasons],
        }
        if self.flag_log_index is not None:  # the flag's id: its log entry (scan-report.md)
            data["flag_id"] = self.flag_log_index
        if self.synthetic_replica is not None:
            data["synthetic_replica"] = True
            data["decided_as"] = self.synthetic_replica.value
        return data

    @staticmethod
    def from_json(data: dict[str, Any]) -> Appearance:
        return Appearance(
            media=data["media"],
            performer_id=data["performer_id"],
            modality=Modality(data["modality"]),
            start=_seconds_text(data["start"]),
            end=_seconds_text(data["end"]),
            score=data["score"],
            threshold=data.get("threshold"),
            calibration=data.get("calibration"),
            thumbnail=data["thumbnail"],
            frames=tuple(_seconds_text(t) for t in data["frames"]),
            outcome=DecisionOutcome(data["decision"]),
            consent_id=data["consent_id"],
            reasons=tuple(Reason.from_json(r) for r in data["reasons"]),
            # reports stored before the key was named flag_id carry flag_log_index
            flag_log_index=data.get("flag_id", data.get("flag_log_index")),
            synthetic_replica=ReplicaKind(data["decided_as"]) if "decided_as" in data else None,
        )


@dataclass(frozen=True)
class MediaResult:
    path: str
    sha256: str | None
    status: MediaStatus
    error: str | None = None
    duration: float = 0.0
    appearances: tuple[Appearance, ...] = ()
    provenance: Provenance | None = None  # None: not read (a report from before, or no reader)
    synthetic: SyntheticMedia | None = None  # taken as AI-generated, and why


@dataclass(frozen=True)
class ScanStats:
    media: int
    errors: int
    cached: int
    appearances: int
    covered: int
    exempt: int
    not_covered: int
    unknown: int


@dataclass(frozen=True)
class ScanReport:
    production_id: str
    media: tuple[MediaResult, ...]

    def appearances(self) -> tuple[Appearance, ...]:
        return tuple(a for m in self.media for a in m.appearances)

    def count(self, outcome: DecisionOutcome) -> int:
        return sum(a.outcome is outcome for a in self.appearances())

    def stats(self) -> ScanStats:
        return ScanStats(
            media=len(self.media),
            errors=sum(m.status is MediaStatus.ERROR for m in self.media),
            cached=sum(m.status is MediaStatus.CACHED for m in self.media),
            appearances=len(self.appearances()),
            covered=self.count(DecisionOutcome.COVERED),
            exempt=self.count(DecisionOutcome.EXEMPT),
            not_covered=self.count(DecisionOutcome.NOT_COVERED),
            unknown=self.count(DecisionOutcome.UNKNOWN),
        )

    def seen_by(self, audience: Audience) -> ScanReport:
        """The report as ``audience`` may read it: a platform's scan names no consent."""
        if audience is Audience.PARTY:
            return self
        media = tuple(
            dataclasses.replace(m, appearances=tuple(a.seen_by(audience) for a in m.appearances))
            for m in self.media
        )
        return dataclasses.replace(self, media=media)

    def to_json(self) -> dict[str, Any]:
        """The report in its documented JSON form (docs/scan-report.md)."""
        return {
            "production_id": self.production_id,
            "media": [
                {
                    "path": m.path,
                    "sha256": m.sha256,
                    "status": m.status.value,
                    "error": m.error,
                    "duration": m.duration,
                    "provenance": None if m.provenance is None else m.provenance.to_json(),
                    "synthetic": None if m.synthetic is None else m.synthetic.to_json(),
                }
                for m in self.media
            ],
            "appearances": [a.to_json() for a in self.appearances()],
            "stats": dataclasses.asdict(self.stats()),
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> ScanReport:
        """A report written by ``to_json`` (a stored scan job's), typed again. Appearances
        are listed media file by media file, in the order of ``media``."""
        appearances = [Appearance.from_json(a) for a in data["appearances"]]
        media, taken = [], 0
        for m in data["media"]:
            first = taken
            while taken < len(appearances) and appearances[taken].media == m["path"]:
                taken += 1
            media.append(
                MediaResult(
                    path=m["path"],
                    sha256=m["sha256"],
                    status=MediaStatus(m["status"]),
                    error=m["error"],
                    duration=m["duration"],
                    appearances=tuple(appearances[first:taken]),
                    provenance=_optional(m.get("provenance"), Provenance.from_json),
                    synthetic=_optional(m.get("synthetic"), SyntheticMedia.from_json),
                )
            )
        if taken != len(appearances):
            raise ValueError("a scan report lists appearances of media it does not list")
        return ScanReport(data["production_id"], tuple(media))


_T = TypeVar("_T")


def _optional(data: dict[str, Any] | None, read: Callable[[dict[str, Any]], _T]) -> _T | None:
    """A value a report may lack (one written before it existed)."""
    return None if data is None else read(data)
