"""Voice enrolment with a spoken phrase: PocketSphinx's shipped English model checks the
words offline, Resemblyzer makes the template. The speech is Debian's espeak-ng, a
synthesiser: these tests show that the check hears the issued words and refuses other
words, not how it does with human speakers, accents or noisy rooms (docs/recognition.md).
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from likeness.bootstrap import Services, build_services
from likeness.cli.app import EXIT_CODES, app
from likeness.cli.state import CliState
from likeness.errors import ErrorKind, LivenessError
from likeness.ledger.entry import decode_entry
from likeness.recognition.phrase_check import VOCABULARY, PhraseRecogniser
from likeness.services.enrolment_phrase import PhraseEnrolmentService
from likeness.services.inputs import PerformerInput
from likeness.store.secret_box import derive_key
from likeness.store.templates import TemplateRepository
from likeness.testing import FixedClock

pytestmark = [pytest.mark.model, pytest.mark.slow]
runner = CliRunner()
VOICE = "en-us+m3"
SEED = 17  # the service draws from the system's CSPRNG; a test fixes its words


def seeded(services: Services) -> Services:
    """The same services, whose phrases are drawn from a seeded generator, so that a
    test's outcome does not depend on which words chance picks (recognition accuracy on
    synthetic speech is measured apart: docs/recognition.md)."""
    fixed = PhraseEnrolmentService(
        database=services.database,
        clock=services.clock,
        key=derive_key(services.master_key, "enrolment-phrase"),
        recogniser=PhraseRecogniser(),
        enrolment=services.enrolment,
        chooser=random.Random(SEED),
    )
    return dataclasses.replace(services, _phrase_enrolment=fixed)


def say(words: tuple[str, ...] | list[str], out: Path) -> Path:
    """The words read twice, a pause between each, as a performer reads a card aloud."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.fail("the phrase tests need Debian's espeak-ng (scripts/system-deps installs it)")
    text = ", ".join(words)
    subprocess.run(
        [espeak, "-v", VOICE, "-g", "12", "-s", "150", "-w", str(out), f"{text}. {text}"],
        check=True,
    )
    return out


def person(services: Services, name: str) -> str:
    return services.registry.add_performer(
        PerformerInput(legal_name=name, date_of_birth=date(1980, 1, 1))
    ).value.id


def voice_templates(services: Services, performer: str) -> int:
    with services.database.read() as connection:
        return sum(r.performer_id == performer for r in TemplateRepository(connection).all())


def other_words(words: tuple[str, ...]) -> list[str]:
    return [w for w in VOCABULARY if w not in words][:5]


def test_the_issued_phrase_spoken_enrols_the_voice(services: Services, tmp_path: Path) -> None:
    services = seeded(services)
    performer = person(services, "Speaker")
    phrase = services.phrase_enrolment.issue(performer)
    assert len(set(phrase.words)) == 5 and set(phrase.words) <= set(VOCABULARY)
    recording = say(phrase.words, tmp_path / "phrase.wav")
    recorded = services.phrase_enrolment.enrol(performer, recording, phrase.token)
    assert voice_templates(services, performer) == 1
    entry = decode_entry(services.ledger.receipt(recorded.log_indexes[0]).entry)
    assert isinstance(entry["commitments"], dict) and "liveness" in entry["commitments"]


def test_other_words_are_refused_and_nothing_is_kept(services: Services, tmp_path: Path) -> None:
    performer = person(services, "Other words")
    phrase = services.phrase_enrolment.issue(performer)
    recording = say(other_words(phrase.words), tmp_path / "wrong.wav")
    size = services.ledger.size()
    with pytest.raises(LivenessError, match="does not say the phrase") as refused:
        services.phrase_enrolment.enrol(performer, recording, phrase.token)
    assert " ".join(phrase.words) in (refused.value.hint or "")  # what to read, again
    assert voice_templates(services, performer) == 0
    assert services.ledger.size() == size


def test_the_whole_vocabulary_read_out_is_refused(services: Services, tmp_path: Path) -> None:
    """Every phrase is in order somewhere in the vocabulary read five times over: such a
    recording must not pass for any phrase (a fifth of it, read twice, is refused already)."""
    performer = person(services, "Everything")
    phrase = services.phrase_enrolment.issue(performer)
    recording = say(VOCABULARY[:10], tmp_path / "all.wav")  # read twice: 20 words
    with pytest.raises(LivenessError, match="words heard for a phrase of 5"):
        services.phrase_enrolment.enrol(performer, recording, phrase.token)


def test_a_token_is_refused_for_another_performer_altered_or_expired(
    services: Services, clock: FixedClock, tmp_path: Path
) -> None:
    ada, bo = person(services, "Ada"), person(services, "Bo")
    phrase = services.phrase_enrolment.issue(ada)
    recording = say(phrase.words, tmp_path / "ada.wav")
    with pytest.raises(LivenessError, match="another performer"):
        services.phrase_enrolment.enrol(bo, recording, phrase.token)
    signature = phrase.token.partition(".")[2]
    forged = services.phrase_enrolment.issue(ada).token.partition(".")[0] + "." + signature
    with pytest.raises(LivenessError, match="not one this service issued"):
        services.phrase_enrolment.enrol(ada, recording, forged)
    clock.advance(minutes=16)
    with pytest.raises(LivenessError, match="expired"):
        services.phrase_enrolment.enrol(ada, recording, phrase.token)
    assert voice_templates(services, ada) == voice_templates(services, bo) == 0


def test_the_cli_issues_a_phrase_and_enrols_its_recording(
    services: Services, tmp_path: Path
) -> None:
    performer = person(services, "Cli")
    home = ["--home", str(services.settings.home)]
    services.close()
    state = CliState(build=lambda settings: seeded(build_services(settings)))
    issued = runner.invoke(app, [*home, "enrol-phrase", performer, "--json"], obj=state)
    assert issued.exit_code == 0, issued.output
    phrase = json.loads(issued.output)
    words = tuple(phrase["phrase"].split())
    wrong = say(other_words(words), tmp_path / "wrong.wav")
    refused = runner.invoke(
        app, [*home, "enrol-voice", performer, str(wrong), "--token", phrase["token"]]
    )
    assert refused.exit_code == EXIT_CODES[ErrorKind.INVALID], refused.output
    assert phrase["phrase"] in refused.output  # the hint repeats what to read
    right = say(words, tmp_path / "right.wav")
    done = runner.invoke(
        app, [*home, "enrol-voice", performer, str(right), "--token", phrase["token"]]
    )
    assert done.exit_code == 0, done.output
    assert "phrase heard" in done.output
