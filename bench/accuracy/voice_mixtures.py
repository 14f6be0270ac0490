"""Voices in mixtures: identification and timing against SNR, on scenes built by
tests/voice_mixtures.py (espeak-ng voices, synthesised music, white/pink/babble noise).

Run: .venv/bin/python bench/accuracy/voice_mixtures.py [--thresholds 0.40 0.55]

espeak-ng voices are formant variants of ONE synthesiser, NOT human speakers: the
figures show whether a scan cuts a mixture at speaker changes and finds each enrolled
voice at its times among other voices, music and noise; they do not show how well
Resemblyzer tells real people apart, nor how it fares on real recordings, rooms or
microphones.

Three voices are enrolled from clean speech (6 sentences each); the scene (28 s) has
seven turns of those voices and of two strangers, three turns starting 0.5 s before
the previous one ends; a second scene puts an enrolled voice 6 dB under another for 2 s.
For each SNR, noise and threshold it prints, per enrolled turn: found (a sighting of
that performer with start and end within 1 s of the truth), the start and end errors of
the best-overlapping sighting of that performer, and false matches (sightings named for
a performer whose voice fills less than half their span). Sightings are identified
against the nearest template and merged as a scan merges them
(``likeness.scan.appearances.merge``). Also the genuine and impostor distance ranges.

Baseline in the same run: the pipeline before this change (split at pauses only, no
background subtraction), on the same mixtures.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from likeness.domain.consent import Modality
from likeness.recognition.ports import VoiceSegment
from likeness.recognition.resemblyzer_voice import (
    FRAME,
    MIN_SEGMENT_S,
    RATE,
    ResemblyzerVoiceEncoder,
)
from likeness.scan.appearances import Sighting, merge
from tests.voice_mixtures import (
    ENROLLED,
    SCENE,
    UNDER,
    Mixture,
    Truth,
    enrolment_speech,
    mix,
)

TOLERANCE_S = 1.0
CONDITIONS = [
    (None, "none"),
    *((snr, kind) for snr in (20, 10, 5) for kind in ("pink", "white", "babble")),
]


def before(encoder: ResemblyzerVoiceEncoder, samples: Any) -> list[VoiceSegment]:
    """The previous ``segments``: split at pauses only, no background subtraction."""
    found = []
    for first, last in encoder._regions(encoder._speech_mask(samples)):
        if (last - first) * FRAME / RATE >= MIN_SEGMENT_S:
            piece = samples[first * FRAME : last * FRAME]
            span = (first * FRAME / RATE, last * FRAME / RATE)
            found.append(VoiceSegment(*span, encoder.embed(piece)))
    return found


def identify(
    segments: list[VoiceSegment], templates: dict[str, Any], threshold: float
) -> list[Sighting]:
    sightings = []
    for segment in segments:
        vector = np.array(segment.embedding)
        distances = {v: float(np.linalg.norm(vector - t)) for v, t in templates.items()}
        nearest = min(distances, key=lambda v: distances[v])
        who = nearest if distances[nearest] < threshold else None
        sightings.append(
            Sighting(who, Modality.VOICE, segment.start, segment.end, distances[nearest])
        )
    return merge(sightings)


def score(truths: tuple[Truth, ...], sightings: list[Sighting]) -> dict[str, Any]:
    found, errors, false = 0, [], 0
    enrolled = [t for t in truths if t.voice in ENROLLED]
    for truth in enrolled:
        mine = [s for s in sightings if s.performer_id == truth.voice]
        best = max(
            mine, key=lambda s: min(s.end, truth.end) - max(s.start, truth.start), default=None
        )
        if best is not None and min(best.end, truth.end) > max(best.start, truth.start):
            errors.append(max(abs(best.start - truth.start), abs(best.end - truth.end)))
        if any(
            abs(s.start - truth.start) <= TOLERANCE_S and abs(s.end - truth.end) <= TOLERANCE_S
            for s in mine
        ):
            found += 1
    for s in sightings:
        if s.performer_id is None:
            continue
        heard = sum(
            max(0.0, min(s.end, t.end) - max(s.start, t.start))
            for t in truths
            if t.voice == s.performer_id
        )
        false += heard < 0.5 * (s.end - s.start)
    return {"found": found, "of": len(enrolled), "errors": errors, "false": false}


def distances(
    truths: tuple[Truth, ...], segments: list[VoiceSegment], templates: dict[str, Any]
) -> tuple[list[float], list[float]]:
    """Each segment against each template: genuine when that voice fills most of it."""
    genuine, impostor = [], []
    for segment in segments:
        vector = np.array(segment.embedding)
        for voice, template in templates.items():
            heard = sum(
                max(0.0, min(segment.end, t.end) - max(segment.start, t.start))
                for t in truths
                if t.voice == voice
            )
            distance = float(np.linalg.norm(vector - template))
            if heard >= 0.5 * (segment.end - segment.start):
                genuine.append(distance)
            elif heard == 0:
                impostor.append(distance)
    return genuine, impostor


def run(
    name: str,
    pipeline: Callable[[Any], list[VoiceSegment]],
    mixtures: dict[tuple[float | None, str], Mixture],
    templates: dict[str, Any],
    thresholds: list[float],
) -> float:
    print(f"\n{name}")
    print(
        "  SNR   noise   | genuine d   | impostor min | "
        + " | ".join(f"t={t:.2f} found  false  worst err" for t in thresholds)
    )
    seconds = 0.0
    for (snr, kind), mixture in mixtures.items():
        started = time.perf_counter()
        segments = pipeline(mixture.samples)
        seconds += time.perf_counter() - started
        genuine, impostor = distances(mixture.truths, segments, templates)
        cells = []
        for threshold in thresholds:
            s = score(mixture.truths, identify(segments, templates, threshold))
            worst = f"{max(s['errors']):.2f} s" if s["errors"] else "-"
            cells.append(f"{s['found']}/{s['of']:<3} {s['false']:>5}  {worst:>9}")
        gen = f"{min(genuine):.2f}-{max(genuine):.2f}" if genuine else "-"
        imp = f"{min(impostor):.2f}" if impostor else "-"
        label = "clean" if snr is None else f"{snr:>2} dB"
        print(f"  {label:5} {kind:7} | {gen:11} | {imp:12} | " + " | ".join(cells))
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.40, 0.55])
    args = parser.parse_args()
    encoder = ResemblyzerVoiceEncoder()
    templates = {v: np.array(encoder.embed(enrolment_speech(v))) for v in ENROLLED}
    cache: dict[tuple[str, int], Any] = {}
    scenes = {}
    for snr, kind in CONDITIONS:
        scenes[snr, kind] = mix(SCENE, snr_db=snr, noise_kind=kind if snr else "pink", cache=cache)
    under = {
        (snr, kind): mix(UNDER, snr_db=snr, noise_kind=kind if snr else "pink", cache=cache)
        for snr, kind in CONDITIONS[:4]
    }
    audio_s = sum(len(m.samples) for m in scenes.values()) / RATE
    print(f"scene: {len(SCENE)} turns, {audio_s / len(scenes):.1f} s; {len(scenes)} conditions")
    old = run(
        "before: split at pauses, no cleanup",
        lambda x: before(encoder, x),
        scenes,
        templates,
        args.thresholds,
    )
    new = run(
        "after: background subtracted, cut at speaker changes",
        encoder.segments,
        scenes,
        templates,
        args.thresholds,
    )
    run(
        "after, enrolled voice 6 dB under another for 2 s (UNDER scene)",
        encoder.segments,
        under,
        templates,
        args.thresholds,
    )
    print(
        f"\nspeed (one thread): before {audio_s / old:.0f}x real time, "
        f"after {audio_s / new:.0f}x real time ({new / old:.2f}x the time of before)"
    )


if __name__ == "__main__":
    main()
