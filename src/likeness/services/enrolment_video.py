"""Face enrolment from a short video of the head turning, with a liveness check.

The video is decoded at a few frames per second (PyAV); every frame must show one face
(frames without a face are skipped). The check refuses a flat picture — a photo held to
the camera, tilted or not, or a screen replaying one — and a head that did not turn
both ways (``recognition/liveness.py`` measures both). Templates are made from three
poses: the most frontal frame and the most turned frame each way that pass the photo
gates (face size, sharpness).

What is kept: the three frames the templates were made from, sealed in the vault as a
photo enrolment's photo is (so that ``likeness reindex`` can re-embed them), and the
templates. The video itself is never written anywhere by this service and is discarded
when the request ends. Each template's log entry commits to the verdict and its
measures (no landmarks, no pixels) and to the video's SHA-256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from likeness.domain.consent import Modality
from likeness.errors import InvalidInputError, LivenessError, NotFoundError
from likeness.recognition import liveness
from likeness.recognition.encoders import Encoders
from likeness.recognition.media import MediaKind, media_kind, png_bytes
from likeness.recognition.ports import Detection
from likeness.scan.frames import sample_frames
from likeness.services.enrolment import (
    Enrolment,
    EnrolmentService,
    Gates,
    Measure,
    Sample,
    Verdict,
    one_face,
    refused,
)
from likeness.services.events import Recorded
from likeness.store.database import Database
from likeness.store.repositories import PerformerRepository

CHECK = "planar-parallax/v2"  # names the check and its thresholds in the log (v2: breaks)


@dataclass(frozen=True)
class LivenessGates:
    """What a live enrolment video must show (docs/recognition.md, "Liveness")."""

    fps: float = 8.0  # frames looked at per second of video
    max_seconds: float = 20.0  # a few seconds are asked for; longer is refused
    min_frames: int = 8  # frames showing a face
    min_turn: float = 0.15  # |signed yaw| reached each way (0 frontal, 1 nose at an eye)
    # Points' motion left unexplained by one homography, over the eye distance, held over
    # 3 frames of one unbroken chain: flat pictures and slideshows of stills measured at
    # most 0.0136, heads rendered turning ±20° at least 0.0195 (bench/RESULTS.md,
    # "Enrolment liveness", second round).
    min_parallax: float = 0.016


@dataclass(frozen=True)
class _Seen:
    time: float
    image: Any
    detection: Detection
    yaw: float


class VideoEnrolmentService:
    def __init__(
        self,
        *,
        database: Database,
        encoders: Encoders,
        enrolment: EnrolmentService,
        photo_gates: Gates | None = None,
        gates: LivenessGates | None = None,
    ) -> None:
        self._database = database
        self._encoders = encoders
        self._enrolment = enrolment
        self._photo_gates = photo_gates or Gates()
        self._gates = gates or LivenessGates()

    def enrol(self, performer_id: str, path: Path) -> Recorded[Enrolment]:
        """Enrol a face from a video of the head turning left and right; refuse a flat
        picture or a head that did not turn (``LivenessError``), writing nothing."""
        with self._database.read() as connection:
            if not PerformerRepository(connection).exists(performer_id):
                raise NotFoundError("performer", performer_id)
        motion, poses = self._live(path)
        video_sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        samples = [self._sample(shot, motion, video_sha256, pose) for pose, shot in poses]
        return self._enrolment.record(performer_id, samples)

    def check(self, path: Path, *, name: str | None = None) -> Verdict:
        """The verdict ``enrol`` would reach on the video, by the same checks, keeping
        nothing (no frame, template or log entry); ``name``: what to call the file."""
        try:
            motion, _ = self._live(path)
        except InvalidInputError as exc:  # LivenessError too
            return refused(path, Modality.FACE, exc, name)
        measures = (
            Measure("turn", f"{motion.yaw_min:+.2f} to {motion.yaw_max:+.2f}"),
            Measure("depth (parallax)", f"{motion.planar_residual:.3f}"),
            Measure("frames with a face", str(motion.frames)),
        )
        return Verdict(Modality.FACE, True, "a live head turn", measures=measures)

    def _live(self, path: Path) -> tuple[liveness.Motion, list[tuple[str, _Seen]]]:
        """The liveness measures and the three poses for templates, if the video passes."""
        if media_kind(path) is not MediaKind.VIDEO:
            raise InvalidInputError(
                f"{path}: not a video; live enrolment reads a short video of the head turning",
                hint="record 3 to 10 seconds: face the camera, turn left, then right",
            )
        seen, frames = self._watch(path)
        motion = self._check(path, frames)
        return motion, self._poses(seen)

    def _watch(self, path: Path) -> tuple[list[_Seen], list[liveness.FaceFrame]]:
        """Every sampled frame with one face: the frames that pass the photo gates (for
        templates) and all of them, as the liveness check reads them."""
        encoder = self._encoders.face()
        seen, frames = [], []
        for time, image in self._frames(path):
            detections = encoder.detect(image)
            if not detections:
                continue
            found, _ = one_face(detections)  # weak detections beside one clear face: ignored
            if found is None:
                raise InvalidInputError(
                    f"{path}: {len(detections)} faces at {time:.1f} s; a live enrolment "
                    "video must show the performer alone"
                )
            frame = liveness.face_frame(time, image, found)  # a small grey crop, not the frame
            frames.append(frame)
            quality = found.quality
            if (
                quality.size >= self._photo_gates.min_face
                and quality.sharpness >= self._photo_gates.min_sharpness
            ):
                seen.append(_Seen(time, image, found, liveness.signed_yaw(frame.landmarks)))
                seen = _candidates(seen)  # only they keep their colour frame in memory
        return seen, frames

    def _frames(self, path: Path) -> Iterator[tuple[float, Any]]:
        for frame in sample_frames(path, self._gates.fps):
            if frame.time > self._gates.max_seconds:
                raise InvalidInputError(
                    f"{path}: longer than {self._gates.max_seconds:.0f} s; a live enrolment "
                    "needs only a few seconds",
                    hint="record 3 to 10 seconds: face the camera, turn left, then right",
                )
            yield frame.time, frame.image

    def _check(self, path: Path, frames: list[liveness.FaceFrame]) -> liveness.Motion:
        gates = self._gates
        if len(frames) < gates.min_frames:
            raise LivenessError(
                f"{path}: a face was found in {len(frames)} frame(s); at least "
                f"{gates.min_frames} are needed ({gates.fps:g} are read per second)",
                hint="record 3 to 10 seconds with the face in view, well lit",
            )
        motion = liveness.measure(frames)
        if motion.yaw_min > -gates.min_turn or motion.yaw_max < gates.min_turn:
            raise LivenessError(
                f"{path}: the head did not turn both ways (turn measured from "
                f"{motion.yaw_min:+.2f} to {motion.yaw_max:+.2f}; "
                f"±{gates.min_turn:.2f} is needed each way)",
                hint="record again: face the camera, turn slowly left, then right",
            )
        if motion.planar_residual < gates.min_parallax:
            raise LivenessError(
                f"{path}: the face moved as a flat picture does (parallax "
                f"{motion.planar_residual:.3f} < {gates.min_parallax}): a photo or a screen "
                "held to the camera is not accepted",
                hint="the performer must be filmed in person, turning their head",
            )
        return motion

    def _poses(self, seen: list[_Seen]) -> list[tuple[str, _Seen]]:
        """The most frontal frame and the most turned one each way, among those that pass
        the photo gates; refused if either turn has no such frame."""
        if not seen:
            raise InvalidInputError(
                "no frame passes the photo gates (face at least "
                f"{self._photo_gates.min_face} px, sharp)",
                hint="film closer to the camera, in better light",
            )
        frontal, one_way, other_way = _candidates(seen)
        turn = self._gates.min_turn
        if one_way.yaw > -turn / 2 or other_way.yaw < turn / 2:
            raise InvalidInputError(
                "the turned frames are too blurred or small for templates",
                hint="turn more slowly, closer to the camera",
            )
        return [("frontal", frontal), ("turned", one_way), ("turned", other_way)]

    def _sample(self, shot: _Seen, motion: liveness.Motion, video: str, pose: str) -> Sample:
        encoder = self._encoders.face()
        return Sample(
            modality=Modality.FACE,
            model_id=encoder.model_id,
            raw=png_bytes(shot.image),
            embedding=encoder.embed(shot.image, shot.detection),
            liveness={
                "check": CHECK,
                "verdict": "live",
                "parallax": f"{motion.planar_residual:.4f}",
                "turn": f"{motion.yaw_min:+.2f}..{motion.yaw_max:+.2f}",
                "frames": str(motion.frames),
                "breaks": str(motion.breaks),
                "pose": f"{pose} {shot.yaw:+.2f} at {shot.time:.2f} s",
                "video_sha256": video,
            },
        )


def _candidates(seen: list[_Seen]) -> list[_Seen]:
    """The most frontal frame, and the most turned one each way (in that order)."""
    return [
        min(seen, key=lambda s: abs(s.yaw)),
        min(seen, key=lambda s: s.yaw),
        max(seen, key=lambda s: s.yaw),
    ]
