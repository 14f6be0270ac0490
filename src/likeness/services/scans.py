"""Clearance scans: every registered likeness in some media, and whether a consent
covers each appearance.

Per file: the detector (here or on Ray, built by the composition root) samples frames
at ``fps``, detects and tracks faces, embeds each track a few times and finds the voice
segments of the soundtrack; here each is identified against the gallery of the model
that embedded it, sightings are merged into appearances, and each appearance of a
registered performer is decided by the rulebooks for this production's use. Each file's
C2PA manifest is read too (once per content: it is not cached, a read parses the
container and never decodes it): an appearance of a registered performer in media it
declares AI-generated is a synthetic replica, decided as ``ScanOptions.synthetic_as``
(docs/provenance.md). Detections
are cached, sealed, by content hash, sampling, models, detector settings and pipeline
version, so a rerun (or an interrupted batch) skips finished files and a changed model
detects again. Each ``not_covered`` appearance is flagged in the ledger.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from likeness.domain.calibration import ThresholdInForce
from likeness.domain.consent import Modality, UseFacts
from likeness.domain.decision import DecisionOutcome, Reason
from likeness.domain.fingerprint import StoredFingerprint
from likeness.domain.flag import Flag
from likeness.domain.provenance import (
    Provenance,
    SyntheticBasis,
    SyntheticMedia,
)
from likeness.domain.scan import (
    NO_PRODUCTION,
    Appearance,
    MediaResult,
    MediaStatus,
    ScanOptions,
    ScanReport,
    seconds,
)
from likeness.domain.task import Stage, Step
from likeness.errors import InvalidInputError, LikenessError
from likeness.recognition.media import media_kind
from likeness.scan.appearances import Sighting, merge
from likeness.scan.detect import (
    Detected,
    DetectionFailed,
    DetectionResult,
    Detector,
    MediaDetections,
)
from likeness.scan.frames import expected_samples
from likeness.services.events import appearance_flagged, flag_notification
from likeness.services.gallery import GalleryService
from likeness.services.ledger import LedgerService
from likeness.services.ports import (
    Clock,
    NoOutbox,
    Outbox,
    ProvenanceReader,
    SyntheticMediaClassifier,
)
from likeness.services.tasks import StepReporter, ignore
from likeness.services.uses import UseService
from likeness.store.database import Database
from likeness.store.flags import FlagRepository
from likeness.store.sealed_cache import SealedCache

log = logging.getLogger(__name__)


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the media files inside directories (sorted); each once."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and media_kind(p) is not None)
            )
        else:
            found.append(path)
    return list(dict.fromkeys(found))


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


@dataclass(frozen=True)
class _Origin:
    """Where a file's content came from, as far as a scan can tell."""

    provenance: Provenance | None
    synthetic: SyntheticMedia | None


@dataclass(frozen=True)
class _File:
    path: Path
    sha256: str | None
    cached: MediaDetections | None = None
    error: str | None = None


class FingerprintKeeper(Protocol):
    """Keeps the stay-down fingerprint of a flagged segment (services/fingerprints.py)."""

    def keep(self, flag: Flag, media_path: Path) -> StoredFingerprint: ...


