"""Enrolment of faces and voices: quality gates, the sealed vault, the log — and
re-embedding when the model changes.

Enrolment is all or nothing: every file is read and passes the quality gates before
anything is written. Raw files and templates are sealed in the vault under the
performer's data key, each template is committed to in the log, and the gallery is
told to rebuild its index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from likeness.domain.consent import Modality
from likeness.errors import InvalidInputError, NotFoundError
from likeness.recognition.encoders import Encoders
from likeness.recognition.media import load_audio, load_rgb, load_rgb_bytes
from likeness.recognition.ports import Detection, Face, Pixels, Samples
from likeness.services.biometrics import BiometricShredder
from likeness.services.events import Recorded, enrolment_added, enrolment_removed
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
class Measure:
    """One measure a verdict was reached on, as a person reads it ("face size", "212 px")."""

    name: str
    value: str


@dataclass(frozen=True)
class Verdict:
    """What enrolling one file would say of it, reached by the same gates without keeping
    anything. ``message`` says what was found, or why the file is refused (without the
    file's name: the verdict is shown beside it); ``hint``, what to do about it."""

    modality: Modality | None  # None: a kind of file enrolment does not read
    accepted: bool
    message: str
    hint: str | None = None
    measures: tuple[Measure, ...] = ()
    notes: tuple[str, ...] = ()


def refused(
    path: Path, modality: Modality | None, exc: InvalidInputError, name: str | None = None
) -> Verdict:
    """The verdict of a file a gate refused: its message less the file's own path, which
    is said as ``name`` (the upload's name) wherever else the message repeats it."""
    shown = name or path.name
    message = exc.message.removeprefix(f"{path}: ")
    hint = None if exc.hint is None else as_named(exc.hint, path, shown)
    return Verdict(modality, False, as_named(message, path, shown), hint)


def as_named(text: str, path: Path, name: str) -> str:
    """``text`` with every mention of ``path`` (and of the name it was held under) said as
    ``name``: a decoder's message repeats the path of the file it read, and where the
    server holds an upload is no business of the person who sent it."""
    return text.replace(str(path), name).replace(path.name, name)


@dataclass(frozen=True)
class Holding:
    """What is enrolled of one modality, never the templates themselves."""

    modality: Modality
    templates: int
    model_ids: tuple[str, ...]
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True)
class Removal:
    performer_id: str
    modalities: tuple[Modality, ...]
    template_ids: tuple[str, ...]


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
        shredder: BiometricShredder,
        gates: Gates = Gates(),
    ) -> None:
        self._database = database
        self._clock = clock
        self._ids = ids
        self._ledger = ledger
        self._vault = vault
        self._encoders = encoders
        self._gallery = gallery
        self._shredder = shredder
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

    def holdings(self, performer_id: str) -> list[Holding]:
        """What the performer has enrolled, by modality (face first)."""
        with self._database.read() as connection:
            rows = TemplateRepository(connection).for_performer(performer_id)
        found = []
        for modality in Modality:
            mine = [r for r in rows if r.modality == modality.value]
            if mine:
                models = tuple(sorted({r.model_id for r in mine}))
                first, last = mine[0].created_at, mine[-1].created_at
                found.append(Holding(modality, len(mine), models, first, last))
        return found

    def remove(self, performer_id: str, modalities: Collection[Modality]) -> Recorded[Removal]:
        """Destroy the performer's templates of these modalities (rows, sealed files and
        the salts of their commitments) and log it. Scans will no longer recognise them
        by these modalities; past reports and the log stay."""
        chosen = tuple(m for m in Modality if m in modalities)
        if not chosen:
            raise InvalidInputError("choose face, voice or both to remove")
        with self._database.write() as connection:
            if not PerformerRepository(connection).exists(performer_id):
                raise NotFoundError("performer", performer_id)
            template_ids = self._shredder.destroy_templates(
                connection, performer_id, [m.value for m in chosen]
            )
            if not template_ids:
                raise InvalidInputError(
                    f"nothing to remove: no {' or '.join(m.value for m in chosen)} "
                    "templates are enrolled"
                )
            event = enrolment_removed(
                performer_id, modalities=chosen, template_ids=template_ids, at=self._clock.now()
            )
            indexes = self._ledger.record(connection, [event])
        self._shredder.shred_templates(performer_id, template_ids)
        self._gallery.invalidate()
        removal = Removal(performer_id, chosen, tuple(template_ids))
        return Recorded(removal, tuple(indexes))

    def check(
        self, path: Path, modality: Modality | None = None, *, name: str | None = None
    ) -> Verdict:
        """The verdict ``enrol`` would reach on one file, by the same gates, keeping
        nothing: no vault file, no template, no log entry (the portal shows it before a
        person presses "Enrol"; that request uploads again and enrols all or nothing).
        ``name``: what to call the file in the verdict (an upload's own name)."""
        notes: list[str] = []
        kind = modality
        try:
            kind = modality or enrolment_modality(path)
            if kind is Modality.FACE:
                _, chosen = self._clear_face(path, notes)
                quality = chosen.quality
                measures = (
                    Measure("face size", f"{quality.size} px (at least {self._gates.min_face})"),
                    Measure(
                        "sharpness",
                        f"{quality.sharpness:.1f} (at least {self._gates.min_sharpness:g})",
                    ),
                    Measure("turn", f"{quality.yaw:.2f} (at most {self._gates.max_yaw:g})"),
                )
                found = "one clear face"
                shown = name or path.name
                mine = tuple(as_named(n.removeprefix(f"{path}: "), path, shown) for n in notes)
                return Verdict(kind, True, found, measures=measures, notes=mine)
            if kind is Modality.VOICE:
                _, speech = self._speech(path)
                heard = Measure("speech", f"{speech:.1f} s (at least {self._gates.min_speech:g} s)")
                return Verdict(kind, True, f"{speech:.1f} s of speech", measures=(heard,))
            raise InvalidInputError(f"modality {kind.value!r} is not face or voice")
        except InvalidInputError as exc:
            return refused(path, kind, exc, name)

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
        samples, _ = self._speech(path)
        return Sample(Modality.VOICE, encoder.model_id, path.read_bytes(), encoder.embed(samples))

    def _speech(self, path: Path) -> tuple[Samples, float]:
        """The recording's samples and seconds of speech, if they pass the speech gate."""
        samples = load_audio(path)
        speech = self._encoders.voice().speech_seconds(samples)
        if speech < self._gates.min_speech:
            raise InvalidInputError(
                f"{path}: only {speech:.1f} s of speech; at least "
                f"{self._gates.min_speech:.0f} s are needed to enrol a voice",
                hint="record the performer reading a few sentences",
            )
        return samples, speech

    def _face(self, path: Path, notes: list[str]) -> Face:
        image, chosen = self._clear_face(path, notes)
        return Face(chosen.box, chosen.quality, self._encoders.face().embed(image, chosen))

    def _clear_face(self, path: Path, notes: list[str]) -> tuple[Pixels, Detection]:
        """The photo and its one clear face, if it passes the photo gates."""
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
        quality, gates = chosen.quality, self._gates
        if quality.size < gates.min_face:
            raise InvalidInputError(
                f"{path}: the face is {quality.size} px; at least {gates.min_face} px are needed",
                hint="use a photo taken closer, or a larger copy of it (not enlarged)",
            )
        if quality.sharpness < gates.min_sharpness:
            raise InvalidInputError(
                f"{path}: the face is too blurred (sharpness "
                f"{quality.sharpness:.1f} < {gates.min_sharpness})",
                hint="use a sharper photo: in focus, steady, well lit",
            )
        if quality.yaw > gates.max_yaw:
            raise InvalidInputError(
                f"{path}: the face is turned too far (yaw {quality.yaw:.2f}"
                f" > {gates.max_yaw}); use a frontal photo"
            )
        return image, chosen

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
