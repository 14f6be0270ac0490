"""Enrolment of faces and voices: quality gates, the sealed vault, the log — and
re-embedding when the model changes.

Enrolment is all or nothing: every file is read and passes the quality gates before
anything is written. Raw files and templates are sealed in the vault under the
performer's data key, each template is committed to in the log, and the gallery is
told to rebuild its index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from likeness.domain.consent import Modality
from likeness.errors import InvalidInputError, NotFoundError
from likeness.recognition.encoders import Encoders
from likeness.recognition.media import load_audio, load_rgb, load_rgb_bytes
from likeness.recognition.ports import Detection, Face
from likeness.services.events import Recorded, enrolment_added
from likeness.services.gallery import GalleryService, enrolment_modality, pack
from likeness.services.ledger import LedgerService
from likeness.services.ports import Clock, IdFactory
from likeness.store.database import Database
from likeness.store.repositories import PerformerRepository
from likeness.store.templates import TemplateRepository, TemplateRow
from likeness.store.vault import VaultFiles, VaultKeys


@dataclass(frozen=True)
class Gates:
    """Enrolment quality gates (docs/recognition.md)."""

    min_face: int = 80  # pixels, the shorter side of the face box
    min_sharpness: float = 10.0  # variance of the Laplacian of the grey face crop
    max_yaw: float = 0.45  # eye–nose distance imbalance; 0 is frontal
    min_speech: float = 3.0  # seconds of speech (voice activity) to enrol a voice


@dataclass(frozen=True)
class Sample:
    """One template to enrol: the file (or frame) it was made from, sealed with it, and
    the liveness check it passed, committed to in its log entry."""

    modality: Modality
    model_id: str
    raw: bytes
    embedding: tuple[float, ...]
    liveness: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Enrolment:
    performer_id: str
    template_ids: tuple[str, ...]
    model_id: str  # the models that made the templates, comma-separated
    notes: tuple[str, ...] = ()  # e.g. weak face detections ignored beside the clear one


class EnrolmentService:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        ids: IdFactory,
        ledger: LedgerService,
        vault: VaultFiles,
        encoders: Encoders,
        gallery: GalleryService,
        gates: Gates = Gates(),
    ) -> None:
        self._database = database
        self._clock = clock
        self._ids = ids
        self._ledger = ledger
        self._vault = vault
        self._encoders = encoders
        self._gallery = gallery
        self._gates = gates

    def enrol(
        self, performer_id: str, paths: Sequence[Path], modality: Modality | None = None
    ) -> Recorded[Enrolment]:
        if not paths:
            raise InvalidInputError("name at least one photo to enrol")
        with self._database.read() as connection:
            if not PerformerRepository(connection).exists(performer_id):
                raise NotFoundError("performer", performer_id)
        notes: list[str] = []
        samples = [self._sample(path, modality, notes) for path in paths]  # all gates first
        recorded = self.record(performer_id, samples)
        return replace(recorded, value=replace(recorded.value, notes=tuple(notes)))

    def record(self, performer_id: str, samples: Sequence[Sample]) -> Recorded[Enrolment]:
        """Seal samples that passed their gates, commit to each in the log, and have the
        gallery rebuilt: all of them or none."""
        now = self._clock.now()
        template_ids = []
        with self._database.write() as connection:
            key = VaultKeys(connection).data_key(performer_id, now)
            repository = TemplateRepository(connection)
            events = []
            for sample in samples:
                template_id = self._ids.new()
                vector = pack(sample.embedding)
                source = hashlib.sha256(sample.raw).hexdigest()
                self._vault.seal(performer_id, f"{template_id}.scan", "scan", sample.raw, key)
                self._vault.seal(performer_id, template_id, "template", vector, key)
                repository.add(
                    TemplateRow(
                        template_id, performer_id, sample.modality, sample.model_id, source, now
                    )
                )
                events.append(
                    enrolment_added(
                        performer_id=performer_id,
                        template_id=template_id,
                        modality=sample.modality,
                        model_id=sample.model_id,
                        source_sha256=source,
                        template_sha256=hashlib.sha256(vector).hexdigest(),
                        at=now,
                        liveness=sample.liveness,
                    )
                )
                template_ids.append(template_id)
            indexes = self._ledger.record(connection, events)
        self._gallery.invalidate()
        models = ",".join(sorted({sample.model_id for sample in samples}))
        return Recorded(Enrolment(performer_id, tuple(template_ids), models), tuple(indexes))

    def _sample(self, path: Path, modality: Modality | None, notes: list[str]) -> Sample:
        kind = modality or enrolment_modality(path)
        if kind is Modality.FACE:
            face = self._face(path, notes)
            return Sample(kind, self._encoders.face().model_id, path.read_bytes(), face.embedding)
        if kind is Modality.VOICE:
            return self.voice_sample(path)
        raise InvalidInputError(f"modality {kind.value!r} is not face or voice")

    def voice_sample(self, path: Path) -> Sample:
        """A voice template from a recording that passes the speech gate."""
        encoder = self._encoders.voice()
        samples = load_audio(path)
        speech = encoder.speech_seconds(samples)
        if speech < self._gates.min_speech:
            raise InvalidInputError(
                f"{path}: only {speech:.1f} s of speech; at least "
                f"{self._gates.min_speech:.0f} s are needed to enrol a voice",
                hint="record the performer reading a few sentences",
            )
        return Sample(Modality.VOICE, encoder.model_id, path.read_bytes(), encoder.embed(samples))

    def _face(self, path: Path, notes: list[str]) -> Face:
        encoder, image = self._encoders.face(), load_rgb(path)
        detections = encoder.detect(image)
        chosen, ignored = one_face(detections)
        if chosen is None:
            clear = sum(d.clear for d in detections)
            raise InvalidInputError(
                f"{path}: found {len(detections)} faces"
                + (f" ({clear} clear)" if clear != len(detections) else "")
                + "; an enrolment photo must show exactly one",
                hint="crop the photo to the performer"
                if detections
                else "use a clearer, frontal photo",
            )
        if ignored:
            notes.append(
                f"{path}: enrolled the one clear face; ignored {ignored} weak face "
                f"detection{'s' if ignored > 1 else ''} (crop the photo if that is wrong)"
            )
        face = Face(chosen.box, chosen.quality, encoder.embed(image, chosen))
        gates = self._gates
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
        return face

    def reindex(self) -> int:
        """Re-embed, from the sealed scans, every face template made by another model
        version; returns how many templates were made. The gallery is then rebuilt."""
        encoder, now, made = self._encoders.face(), self._clock.now(), 0
        with self._database.write() as connection:
            repository = TemplateRepository(connection)
            current = {r.source_sha256 for r in repository.for_model(encoder.model_id)}
            keys = VaultKeys(connection)
            for row in repository.all():
                if (
                    row.modality != Modality.FACE
                    or row.model_id == encoder.model_id
                    or (row.source_sha256 in current)
                ):
                    continue
                key = keys.existing_key(row.performer_id)
                if key is None:
                    continue
                raw = self._vault.open(row.performer_id, f"{row.id}.scan", "scan", key)
                image = load_rgb_bytes(raw, row.id)
                chosen, _ = one_face(encoder.detect(image))
                if chosen is None:
                    continue  # the new model disagrees about the photo: left for a person
                template_id = self._ids.new()
                self._vault.seal(row.performer_id, f"{template_id}.scan", "scan", raw, key)
                self._vault.seal(
                    row.performer_id,
                    template_id,
                    "template",
                    pack(encoder.embed(image, chosen)),
                    key,
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
        self._gallery.invalidate()
        return made


def one_face(detections: Sequence[Detection]) -> tuple[Detection | None, int]:
    """The face to enrol and how many weak detections beside it were ignored: the only
    face found, or the one clear face when every other is weak (scored low or found
    small, and confirmed only by a second check: recognition/dlib_confirm.py). None when
    there is no face, or more than one clear face."""
    if len(detections) == 1:
        return detections[0], 0
    clear = [d for d in detections if d.clear]
    if len(clear) == 1:
        return clear[0], len(detections) - 1
    return None, 0