class ScanService:
    def __init__(
        self,
        *,
        gallery: GalleryService,
        detector: Detector,
        uses: UseService,
        ledger: LedgerService,
        clock: Clock,
        cache: SealedCache,
        database: Database,
        outbox: Outbox | None = None,
        stay_down: FingerprintKeeper | None = None,
        provenance: ProvenanceReader | None = None,
        classifier: SyntheticMediaClassifier | None = None,
    ) -> None:
        self._database = database
        self._provenance = provenance
        self._classifier = classifier
        self._outbox = outbox or NoOutbox()
        self._stay_down = stay_down
        self._gallery = gallery
        self._detector = detector
        self._uses = uses
        self._ledger = ledger
        self._clock = clock
        self._cache = cache

    def scan(
        self,
        paths: Iterable[Path],
        options: ScanOptions,
        progress: Callable[[Path], None] = lambda _: None,
        *,
        submitted_by: str | None = None,
        location: str | None = None,
        steps: StepReporter = ignore,
    ) -> ScanReport:
        """Scan ``paths``: each file detected (unless cached), identified and decided; one
        bad file never stops the batch. ``submitted_by``: the account that asked for the
        scan over HTTP, recorded on its flags and their log entries; ``location``: where a
        watcher found the media (its URL), recorded on its flags. ``steps`` is told each
        stage of each file and the samples searched of those expected (it may raise
        ``TaskCancelledError`` to stop the scan: nothing is flagged then)."""
        tally = _Tally(expand(paths), options.fps, steps)
        files = []
        for path in tally.paths:
            tally.report(path, Stage.DECODING)
            files.append(self._look_up(path, options))
        todo: dict[str, Path] = {}  # by content: the first file with those bytes
        for f in files:
            if f.cached is None and f.sha256 is not None:
                todo.setdefault(f.sha256, f.path)
        answers = _Answers(self._detector.detect(list(todo.values()), options.fps, tally.sample))
        done: dict[str, MediaDetections] = {}  # by content: the same bytes twice, once
        origins: dict[str, _Origin] = {}  # by content, likewise
        media = []
        for file in files:
            progress(file.path)
            tally.report(file.path, Stage.DETECTING)
            media.append(self._scan_one(file, options, answers, done, origins, tally))
            tally.finished(file.path)
        tally.report(None, Stage.DECIDING)
        return self._flag(
            ScanReport(options.production_id, tuple(media)), options, submitted_by, location
        )

    def flags_for(self, performer_id: str) -> list[Flag]:
        """Appearances of this performer that no consent covered, newest first."""
        with self._database.read() as connection:
            return FlagRepository(connection).for_performer(performer_id)

    def flag_count(self) -> int:
        with self._database.read() as connection:
            return FlagRepository(connection).count()

    def _cache_key(self, sha256: str, options: ScanOptions) -> str:
        return f"{sha256}-{options.fps:g}-{self._detector.fingerprint()}.json"

    def _look_up(self, path: Path, options: ScanOptions) -> _File:
        try:
            sha = _content_hash(path)
        except LikenessError as exc:
            return _File(path, None, error=exc.message)
        cached = self._cache.get(self._cache_key(sha, options))
        return _File(path, sha, None if cached is None else _detections(cached))

    def _scan_one(
        self,
        file: _File,
        options: ScanOptions,
        answers: _Answers,
        done: dict[str, MediaDetections],
        origins: dict[str, _Origin],
        tally: _Tally,
    ) -> MediaResult:
        path = str(file.path)
        if file.error is not None or file.sha256 is None:
            return MediaResult(path, None, MediaStatus.ERROR, file.error)
        try:
            origin = origins.get(file.sha256) or self._origin(file.path)
        except LikenessError as exc:  # the classifier could not judge this file
            return MediaResult(path, None, MediaStatus.ERROR, exc.message)
        origins[file.sha256] = origin
        failed = functools.partial(
            MediaResult,
            path,
            None,
            MediaStatus.ERROR,
            provenance=origin.provenance,
            synthetic=origin.synthetic,
        )
        status, found = MediaStatus.CACHED, file.cached or done.get(file.sha256)
        if found is None:
            result = answers.for_path(file.path)
            if isinstance(result, DetectionFailed):
                return failed(result.message)
            status, found = MediaStatus.SCANNED, result
            done[file.sha256] = found
            self._cache.put(self._cache_key(file.sha256, options), _sealable(found))
        synthetic = origin.synthetic is not None
        tally.report(file.path, Stage.IDENTIFYING)
        try:
            appearances = self._appearances(path, file.sha256, found, options, synthetic)
        except LikenessError as exc:
            return failed(exc.message)
        return MediaResult(
            path,
            file.sha256,
            status,
            None,
            found.duration,
            appearances,
            provenance=origin.provenance,
            synthetic=origin.synthetic,
        )

    def _origin(self, path: Path) -> _Origin:
        """The file's C2PA provenance, and whether its media is taken as AI-generated:
        declared so by its manifest, else judged so by the classifier, if there is one."""
        provenance = None if self._provenance is None else self._provenance.read(path)
        declared = None if provenance is None else provenance.ai_generated()
        if declared is not None:
            return _Origin(provenance, SyntheticMedia(SyntheticBasis.MANIFEST, declared))
        if self._classifier is not None:
            verdict = self._classifier.classify(path)
            if verdict.synthetic:
                detail = f"{verdict.model} (score {verdict.score:.2f})"
                return _Origin(provenance, SyntheticMedia(SyntheticBasis.CLASSIFIER, detail))
        return _Origin(provenance, None)

    def _appearances(
        self,
        media: str,
        sha256: str,
        found: MediaDetections,
        options: ScanOptions,
        synthetic: bool,
    ) -> tuple[Appearance, ...]:
        suppressed = self._gallery.suppressed_in(sha256)
        used: dict[Modality, ThresholdInForce] = {}  # one model per modality in a scan
        sightings = merge([self._identify(item, suppressed, used) for item in found.items])
        day = options.use_date or self._clock.now().date()
        return tuple(
            self._decide(s, options, day, media, synthetic, used.get(s.modality)) for s in sightings
        )

    def _identify(
        self, item: Detected, suppressed: frozenset[str], used: dict[Modality, ThresholdInForce]
    ) -> Sighting:
        match = self._gallery.match(item.modality, item.model_id, item.embedding, suppressed)
        if match.threshold is not None:
            used[item.modality] = match.threshold
        return Sighting(
            performer_id=match.performer_id,
            modality=item.modality,
            start=item.start,
            end=item.end,
            score=match.distance,
            thumbnail=item.thumbnail,
            frames=list(item.frames),
        )

    def _decide(
        self,
        s: Sighting,
        options: ScanOptions,
        day: date,
        media: str,
        synthetic: bool,
        threshold: ThresholdInForce | None,
    ) -> Appearance:
        appearance = Appearance(
            media=media,
            performer_id=s.performer_id,
            modality=s.modality,
            start=seconds(s.start),
            end=seconds(s.end),
            score=None if s.score is None else round(s.score, 4),
            thumbnail=s.thumbnail,
            frames=tuple(seconds(t) for t in s.frames),
            outcome=DecisionOutcome.UNKNOWN,
            consent_id=None,
            reasons=(),
            threshold=None if threshold is None else threshold.value,
            calibration=None if threshold is None else threshold.name,
        )
        if s.performer_id is None:
            return appearance
        kind = options.synthetic_as if synthetic else options.replica_kind
        if options.production_id == NO_PRODUCTION:
            return dataclasses.replace(
                appearance,
                outcome=DecisionOutcome.NOT_COVERED,
                reasons=(NO_PRODUCTION_REASON,),
                synthetic_replica=kind if synthetic else None,
            )
        use = UseFacts(
            production_id=options.production_id,
            replica_kind=kind,
            modalities=frozenset({s.modality}),
            purpose=options.purpose,
            date=day,
            appearance=True,
        )
        decision = self._uses.decide(s.performer_id, use)
        return dataclasses.replace(
            appearance,
            outcome=DecisionOutcome.of(decision),
            consent_id=decision.consent_id,
            reasons=decision.reasons,
            synthetic_replica=kind if synthetic else None,
        )

    def _flag(
        self,
        report: ScanReport,
        options: ScanOptions,
        submitted_by: str | None,
        location: str | None = None,
    ) -> ScanReport:
        """Log and list every not_covered appearance; the report names each flag's entry."""
        now = self._clock.now()
        paths = [
            Path(media.path)
            for media in report.media
            for a in media.appearances
            if _flagged(a, options) and a.performer_id is not None
        ]
        flags = [
            Flag(
                log_index=-1,
                performer_id=a.performer_id,
                production_id=options.production_id or None,
                media=Path(media.path).name,
                media_sha256=media.sha256,
                modality=a.modality,
                start=a.start,
                end=a.end,
                flagged_at=now,
                submitted_by=submitted_by,
                location=location,
            )
            for media in report.media
            for a in media.appearances
            if _flagged(a, options) and a.performer_id is not None
        ]
        if not flags:
            return report
        with self._database.write() as connection:
            indexes = self._ledger.record(connection, [appearance_flagged(f) for f in flags])
            flags = [
                dataclasses.replace(f, log_index=i) for f, i in zip(flags, indexes, strict=True)
            ]
            FlagRepository(connection).add_many(flags)
            for flag in flags:
                self._outbox.emit(connection, flag_notification(flag))
        self._keep_fingerprints(flags, paths)
        return _with_flag_indexes(report, iter(indexes), options)

    def _keep_fingerprints(self, flags: Sequence[Flag], paths: Sequence[Path]) -> None:
        """A stay-down fingerprint of each flagged segment (docs/enforcement.md), while
        the file is still at hand; one that cannot be made is logged, and the flag
        stands without it."""
        if self._stay_down is None:
            return
        for flag, path in zip(flags, paths, strict=True):
            try:
                self._stay_down.keep(flag, path)
            except LikenessError as exc:
                log.warning("no stay-down fingerprint for flag %d: %s", flag.log_index, exc.message)


