"""Clearance scans: every registered likeness in some media, and whether a consent
covers each appearance.

Per file: frames sampled at ``fps`` (PyAV), faces detected and tracked, each track
embedded a few times and identified once; the soundtrack's voice segments identified;
tracks and segments merged into appearances; each appearance of a registered performer
decided by the rulebooks for this production's use. Detection results are cached,
sealed, by content hash, so a rerun (or an interrupted batch) skips finished files.
Each ``not_covered`` appearance is flagged in the ledger.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from likeness.domain.consent import Modality, ReplicaKind, UseFacts
from likeness.errors import InvalidInputError, LikenessError
from likeness.ledger.entry import LogEvent
from likeness.scan.appearances import Appearance, merge
from likeness.scan.detect import detect_media
from likeness.services.ledger import LedgerService
from likeness.services.ports import Clock, NoOutbox, Notification, Outbox
from likeness.services.recognition import RecognitionService
from likeness.services.uses import UseService
from likeness.store.database import Database
from likeness.store.sealed_cache import SealedCache
from likeness.store.service_store import Flag, FlagRepository

MEDIA_SUFFIXES = {
    ".mp4",
    ".mov",
    ".mkv",
    ".webm",
    ".avi",
    ".m4v",
    ".jpg",
    ".jpeg",
    ".png",
    ".webp",
    ".wav",
    ".mp3",
    ".flac",
    ".m4a",
    ".ogg",
    ".aac",
}


@dataclass(frozen=True)
class ScanOptions:
    production_id: str
    fps: float = 2.0
    use_date: date | None = None
    replica_kind: ReplicaKind = ReplicaKind.EMPLOYMENT_BASED
    purpose: str = ""  # empty: any consented purpose of this production


@dataclass
class MediaResult:
    path: str
    sha256: str | None
    status: str  # "scanned" | "cached" | "error"
    error: str | None = None
    duration: float = 0.0
    appearances: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ScanReport:
    production_id: str
    media: list[MediaResult]

    def appearances(self) -> list[dict[str, Any]]:
        return [a for m in self.media for a in m.appearances]

    def stats(self) -> dict[str, Any]:
        items = self.appearances()
        count = {
            o: sum(a["decision"] == o for a in items)
            for o in ("covered", "exempt", "not_covered", "unknown")
        }
        return {
            "media": len(self.media),
            "errors": sum(m.status == "error" for m in self.media),
            "cached": sum(m.status == "cached" for m in self.media),
            "appearances": len(items),
            **count,
        }


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the media files inside directories (sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES
                )
            )
        else:
            found.append(path)
    return found


def _cache_key(sha256: str, options: ScanOptions) -> str:
    return f"{sha256}-{options.fps:g}.json"


def _content_hash(path: Path) -> str:
    """SHA-256 of a media file, read in 1 MiB blocks (films do not fit in memory)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
            if handle.tell() == 0:
                raise InvalidInputError(f"{path}: the file is empty")
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read ({exc.strerror})") from None
    return digest.hexdigest()


