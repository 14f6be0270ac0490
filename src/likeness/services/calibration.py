"""Calibrating the match threshold of the current model on a labelled folder an operator
owns (``likeness calibrate FOLDER``), and choosing which calibration is in force.

The folder holds one subfolder per person (the subfolder's name is the operator's label;
it is used to pair files and is never stored or logged). Faces are read from images,
voices from audio or video. Every file is embedded with the encoder in use now, so a
calibration belongs to one model id; the gallery uses the active calibration of exactly
that model (services/gallery.py). What is stored: the model and detector ids, a digest of
the files' hashes, counts, the chosen threshold and its rates, and a histogram of the
genuine and impostor distances (pair counts per bin, for the portal's chart); never the
files, the labels, the distances one by one or the embeddings. Activating a calibration
changes what matches, so it is a decision of record: a ``calibration.activated`` log
entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from likeness.domain.calibration import (
    DEFAULT_TARGET_FMR,
    Calibration,
    Evaluation,
    ThresholdInForce,
    distance_histogram,
    evaluate,
    pair_distances,
    pairs_needed,
)
from likeness.domain.consent import Modality
from likeness.errors import ConflictError, InvalidInputError, NotFoundError
from likeness.recognition.encoders import Encoders
from likeness.recognition.media import MediaKind, load_audio, load_rgb, media_kind
from likeness.recognition.ports import FaceEncoder
from likeness.services.events import Recorded, calibration_activated
from likeness.services.ledger import LedgerService
from likeness.services.ports import Clock, IdFactory
from likeness.store.calibrations import CalibrationRepository
from likeness.store.database import Database

MIN_SPEECH_S = 1.5  # as identification's shortest voice segment (docs/recognition.md)
KINDS = {
    Modality.FACE: frozenset({MediaKind.IMAGE}),
    Modality.VOICE: frozenset({MediaKind.AUDIO, MediaKind.VIDEO}),
}


@dataclass(frozen=True)
class CalibrationRun:
    """A calibration just made, what it measured, and the default it is compared with."""

    calibration: Calibration
    evaluation: Evaluation
    default_threshold: float

    @property
    def pairs_needed(self) -> int:
        """Impostor pairs, none under the threshold, that would show the target FMR."""
        return pairs_needed(self.evaluation.target_fmr)


@dataclass(frozen=True)
class _Sample:
    label: str
    path: Path


class CalibrationService:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        ids: IdFactory,
        ledger: LedgerService,
        encoders: Encoders,
        defaults: Callable[[Modality], float],
        in_force: Callable[[Modality, str], ThresholdInForce],
    ) -> None:
        self._database = database
        self._clock = clock
        self._ids = ids
        self._ledger = ledger
        self._encoders = encoders
        self._defaults = defaults
        self._in_force = in_force

    def calibrate(
        self,
        folder: Path,
        *,
        modality: Modality | None = None,
        target_fmr: float = DEFAULT_TARGET_FMR,
        created_by: str | None = None,
        progress: Callable[[Path], None] = lambda _: None,
    ) -> CalibrationRun:
        """Embed every file of the labelled ``folder`` with the current model, measure the
        genuine and impostor distances, choose the threshold for ``target_fmr``, and store
        the calibration (not active: ``activate`` puts it in force)."""
        chosen, samples = _labelled_files(folder, modality)
        model_id, detector_id, vectors = self._embed(chosen, samples, progress)
        default = self._defaults(chosen)
        evaluation = evaluate(pair_distances(vectors), target_fmr, default=default)
        calibration = Calibration(
            id=self._ids.new(),
            modality=chosen,
            model_id=model_id,
            detector_id=detector_id,
            dataset_sha256=_dataset_digest(samples),
            people=len(vectors),
            files=len(samples),
            genuine_pairs=len(evaluation.distances.genuine),
            impostor_pairs=len(evaluation.distances.impostor),
            threshold=evaluation.threshold,
            target_fmr=target_fmr,
            fmr=evaluation.at_threshold.fmr,
            fnmr=evaluation.at_threshold.fnmr,
            created_at=self._clock.now(),
            created_by=created_by,
            active=False,
            histogram=distance_histogram(evaluation.distances),
        )
        with self._database.write() as connection:
            CalibrationRepository(connection).add(calibration)
        return CalibrationRun(calibration, evaluation, default)

    def all(self) -> list[Calibration]:
        with self._database.read() as connection:
            return CalibrationRepository(connection).all()

    def get(self, calibration_id: str) -> Calibration:
        with self._database.read() as connection:
            found = CalibrationRepository(connection).get(calibration_id)
        if found is None:
            raise NotFoundError("calibration", calibration_id)
        return found

    def in_force(self, modality: Modality) -> ThresholdInForce:
        """The threshold deciding matches of the current model of ``modality`` now."""
        model_id = (
            self._encoders.face().model_id
            if modality is Modality.FACE
            else self._encoders.voice().model_id
        )
        return self._in_force(modality, model_id)

    def activate(self, calibration_id: str, *, anyway: bool = False) -> Recorded[Calibration]:
        """Put a calibration in force for its model. One whose data does not show its
        target false-match rate (too few impostor pairs) is refused unless ``anyway``."""
        with self._database.write() as connection:
            repository = CalibrationRepository(connection)
            found = repository.get(calibration_id)
            if found is None:
                raise NotFoundError("calibration", calibration_id)
            if found.active:
                return Recorded(found, ())
            if not found.demonstrated and not anyway:
                raise ConflictError(
                    f"calibration {found.id} does not show its target false-match rate "
                    f"{found.target_fmr:g}: the upper 95% bound is {found.fmr.upper:.4g} "
                    f"on {found.impostor_pairs} impostor pairs "
                    f"(at least {pairs_needed(found.target_fmr)} with no false match needed)",
                    hint="calibrate on a larger labelled set, or pass --anyway to put it in "
                    "force knowing this",
                )
            previous = repository.active(found.modality, found.model_id)
            repository.activate(found)
            now = self._clock.now()
            event = calibration_activated(found, None if previous is None else previous.id, now)
            indexes = self._ledger.record(connection, [event])
            active = repository.get(found.id)
        assert active is not None  # just written, in this transaction
        return Recorded(active, tuple(indexes))

    def _embed(
        self,
        modality: Modality,
        samples: Sequence[_Sample],
        progress: Callable[[Path], None],
    ) -> tuple[str, str | None, dict[str, list[tuple[float, ...]]]]:
        vectors: dict[str, list[tuple[float, ...]]] = {}
        if modality is Modality.FACE:
            face = self._encoders.face()
            for sample in samples:
                progress(sample.path)
                vectors.setdefault(sample.label, []).append(_one_face(face, sample.path))
            return face.model_id, face.detector_id, vectors
        voice = self._encoders.voice()
        for sample in samples:
            progress(sample.path)
            audio = load_audio(sample.path)
            speech = voice.speech_seconds(audio)
            if speech < MIN_SPEECH_S:
                raise InvalidInputError(
                    f"{sample.path}: {speech:.1f} s of speech; a calibration recording needs "
                    f"at least {MIN_SPEECH_S:g} s",
                    hint="replace or remove the file, then run the calibration again",
                )
            vectors.setdefault(sample.label, []).append(tuple(voice.embed(audio)))
        return voice.model_id, None, vectors


def _one_face(face: FaceEncoder, path: Path) -> tuple[float, ...]:
    found = face.faces(load_rgb(path))
    if len(found) != 1:
        raise InvalidInputError(
            f"{path}: {len(found)} faces found; a calibration photo must show exactly one "
            "face, of the person its folder names",
            hint="crop the photo to that person's face, or remove it, then run again",
        )
    return tuple(found[0].embedding)


def _labelled_files(folder: Path, modality: Modality | None) -> tuple[Modality, list[_Sample]]:
    """Every media file of each person's subfolder (nested folders included), and the
    modality: the one asked for, else faces where there are images, else voices."""
    if not folder.is_dir():
        raise InvalidInputError(
            f"{folder}: not a folder",
            hint="give a folder with one subfolder per person, each holding their files",
        )
    found: list[tuple[str, Path, MediaKind]] = []
    for person in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
        if not person.is_dir():
            if media_kind(person) is not None:
                raise InvalidInputError(
                    f"{person}: a file outside any person's subfolder (whose is it?)",
                    hint="move it into the subfolder of the person it shows",
                )
            continue
        for path in sorted(person.rglob("*")):
            kind = media_kind(path)
            if kind is not None and path.is_file() and not path.name.startswith("."):
                found.append((person.name, path, kind))
    if modality is None:
        modality = Modality.FACE if any(k is MediaKind.IMAGE for *_, k in found) else Modality.VOICE
    samples = [_Sample(label, path) for label, path, kind in found if kind in KINDS[modality]]
    people = {s.label for s in samples}
    if len(people) < 2:
        raise InvalidInputError(
            f"{folder}: {len(people)} person/people with {modality.value} files; a "
            "calibration needs at least two (impostor pairs)",
            hint="put each person's files in a subfolder of their own, two people or more",
        )
    return modality, samples


def _dataset_digest(samples: Sequence[_Sample]) -> str:
    """SHA-256 over each person's sorted file hashes, the people sorted: the same files
    grouped the same way give the same digest whatever the folders are called."""
    groups: dict[str, list[str]] = {}
    for sample in samples:
        try:
            data = sample.path.read_bytes()
        except OSError as exc:
            raise InvalidInputError(f"{sample.path}: cannot read ({exc.strerror})") from None
        groups.setdefault(sample.label, []).append(hashlib.sha256(data).hexdigest())
    lines = sorted(",".join(sorted(hashes)) for hashes in groups.values())
    return hashlib.sha256("\n".join(lines).encode("ascii")).hexdigest()
