"""Voice enrolment and identification with the real Resemblyzer model, on speech decoded
by PyAV. The speech is synthesised by Debian's espeak-ng with distinct voices: formant
variants of one synthesiser, acceptable test material but not a human-speaker
benchmark (docs/recognition.md)."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import wave
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from likeness.bootstrap import Services
from likeness.cli.app import EXIT_CODES, app
from likeness.errors import InvalidInputError
from likeness.services.inputs import PerformerInput
from likeness.settings import Settings

pytestmark = [pytest.mark.model, pytest.mark.slow]
runner = CliRunner()

ENROL = [
    "Every performer deserves consent and fair pay for the use of a digital replica.",
    "The studio asked to scan the background actors on Tuesday morning before lunch.",
]
PROBE = "Please read the contract carefully and ask your agent about every clause."
ENROLLED = ["en-us+f2", "en-gb-scotland+m5", "en-029+f4"]
STRANGER = "en-gb-x-rp+m7"


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.fail("the voice tests need Debian's espeak-ng (scripts/system-deps installs it)")
    folder = tmp_path_factory.mktemp("speech")
    for voice in [*ENROLLED, STRANGER]:
        for i, text in enumerate([*ENROL, PROBE]):
            subprocess.run(
                [espeak, "-v", voice, "-w", str(folder / f"{voice}_{i}.wav"), text], check=True
            )
    return folder


def person(services: Services, name: str) -> str:
    return services.registry.add_performer(
        PerformerInput(legal_name=name, date_of_birth=date(1980, 1, 1))
    ).value.id


def concatenate(parts: list[Path], out: Path, pause_s: float = 1.2) -> Path:
    frames, params = [], None
    for part in parts:
        with wave.open(str(part)) as w:
            params = w.getparams()
            frames.append(w.readframes(w.getnframes()))
    assert params is not None
    silence = b"\x00\x00" * int(params.framerate * pause_s)
    with wave.open(str(out), "wb") as w:
        w.setparams(params)
        w.writeframes(silence.join(frames))
    return out


def test_voices_are_named_and_a_stranger_is_unknown(
    services: Services, speech: Path, tmp_path: Path
) -> None:
    ids = {}
    for voice in ENROLLED:
        ids[voice] = person(services, voice)
        services.enrolment.enrol(ids[voice], [speech / f"{voice}_0.wav", speech / f"{voice}_1.wav"])
    for voice in ENROLLED:
        [segment] = services.gallery.identify(speech / f"{voice}_2.wav").voices
        assert (segment.decision, segment.performer_id) == ("match", ids[voice]), voice
    [stranger] = services.gallery.identify(speech / f"{STRANGER}_2.wav").voices
    assert stranger.decision == "unknown" and stranger.performer_id is None
    # One recording, three speakers separated by pauses: each segment is named in turn.
    mixed = concatenate(
        [speech / f"{v}_2.wav" for v in (ENROLLED[1], STRANGER, ENROLLED[0])],
        tmp_path / "mixed.wav",
    )
    found = services.gallery.identify(mixed).voices
    assert [s.performer_id for s in found] == [ids[ENROLLED[1]], None, ids[ENROLLED[0]]]
    assert all(b.where.start > a.where.end for a, b in itertools.pairwise(found))  # type: ignore[union-attr]


def test_identify_voices_json(services: Services, settings: Settings, speech: Path) -> None:
    performer = person(services, "Voice")
    services.enrolment.enrol(performer, [speech / f"{ENROLLED[0]}_0.wav"])
    result = runner.invoke(
        app,
        ["--home", str(settings.home), "identify", str(speech / f"{ENROLLED[0]}_2.wav"), "--json"],
    )
    assert result.exit_code == 0, result.output
    [voice] = json.loads(result.stdout)["voices"]
    assert voice["decision"] == "match" and voice["performer_id"] == performer
    assert 0 <= voice["start"] < voice["end"] and voice["distance"] < 0.4


def test_audio_with_no_speech_is_refused(services: Services, tmp_path: Path) -> None:
    performer = person(services, "Silent")
    silent = tmp_path / "silence.wav"
    with wave.open(str(silent), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x00\x00" * 16000 * 5)
    before = services.ledger.size()
    with pytest.raises(InvalidInputError, match=r"only 0\.0 s of speech; at least 3 s"):
        services.enrolment.enrol(performer, [silent])
    assert services.ledger.size() == before
    assert not (services.layout.vault / performer).exists()


def test_cli_refuses_a_damaged_audio_file(
    services: Services, settings: Settings, tmp_path: Path
) -> None:
    performer = person(services, "Damaged")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    result = runner.invoke(app, ["--home", str(settings.home), "enrol", performer, str(bad)])
    assert result.exit_code == EXIT_CODES["invalid"]
    assert "bad.wav" in result.stderr