class ScanService:
    def __init__(
        self,
        *,
        recognition: RecognitionService,
        uses: UseService,
        ledger: LedgerService,
        clock: Clock,
        cache: SealedCache,
        database: Database,
        outbox: Outbox | None = None,
    ) -> None:
        self._database = database
        self._outbox = outbox or NoOutbox()
        self._recognition = recognition
        self._uses = uses
        self._ledger = ledger
        self._clock = clock
        self._cache = cache

    def scan(
        self,
        paths: Iterable[Path],
        options: ScanOptions,
        progress: Callable[[Path], None] = lambda _: None,
        detector: Callable[[list[Path], float], dict[Path, dict[str, Any] | str]] | None = None,
    ) -> ScanReport:
        """Scan ``paths``. ``detector`` (the Ray runner) may compute the detections of
        many files at once; identification, decisions and flags always run here, so a
        distributed run gives the same report as a local one."""
        files = expand(paths)
        remote: dict[Path, dict[str, Any] | str] = {}
        if detector is not None:  # only what the cache does not already hold
            remote = detector([p for p in files if not self._is_cached(p, options)], options.fps)
        report = ScanReport(options.production_id, [])
        for path in files:
            progress(path)
            try:
                detected = remote.get(path)
                if isinstance(detected, str):  # the remote worker's refusal
                    raise InvalidInputError(detected)
                result = self._scan_one(path, options, detected)
            except LikenessError as exc:  # one bad file never stops the batch
                result = MediaResult(str(path), None, "error", exc.message)
            report.media.append(result)
        self._flag(report, options)
        return report

    def flags_for(self, performer_id: str) -> list[Flag]:
        """Appearances of this performer that no consent covered, newest first."""
        with self._database.read() as connection:
            return FlagRepository(connection).for_performer(performer_id)

    def flag_count(self) -> int:
        with self._database.read() as connection:
            return FlagRepository(connection).count()

    def _is_cached(self, path: Path, options: ScanOptions) -> bool:
        try:
            return self._cache.has(_cache_key(_content_hash(path), options))
        except LikenessError:
            return False  # reported when the file itself is scanned

    def _scan_one(
        self, path: Path, options: ScanOptions, detected: dict[str, Any] | None = None
    ) -> MediaResult:
        sha = _content_hash(path)
        key = _cache_key(sha, options)
        cached = self._cache.get(key)
        if cached is not None:
            raw = json.loads(cached)
        else:
            raw = detected if detected is not None else self._detect(path, options.fps)
        if cached is None:
            self._cache.put(key, json.dumps(raw).encode())
        suppressed = self._recognition.suppressed_in(sha)
        appearances = merge([self._identify(item, suppressed) for item in raw["items"]])
        day = options.use_date or self._clock.now().date()
        result = MediaResult(
            str(path), sha, "cached" if cached else "scanned", duration=raw["duration"]
        )
        for appearance in appearances:
            result.appearances.append(self._decide(appearance, options, day, str(path)))
        return result

    def _detect(self, path: Path, fps: float) -> dict[str, Any]:
        return detect_media(path, fps, self._recognition.encoder(), self._recognition.voice_encoder)

    def _identify(self, item: dict[str, Any], suppressed: set[str]) -> Appearance:
        match = self._recognition.match_embedding(item["modality"], item["embedding"], suppressed)
        return Appearance(
            performer_id=match.performer_id,
            modality=item["modality"],
            start=float(item["start"]),
            end=float(item["end"]),
            score=match.distance,
            thumbnail=item["thumbnail"],
            frames=list(item["frames"]),
        )

    def _decide(self, a: Appearance, options: ScanOptions, day: date, media: str) -> dict[str, Any]:
        base = {
            "media": media,
            "performer_id": a.performer_id,
            "modality": a.modality,
            "start": round(a.start, 2),
            "end": round(a.end, 2),
            "score": None if a.score is None else round(a.score, 4),
            "thumbnail": a.thumbnail,
            "frames": [round(t, 2) for t in a.frames],
        }
        if a.performer_id is None:
            return {**base, "decision": "unknown", "consent_id": None, "reasons": []}
        use = UseFacts(
            production_id=options.production_id,
            replica_kind=options.replica_kind,
            modalities=frozenset({Modality(a.modality)}),
            purpose=options.purpose,
            date=day,
        )
        decision = self._uses.decide(a.performer_id, use)
        return {
            **base,
            "decision": decision["decision"],
            "consent_id": decision["consent_id"],
            "reasons": decision["reasons"],
        }

    def _flag(self, report: ScanReport, options: ScanOptions) -> None:
        events = []
        now = self._clock.now()
        for media in report.media:
            for a in media.appearances:
                if a["decision"] != "not_covered":
                    continue
                events.append(
                    (
                        LogEvent(
                            type="appearance.flagged",
                            at=now,
                            ids={
                                "performer": a["performer_id"],
                                "production": options.production_id,
                            },
                            record={
                                "media_sha256": media.sha256,
                                "modality": a["modality"],
                                "start": str(a["start"]),
                                "end": str(a["end"]),
                            },
                        ),
                        None,
                    )
                )
        if not events:
            return
        with self._database.write() as connection:
            indexes = self._ledger.record(connection, events)
            flagged = iter(indexes)
            rows = []
            for media in report.media:
                for a in media.appearances:
                    if a["decision"] != "not_covered":
                        continue
                    a["flag_log_index"] = next(flagged)
                    rows.append(
                        Flag(
                            log_index=a["flag_log_index"],
                            performer_id=a["performer_id"],
                            production_id=options.production_id,
                            media=Path(media.path).name,
                            media_sha256=media.sha256,
                            modality=a["modality"],
                            start=str(a["start"]),
                            end=str(a["end"]),
                            flagged_at=now,
                        )
                    )
                    notification = Notification(
                        type="appearance.flagged",
                        at=now,
                        performer_id=a["performer_id"],
                        production_id=options.production_id,
                        data={
                            "media_sha256": media.sha256,
                            "modality": a["modality"],
                            "start": a["start"],
                            "end": a["end"],
                            "log_index": a["flag_log_index"],
                        },
                    )
                    self._outbox.emit(connection, notification)
            FlagRepository(connection).add_many(rows)
