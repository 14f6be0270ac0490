"""Identification: who is this face or voice, against the gallery of enrolled templates.

The gallery of each model is derived state, kept in memory and rebuilt from the vault
(or its sealed index file) when the template set changes. A match is answered only
below the distance threshold in force for its modality and model, else ``unknown``: the
threshold of the model's active calibration (services/calibration.py), or the settings'
default where none is active, and every answer names which (docs/recognition.md).
Corrections (``reject_match``) keep a performer out of one media file.
"""

from __future__ import annotations

import hashlib
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from sqlalchemy.engine import Connection

from likeness.domain.calibration import ThresholdInForce
from likeness.domain.consent import Modality
from likeness.errors import InvalidInputError, NotFoundError
from likeness.recognition.encoders import Encoders
from likeness.recognition.exact_index import ExactIndex
from likeness.recognition.media import (
    MEDIA_SUFFIXES,
    MediaKind,
    load_audio,
    load_rgb,
    media_kind,
)
from likeness.recognition.ports import Box, TimeSpan, VectorIndex
from likeness.services.events import match_rejected
from likeness.services.ledger import LedgerService
from likeness.services.ports import Clock
from likeness.store.calibrations import CalibrationRepository
from likeness.store.database import Database
from likeness.store.index_files import IndexFiles, fingerprint
from likeness.store.repositories import PerformerRepository
from likeness.store.templates import TemplateRepository, TemplateRow
from likeness.store.vault import VaultFiles, VaultKeys

# Exact search costs ~0.35 µs per template per query (17 ms at 50,000 on 2 cores); past
# this size the approximate index answers in well under a millisecond (bench/RESULTS.md).
EXACT_UP_TO = 20_000


class MatchDecision(StrEnum):
    MATCH = "match"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Match:
    """A face (``where``: its box) or a voice segment (``where``: its time span), and the
    nearest enrolled performer when they are near enough."""

    where: Box | TimeSpan | None
    performer_id: str | None  # None: unknown
    distance: float | None  # to the nearest template not suppressed; None: gallery empty
    suppressed: tuple[str, ...] = ()  # performers skipped by a correction
    threshold: ThresholdInForce | None = None  # what decided it; None: nothing to compare

    @property
    def decision(self) -> MatchDecision:
        return MatchDecision.UNKNOWN if self.performer_id is None else MatchDecision.MATCH


@dataclass(frozen=True)
class Identification:
    media_sha256: str
    faces: tuple[Match, ...]
    voices: tuple[Match, ...]
    model_id: str
    threshold: float
    calibration: str  # the calibration whose threshold decided, or "default" (settings)


@dataclass
class _Gallery:
    index: VectorIndex | None = None
    template_ids: tuple[str, ...] = ()
    lock: threading.Lock = field(default_factory=threading.Lock)


def pack(vector: Sequence[float]) -> bytes:
    """A template's bytes in the vault: little-endian float64s."""
    return struct.pack(f"<{len(vector)}d", *vector)


def unpack(data: bytes) -> tuple[float, ...]:
    return struct.unpack(f"<{len(data) // 8}d", data)


def enrolment_modality(path: Path) -> Modality:
    """An image enrols a face; audio or video, a voice."""
    kind = media_kind(path)
    if kind is MediaKind.IMAGE:
        return Modality.FACE
    if kind is not None:
        return Modality.VOICE
    raise InvalidInputError(
        f"{path}: '{path.suffix.lower()}' files are not read here; images: "
        f"{_suffixes(MediaKind.IMAGE)}; audio: {_suffixes(MediaKind.AUDIO)}; "
        f"video: {_suffixes(MediaKind.VIDEO)}",
        hint="convert the file to one of these (from the CLI, a file of a known format "
        "with another name: pass --modality face|voice)",
    )


def _suffixes(kind: MediaKind) -> str:
    return " ".join(s for s, k in MEDIA_SUFFIXES.items() if k is kind)


