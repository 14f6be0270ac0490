"""Scans of voice mixtures with the real Resemblyzer model: overlapping turns of enrolled
and unenrolled voices over music and noise at stated SNRs (tests/voice_mixtures.py).

The voices are espeak-ng variants of one synthesiser, NOT human speakers: these tests
show that a scan cuts a mixture at speaker changes, finds each enrolled voice within a
second of its true times and leaves strangers unknown; they do not show how well the
model tells real people apart (docs/recognition.md).

The threshold is 0.55, not the default 0.40: music and noise move a genuine d-vector
0.1-0.2 further from its clean template (bench/RESULTS.md, "Voices in mixtures"), so a
deployment scanning such audio calibrates its threshold on mixtures of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from likeness.bootstrap import Services, build_services, initialise
from likeness.domain.consent import Modality
from likeness.domain.production import Agreement, ProductionKind
from likeness.domain.scan import Appearance, ScanOptions
from likeness.services.inputs import PerformerInput, ProductionInput
from likeness.settings import Settings
from likeness.testing import FixedClock
from tests.voice_mixtures import (
    ENROLLED,
    SCENE,
    UNDER,
    Mixture,
    Truth,
    enrolment_speech,
    mix,
    save_wav,
)

pytestmark = [pytest.mark.model, pytest.mark.slow]
THRESHOLD = 0.55
TOLERANCE_S = 1.0


@pytest.fixture
def mixture_services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    tuned = settings.model_copy(update={"voice_match_threshold": THRESHOLD})
    initialise(tuned, clock=clock)
    built = build_services(tuned, clock=clock)
    yield built
    built.close()


@pytest.fixture
def cast(mixture_services: Services, tmp_path: Path) -> tuple[dict[str, str], str]:
    """Each enrolled voice's performer id (from clean speech), and a production."""
    ids = {}
    for voice in ENROLLED:
        ids[voice] = mixture_services.registry.add_performer(
            PerformerInput(legal_name=voice, date_of_birth=date(1980, 1, 1))
        ).value.id
        recording = save_wav(enrolment_speech(voice), tmp_path / f"{voice}.wav")
        mixture_services.enrolment.enrol(ids[voice], [recording])
    film = mixture_services.registry.add_production(
        ProductionInput(
            title="Mixtures",
            company="Acme",
            kind=ProductionKind.STREAMING,
            agreement=Agreement.SAG_AFTRA_TV_THEATRICAL,
            start_date=date(2025, 1, 1),
        )
    ).value.id
    return ids, film


def scanned(services: Services, film: str, mixture: Mixture, path: Path) -> list[Appearance]:
    report = services.scans.scan([save_wav(mixture.samples, path)], ScanOptions(production_id=film))
    [media] = report.media
    return [a for a in media.appearances if a.modality is Modality.VOICE]


def found_at(truth: Truth, performer: str, voices: list[Appearance]) -> bool:
    return any(
        a.performer_id == performer
        and abs(float(a.start) - truth.start) <= TOLERANCE_S
        and abs(float(a.end) - truth.end) <= TOLERANCE_S
        for a in voices
    )


def false_matches(
    truths: tuple[Truth, ...], ids: dict[str, str], voices: list[Appearance]
) -> list[Appearance]:
    """Appearances named for a performer whose voice is not heard in most of their span
    (an unenrolled voice, or another enrolled one, taken for them)."""
    wrong = []
    for a in voices:
        if a.performer_id is None:
            continue
        start, end = float(a.start), float(a.end)
        heard = sum(
            max(0.0, min(end, t.end) - max(start, t.start))
            for t in truths
            if ids.get(t.voice) == a.performer_id
        )
        if heard < 0.5 * (end - start):
            wrong.append(a)
    return wrong


@pytest.mark.parametrize(
    ("snr_db", "noise"),
    [(None, "pink"), (20, "pink"), (20, "babble"), (10, "pink"), (10, "white")],
)
def test_each_enrolled_voice_is_found_at_its_times(
    mixture_services: Services,
    cast: tuple[dict[str, str], str],
    snr_db: float | None,
    noise: str,
    tmp_path: Path,
) -> None:
    ids, film = cast
    mixture = mix(SCENE, snr_db=snr_db, noise_kind=noise)
    voices = scanned(mixture_services, film, mixture, tmp_path / "scene.wav")
    missed = [t for t in mixture.truths if t.voice in ids and not found_at(t, ids[t.voice], voices)]
    assert not missed, (missed, voices)
    assert not false_matches(mixture.truths, ids, voices), voices
    # the two strangers' turns are heard, and named for no one
    assert sum(1 for a in voices if a.performer_id is None) >= 2


def test_a_voice_under_a_louder_one_is_found_where_it_dominates(
    mixture_services: Services, cast: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    ids, film = cast
    mixture = mix(UNDER, snr_db=20, noise_kind="pink")
    voices = scanned(mixture_services, film, mixture, tmp_path / "under.wav")
    loud, quiet, _ = mixture.truths
    assert found_at(loud, ids[loud.voice], voices), voices
    [heard] = [a for a in voices if a.performer_id == ids[quiet.voice]]
    # its end is found; its start is where the louder voice stops, not under it
    assert abs(float(heard.end) - quiet.end) <= TOLERANCE_S
    assert loud.end - TOLERANCE_S <= float(heard.start) <= loud.end + TOLERANCE_S
    assert not false_matches(mixture.truths, ids, voices), voices