class _Tally:
    """A scan's progress: samples searched of samples expected over its files (each
    file's expected count from its stated duration at the scan's rate), reported to
    ``steps`` with the stage and the file it is at."""

    def __init__(self, paths: list[Path], fps: float, steps: StepReporter) -> None:
        self.paths = paths
        self._steps = steps
        watched = steps is not ignore  # nobody watching: no file is opened to count
        self._expected = {p: expected_samples(p, fps) if watched else 1 for p in paths}
        self._part = {p: i for i, p in enumerate(paths, start=1)}
        self._seen: dict[Path, int] = {}
        self._total = sum(self._expected.values())
        self._before = 0  # samples of the files already finished
        self._stage = Stage.DECODING
        self._current: Path | None = None

    def sample(self, path: Path, time: float) -> None:
        """A detector searched a sample of ``path`` (it may detect ahead of the file
        being decided: the count is by file)."""
        self._seen[path] = self._seen.get(path, 0) + 1
        self.report(path, Stage.DETECTING)

    def report(self, path: Path | None, stage: Stage) -> None:
        self._stage, self._current = stage, path or self._current
        current = self._current
        within = 0 if current is None else min(self._seen.get(current, 0), self._expected[current])
        self._steps(
            Step(
                stage,
                done=min(self._total, self._before + within),
                total=self._total,
                part=0 if current is None else self._part[current],
                parts=len(self.paths),
            )
        )

    def finished(self, path: Path) -> None:
        self._before += self._expected[path]
        self._seen.pop(path, None)