class GalleryService:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        ledger: LedgerService,
        vault: VaultFiles,
        encoders: Encoders,
        face_threshold: float,
        voice_threshold: float = 0.40,
        index_files: IndexFiles | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._ledger = ledger
        self._vault = vault
        self._encoders = encoders
        self._thresholds = {Modality.FACE: face_threshold, Modality.VOICE: voice_threshold}
        self._index_files = index_files
        self._galleries: dict[str, _Gallery] = {}

    def default_threshold(self, modality: Modality) -> float:
        """The settings' threshold, in force where no calibration of the model is active."""
        return self._thresholds[modality]

    def in_force(self, modality: Modality, model_id: str) -> ThresholdInForce:
        """The threshold deciding matches of ``model_id`` now, and where it comes from."""
        with self._database.read() as connection:
            return self._in_force(connection, modality, model_id)

    def _in_force(
        self, connection: Connection, modality: Modality, model_id: str
    ) -> ThresholdInForce:
        active = CalibrationRepository(connection).active(modality, model_id)
        if active is None:
            return ThresholdInForce(modality, model_id, self._thresholds[modality], None)
        return ThresholdInForce(modality, model_id, active.threshold, active.id)

    def identify(self, path: Path) -> Identification:
        """Every face in a photo, or every voice segment in a recording, and who it is."""
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InvalidInputError(f"{path}: cannot read ({exc.strerror})") from None
        media_sha256 = hashlib.sha256(raw).hexdigest()
        suppressed = self.suppressed_in(media_sha256)
        # The model runs before the gallery is read: a missing extra is then named for
        # what was asked (voice, face), not for the index both share.
        if enrolment_modality(path) is Modality.FACE:
            encoder = self._encoders.face()
            found = encoder.faces(load_rgb(path))
            index, threshold = self._index(Modality.FACE, encoder.model_id, encoder.dimension)
            faces = tuple(
                self._nearest(f.box, f.embedding, index, suppressed, threshold) for f in found
            )
            return _identification(media_sha256, faces, (), threshold)
        voice = self._encoders.voice()
        segments = voice.segments(load_audio(path))
        index, threshold = self._index(Modality.VOICE, voice.model_id, voice.dimension)
        voices = tuple(
            self._nearest(TimeSpan(s.start, s.end), s.embedding, index, suppressed, threshold)
            for s in segments
        )
        return _identification(media_sha256, (), voices, threshold)

    def match(
        self,
        modality: Modality,
        model_id: str,
        embedding: Sequence[float],
        suppressed: frozenset[str],
    ) -> Match:
        """Identify one embedding (a scanned face track or voice segment) against the
        templates of the model that made it."""
        index, threshold = self._index(modality, model_id, len(embedding))
        return self._nearest(None, embedding, index, suppressed, threshold)

    def _nearest(
        self,
        where: Box | TimeSpan | None,
        embedding: Sequence[float],
        index: VectorIndex,
        suppressed: frozenset[str],
        threshold: ThresholdInForce,
    ) -> Match:
        skipped: list[str] = []
        for neighbour in index.search(embedding, k=8):
            if neighbour.label in suppressed:
                skipped.append(neighbour.label)
                continue
            performer = neighbour.label if neighbour.distance < threshold.value else None
            distance = round(neighbour.distance, 4)
            return Match(where, performer, distance, tuple(skipped), threshold)
        return Match(where, None, None, tuple(skipped), threshold)

    def suppressed_in(self, media_sha256: str) -> frozenset[str]:
        with self._database.read() as connection:
            return frozenset(TemplateRepository(connection).suppressed(media_sha256))

    def reject_match(self, path: Path, performer_id: str) -> bool:
        """Record that ``performer_id`` is not in this media; the pair stays suppressed."""
        try:
            media_sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise InvalidInputError(f"{path}: cannot read ({exc.strerror})") from None
        now = self._clock.now()
        with self._database.write() as connection:
            if not PerformerRepository(connection).exists(performer_id):
                raise NotFoundError("performer", performer_id)
            added = TemplateRepository(connection).add_correction(media_sha256, performer_id, now)
            if added:
                self._ledger.record(connection, [match_rejected(performer_id, media_sha256, now)])
        return added

    # -- the index: derived from the vault ------------------------------------------------

    def shred(self) -> None:
        """Erasure: the in-memory indexes hold everyone's embeddings; drop them now
        rather than at the next identification (rebuilt from the vault on demand)."""
        self.invalidate()

    def invalidate(self) -> None:
        """Forget every in-memory index (the template set changed)."""
        for gallery in list(self._galleries.values()):
            with gallery.lock:
                gallery.index = None

    def _index(
        self, modality: Modality, model_id: str, dimension: int
    ) -> tuple[VectorIndex, ThresholdInForce]:
        """The model's gallery and the threshold in force for it, read together (the
        calibration is read each time: another process may have activated one)."""
        gallery = self._galleries.setdefault(model_id, _Gallery())
        with self._database.read() as connection:
            threshold = self._in_force(connection, modality, model_id)
            rows = TemplateRepository(connection).for_model(model_id)
            ids = tuple(r.id for r in rows)
            with gallery.lock:
                if gallery.index is not None and gallery.template_ids == ids:
                    return gallery.index, threshold
                index = _new_index(model_id, dimension, len(rows))
                for key, label, vector in self._gallery_entries(connection, rows, dimension):
                    index.add(key, label, vector)
                gallery.index, gallery.template_ids = index, ids
                return index, threshold

    def _gallery_entries(
        self, connection: Connection, rows: Sequence[TemplateRow], dimension: int
    ) -> list[tuple[str, str, tuple[float, ...]]]:
        """Template vectors: from the sealed index file when it is current, else the vault."""
        if not rows:
            return []
        model_id, stamp = rows[0].model_id, fingerprint([r.id for r in rows])
        if self._index_files is not None:
            saved = self._index_files.load(model_id, stamp, dimension)
            if saved is not None:
                return saved
        keys = VaultKeys(connection)
        entries = []
        for row in rows:
            key = keys.existing_key(row.performer_id)
            if key is None:
                continue  # erased: its templates are noise now
            vector = unpack(self._vault.open(row.performer_id, row.id, "template", key))
            entries.append((row.id, row.performer_id, vector))
        if self._index_files is not None:
            self._index_files.save(model_id, stamp, entries)
        return entries


def _identification(
    media_sha256: str,
    faces: tuple[Match, ...],
    voices: tuple[Match, ...],
    threshold: ThresholdInForce,
) -> Identification:
    return Identification(
        media_sha256, faces, voices, threshold.model_id, threshold.value, threshold.name
    )


def _new_index(model_id: str, dimension: int, size: int) -> VectorIndex:
    if size <= EXACT_UP_TO:
        return ExactIndex(model_id, dimension)
    from likeness.recognition.ann_index import ApproximateIndex

    return ApproximateIndex(model_id, dimension)
