"""Enrolment and identification of faces, over the vault and an exact index.

Enrolment is all or nothing: every file is read and passes the quality gates before
anything is written. Raw files and templates are sealed in the vault under the
performer's data key; the index is derived state, kept in memory and rebuilt from the
vault when the template set changes. Identification answers ``match`` only below a
distance threshold calibrated on impostor pairs (docs/recognition.md), else ``unknown``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from likeness.errors import InvalidInputError, NotFoundError
from likeness.ledger.entry import LogEvent
from likeness.recognition.exact_index import ExactIndex
from likeness.recognition.media import load_audio, load_rgb, load_rgb_bytes
from likeness.recognition.ports import Face, FaceEncoder, VectorIndex, VoiceEncoder
from likeness.services.events import Recorded
from likeness.services.ledger import LedgerService
from likeness.services.ports import Clock, IdFactory
from likeness.store.database import Database
from likeness.store.index_files import IndexFiles, fingerprint
from likeness.store.repositories import PerformerRepository
from likeness.store.templates import TemplateRepository, TemplateRow
from likeness.store.vault import VaultFiles, VaultKeys

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"}
AUDIO_VIDEO_SUFFIXES = {".wav", ".mp3", ".flac", ".ogg", ".m4a", ".mp4", ".mov", ".mkv", ".webm"}


@dataclass(frozen=True)
class Gates:
    """Enrolment quality gates (docs/recognition.md)."""

    min_face: int = 80  # pixels, the shorter side of the face box
    min_sharpness: float = 10.0  # variance of the Laplacian of the grey face crop
    max_yaw: float = 0.45  # eye–nose distance imbalance; 0 is frontal
    min_speech: float = 3.0  # seconds of speech (voice activity) to enrol a voice


@dataclass(frozen=True)
class _Sample:
    modality: str
    model_id: str
    raw: bytes
    embedding: tuple[float, ...]


@dataclass(frozen=True)
class Enrolment:
    performer_id: str
    template_ids: tuple[str, ...]
    model_id: str


@dataclass(frozen=True)
class FaceMatch:
    """A face (``box``: x, y, w, h) or a voice segment (``box``: start, end seconds)."""

    box: list[Any]
    decision: str  # "match" | "unknown"
    performer_id: str | None
    distance: float | None
    suppressed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Identification:
    media_sha256: str
    faces: tuple[FaceMatch, ...]
    voices: tuple[Any, ...] = ()
    model_id: str = ""
    threshold: float = 0.0


@dataclass
class _Gallery:
    index: VectorIndex | None = None
    template_ids: tuple[str, ...] = ()
    lock: threading.Lock = field(default_factory=threading.Lock)


class RecognitionService:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        ids: IdFactory,
        ledger: LedgerService,
        vault: VaultFiles,
        master_key: bytes,
        face_encoder: Callable[[], FaceEncoder],
        face_threshold: float,
        voice_encoder: Callable[[], VoiceEncoder] | None = None,
        voice_threshold: float = 0.40,
        index_files: IndexFiles | None = None,
        gates: Gates = Gates(),
    ) -> None:
        self._database = database
        self._clock = clock
        self._ids = ids
        self._ledger = ledger
        self._vault = vault
        self._master_key = master_key
        self._make_encoder = face_encoder
        self._encoder: FaceEncoder | None = None
        self._encoder_lock = threading.Lock()
        self.face_threshold = face_threshold
        self._make_voice = voice_encoder
        self._voice: VoiceEncoder | None = None
        self.voice_threshold = voice_threshold
        self._gates = gates
        self._galleries: dict[str, _Gallery] = {}
        self._index_files = index_files

    def encoder(self) -> FaceEncoder:
        with self._encoder_lock:
            if self._encoder is None:
                self._encoder = self._make_encoder()
            return self._encoder

    def voice_encoder(self) -> VoiceEncoder:
        with self._encoder_lock:
            if self._voice is None:
                if self._make_voice is None:
                    raise InvalidInputError("voice recognition is not configured")
                self._voice = self._make_voice()
            return self._voice

    # -- enrolment ------------------------------------------------------------------

    def enrol(
        self, performer_id: str, paths: Sequence[Path], modality: str | None = None
    ) -> Recorded[Enrolment]:
        if not paths:
            raise InvalidInputError("name at least one photo to enrol")
        with self._database.read() as connection:
            if PerformerRepository(connection).get(performer_id) is None:
                raise NotFoundError("performer", performer_id)
        samples = [self._sample(path, modality) for path in paths]  # all gates first
        now = self._clock.now()
        template_ids = []
        with self._database.write() as connection:
            key = VaultKeys(connection, self._master_key).data_key(performer_id, now)
            repository = TemplateRepository(connection)
            events = []
            for sample in samples:
                template_id = self._ids.new()
                vector = _pack(sample.embedding)
                source = hashlib.sha256(sample.raw).hexdigest()
                self._vault.seal(performer_id, f"{template_id}.scan", "scan", sample.raw, key)
                self._vault.seal(performer_id, template_id, "template", vector, key)
                repository.add(
                    TemplateRow(
                        template_id, performer_id, sample.modality, sample.model_id, source, now
                    )
                )
                events.append(
                    (
                        LogEvent(
                            type="enrolment.added",
                            at=now,
                            ids={"performer": performer_id, "template": template_id},
                            record={
                                "modality": sample.modality,
                                "model_id": sample.model_id,
                                "source_sha256": source,
                                "template_sha256": hashlib.sha256(vector).hexdigest(),
                            },
                        ),
                        f"template:{template_id}",
                    )
                )
                template_ids.append(template_id)
            indexes = self._ledger.record(connection, events)
        self.invalidate()
        models = ",".join(sorted({sample.model_id for sample in samples}))
        return Recorded(Enrolment(performer_id, tuple(template_ids), models), tuple(indexes))

    def _sample(self, path: Path, modality: str | None) -> _Sample:
        kind = modality or _infer_modality(path)
        if kind == "face":
            _, raw, face = self._face_sample(path)
            return _Sample("face", self.encoder().model_id, raw, face.embedding)
        if kind == "voice":
            return self._voice_sample(path)
        raise InvalidInputError(f"modality {kind!r} is not face or voice")

    def _voice_sample(self, path: Path) -> _Sample:
        encoder = self.voice_encoder()
        samples = load_audio(path)
        speech = encoder.speech_seconds(samples)
        if speech < self._gates.min_speech:
            raise InvalidInputError(
                f"{path}: only {speech:.1f} s of speech; at least "
                f"{self._gates.min_speech:.0f} s are needed to enrol a voice",
                hint="record the performer reading a few sentences",
            )
        return _Sample("voice", encoder.model_id, path.read_bytes(), encoder.embed(samples))

    def _face_sample(self, path: Path) -> tuple[Path, bytes, Face]:
        image = load_rgb(path)
        faces = self.encoder().faces(image)
        if len(faces) != 1:
            raise InvalidInputError(
                f"{path}: found {len(faces)} faces; an enrolment photo must show exactly one",
                hint="crop the photo to the performer" if faces else "use a clearer, frontal photo",
            )
        face, gates = faces[0], self._gates
        if face.quality.size < gates.min_face:
            raise InvalidInputError(
                f"{path}: the face is {face.quality.size} px; at least "
                f"{gates.min_face} px are needed"
            )
        if face.quality.sharpness < gates.min_sharpness:
            raise InvalidInputError(
                f"{path}: the face is too blurred (sharpness "
                f"{face.quality.sharpness:.1f} < {gates.min_sharpness})"
            )
        if face.quality.yaw > gates.max_yaw:
            raise InvalidInputError(
                f"{path}: the face is turned too far (yaw {face.quality.yaw:.2f}"
                f" > {gates.max_yaw}); use a frontal photo"
            )
        return path, path.read_bytes(), face

    # -- identification ---------------------------------------------------------------

    def identify(self, path: Path) -> Identification:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InvalidInputError(f"{path}: cannot read ({exc.strerror})") from None
        media_sha256 = hashlib.sha256(raw).hexdigest()
        with self._database.read() as connection:
            suppressed = TemplateRepository(connection).suppressed(media_sha256)
        if _infer_modality(path) == "face":
            encoder = self.encoder()
            faces = encoder.faces(load_rgb(path))
            index = self._index(encoder.model_id, encoder.dimension)
            matches = tuple(
                self._decide(f.box.as_list(), f.embedding, index, suppressed, self.face_threshold)
                for f in faces
            )
            return Identification(media_sha256, matches, (), encoder.model_id, self.face_threshold)
        voice = self.voice_encoder()
        index = self._index(voice.model_id, voice.dimension)
        voices = tuple(
            self._decide(
                [segment.start, segment.end],
                segment.embedding,
                index,
                suppressed,
                self.voice_threshold,
            )
            for segment in voice.segments(load_audio(path))
        )
        return Identification(media_sha256, (), voices, voice.model_id, self.voice_threshold)

    def _decide(
        self,
        where: list[Any],
        embedding: Sequence[float],
        index: VectorIndex,
        suppressed: set[str],
        threshold: float,
    ) -> FaceMatch:
        skipped: list[str] = []
        for neighbour in index.search(embedding, k=8):
            if neighbour.label in suppressed:
                skipped.append(neighbour.label)
                continue
            decision = "match" if neighbour.distance < threshold else "unknown"
            performer = neighbour.label if decision == "match" else None
            return FaceMatch(
                where, decision, performer, round(neighbour.distance, 4), tuple(skipped)
            )
        return FaceMatch(where, "unknown", None, None, tuple(skipped))

    def match_embedding(
        self, modality: str, embedding: Sequence[float], suppressed: set[str]
    ) -> FaceMatch:
        """Identify one embedding (a face track or a voice segment) for a scan."""
        if modality == "face":
            encoder: FaceEncoder | VoiceEncoder = self.encoder()
            threshold = self.face_threshold
        else:
            encoder, threshold = self.voice_encoder(), self.voice_threshold
        index = self._index(encoder.model_id, encoder.dimension)
        return self._decide([], embedding, index, suppressed, threshold)

    def suppressed_in(self, media_sha256: str) -> set[str]:
        with self._database.read() as connection:
            return TemplateRepository(connection).suppressed(media_sha256)

    def reject_match(self, path: Path, performer_id: str) -> bool:
        """Record that ``performer_id`` is not in this media; the pair stays suppressed."""
        media_sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        with self._database.write() as connection:
            if PerformerRepository(connection).get(performer_id) is None:
                raise NotFoundError("performer", performer_id)
            added = TemplateRepository(connection).add_correction(
                media_sha256, performer_id, self._clock.now()
            )
            if added:
                self._ledger.record(
                    connection,
                    [
                        (
                            LogEvent(
                                type="match.rejected",
                                at=self._clock.now(),
                                ids={"performer": performer_id},
                                record={"media_sha256": media_sha256},
                            ),
                            None,
                        )
                    ],
                )
        return added

    # -- the index: derived from the vault ------------------------------------------------

    def invalidate(self) -> None:
        for gallery in list(self._galleries.values()):
            with gallery.lock:
                gallery.index = None

    def _index(self, model_id: str, dimension: int) -> VectorIndex:
        gallery = self._galleries.setdefault(model_id, _Gallery())
        with self._database.read() as connection:
            rows = TemplateRepository(connection).for_model(model_id)
            ids = tuple(r.id for r in rows)
            with gallery.lock:
                if gallery.index is not None and gallery.template_ids == ids:
                    return gallery.index
                index = _new_index(model_id, dimension, len(rows))
                for key, label, vector in self._gallery_entries(connection, rows, dimension):
                    index.add(key, label, vector)
                gallery.index, gallery.template_ids = index, ids
                return index

    def _gallery_entries(
        self, connection: Any, rows: Sequence[TemplateRow], dimension: int
    ) -> list[tuple[str, str, tuple[float, ...]]]:
        """Template vectors: from the sealed index file when it is current, else the vault."""
        if not rows:
            return []
        model_id, stamp = rows[0].model_id, fingerprint([r.id for r in rows])
        if self._index_files is not None:
            saved = self._index_files.load(model_id, stamp, dimension)
            if saved is not None:
                return saved
        keys = VaultKeys(connection, self._master_key)
        entries = []
        for row in rows:
            key = keys.existing_key(row.performer_id)
            if key is None:
                continue  # erased: its templates are noise now
            vector = _unpack(self._vault.open(row.performer_id, row.id, "template", key))
            entries.append((row.id, row.performer_id, vector))
        if self._index_files is not None:
            self._index_files.save(model_id, stamp, entries)
        return entries

    def reindex(self) -> int:
        """Re-embed, from the sealed scans, every template made by another model version;
        returns how many templates were made. The index is then rebuilt."""
        encoder, now, made = self.encoder(), self._clock.now(), 0
        with self._database.write() as connection:
            repository = TemplateRepository(connection)
            current = {r.source_sha256 for r in repository.for_model(encoder.model_id)}
            keys = VaultKeys(connection, self._master_key)
            for row in repository.all():
                if (
                    row.modality != "face"
                    or row.model_id == encoder.model_id
                    or (row.source_sha256 in current)
                ):
                    continue
                key = keys.existing_key(row.performer_id)
                if key is None:
                    continue
                raw = self._vault.open(row.performer_id, f"{row.id}.scan", "scan", key)
                faces = encoder.faces(load_rgb_bytes(raw, row.id))
                if len(faces) != 1:
                    continue  # the new model disagrees about the photo: left for a person
                template_id = self._ids.new()
                self._vault.seal(row.performer_id, f"{template_id}.scan", "scan", raw, key)
                self._vault.seal(
                    row.performer_id, template_id, "template", _pack(faces[0].embedding), key
                )
                repository.add(
                    TemplateRow(
                        template_id,
                        row.performer_id,
                        row.modality,
                        encoder.model_id,
                        row.source_sha256,
                        now,
                    )
                )
                current.add(row.source_sha256)
                made += 1
        self.invalidate()
        return made


# Exact search costs ~0.35 µs per template per query (17 ms at 50,000 on 2 cores); past
# this size the approximate index answers in well under a millisecond (bench/RESULTS.md).
EXACT_UP_TO = 20_000


def _new_index(model_id: str, dimension: int, size: int) -> VectorIndex:
    if size <= EXACT_UP_TO:
        return ExactIndex(model_id, dimension)
    from likeness.recognition.ann_index import ApproximateIndex

    return ApproximateIndex(model_id, dimension)


def _infer_modality(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "face"
    if suffix in AUDIO_VIDEO_SUFFIXES:
        return "voice"
    raise InvalidInputError(
        f"{path}: cannot tell the modality from '{suffix}'", hint="pass --modality face|voice"
    )


def _pack(vector: Sequence[float]) -> bytes:
    import struct

    return struct.pack(f"<{len(vector)}d", *vector)


def _unpack(data: bytes) -> tuple[float, ...]:
    import struct

    return struct.unpack(f"<{len(data) // 8}d", data)