class _Answers:
    """A detector's answers, taken by path whatever order they come in."""

    def __init__(self, answers: Iterator[tuple[Path, DetectionResult]]) -> None:
        self._answers = answers
        self._waiting: dict[Path, DetectionResult] = {}

    def for_path(self, path: Path) -> DetectionResult:
        while path not in self._waiting:
            try:
                done, result = next(self._answers)
            except StopIteration:
                return DetectionFailed(
                    f"{path}: the detector gave no result for this file; scan it again"
                )
            self._waiting[done] = result
        return self._waiting.pop(path)


def _flagged(a: Appearance, options: ScanOptions) -> bool:
    """Flagged: a registered performer whose appearance no consent covers. Found for no
    production (a watcher's ``--any``), only a synthetic replica (media declared
    AI-generated) calls for action; other appearances are left for the performer's
    review (docs/enforcement.md)."""
    if a.outcome is not DecisionOutcome.NOT_COVERED:
        return False
    return options.production_id != NO_PRODUCTION or a.synthetic_replica is not None


NO_PRODUCTION_REASON = Reason(
    rule="no production",
    message="found outside any production's release: no consent can cover it",
    topic="",
)


def _with_flag_indexes(
    report: ScanReport, indexes: Iterator[int], options: ScanOptions
) -> ScanReport:
    def named(a: Appearance) -> Appearance:
        flagged = _flagged(a, options)
        return dataclasses.replace(a, flag_log_index=next(indexes)) if flagged else a

    media = tuple(
        dataclasses.replace(m, appearances=tuple(named(a) for a in m.appearances))
        for m in report.media
    )
    return dataclasses.replace(report, media=media)


def _detections(sealed: bytes) -> MediaDetections:
    """Detections from the sealed cache (written by ``_sealable``)."""
    data = json.loads(sealed)
    items = tuple(
        Detected(
            **{
                **d,
                "modality": Modality(d["modality"]),
                "frames": tuple(d["frames"]),
                "embedding": tuple(d["embedding"]),
            }
        )
        for d in data["items"]
    )
    return MediaDetections(data["duration"], items)


def _sealable(found: MediaDetections) -> bytes:
    return json.dumps(dataclasses.asdict(found)).encode()
