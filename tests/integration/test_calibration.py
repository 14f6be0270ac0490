"""Calibration per model with the fake encoders (fast tier): a labelled folder of colour
blocks (a colour is a person), the calibration stored and reported, activation changing
the threshold that identification, scans and checks use and name, another model's
calibration never used, and bad folders refused. The same with dlib on the packaged
photos: test_calibration_faces.py (slow tier)."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from likeness.bootstrap import Services
from likeness.cli.app import EXIT_CODES, app
from likeness.cli.calibration_report import report_html as calibration_html
from likeness.cli.calibration_report import report_json
from likeness.domain.consent import Modality, ReplicaKind, UseFacts
from likeness.domain.decision import Audience
from likeness.domain.scan import ScanOptions
from likeness.errors import ConflictError, ErrorKind, InvalidInputError
from likeness.ledger.entry import decode_entry
from likeness.scan.report import report_csv, report_html
from likeness.settings import Settings
from likeness.store.calibrations import CalibrationRepository
from likeness.testing.media import RED, Block, Tone, face_image, tones_wav
from tests.casting import cast_with_consent
from tests.conftest import fake_cli

runner = CliRunner()

# Four people; Ada and Bo with two photos each (genuine pairs). Di's orange is the
# impostor nearest to Ada's reds (0.31), well under the default threshold (0.5).
PEOPLE = {
    "Ada Lovelace": [(220, 30, 30), (210, 40, 30)],
    "Bo": [(30, 200, 40), (40, 190, 50)],
    "Cy": [(30, 60, 220)],
    "Di": [(220, 120, 30)],
}
PROBE = (220, 130, 30)  # nearer Ada than the default threshold, farther than Di


def labelled_folder(root: Path, people: dict[str, list[tuple[int, int, int]]]) -> Path:
    for name, colours in people.items():
        (root / name).mkdir(parents=True)
        for i, colour in enumerate(colours):
            face_image(root / name / f"{i}.png", [Block(colour)])
    return root


def unit(colour: tuple[int, int, int]) -> np.ndarray:
    v = np.array(colour, dtype=float)
    return v / np.linalg.norm(v)


def expected_distances() -> tuple[list[float], list[float]]:
    """Computed here from the colours, as the fake encoder defines a face's embedding."""
    samples = [(name, unit(c)) for name, colours in PEOPLE.items() for c in colours]
    genuine, impostor = [], []
    for (a, u), (b, v) in itertools.combinations(samples, 2):
        (genuine if a == b else impostor).append(float(np.linalg.norm(u - v)))
    return sorted(genuine), sorted(impostor)


def test_a_calibration_measures_the_folder_and_reports_both_distributions(
    fake_services: Services, tmp_path: Path
) -> None:
    folder = labelled_folder(tmp_path / "set", PEOPLE)
    run = fake_services.calibrations.calibrate(folder, target_fmr=0.05, created_by="cli:op")
    genuine, impostor = expected_distances()
    c = run.calibration
    assert (c.modality, c.model_id, c.detector_id) == (
        Modality.FACE,
        "fake-face@1",
        "fake-colour-blocks",
    )
    assert (c.people, c.files, c.genuine_pairs, c.impostor_pairs) == (4, 6, 2, 13)
    # 5% of 13 pairs allows none: the closest impostor pair, rounded down to 1e-4
    assert c.threshold == math.floor(impostor[0] * 1e4) / 1e4
    assert (c.fmr.errors, c.fnmr.errors) == (0, sum(g >= c.threshold for g in genuine))
    assert c.fmr.upper == pytest.approx(3 / 13)  # the rule of three
    assert not c.active and not c.demonstrated
    assert run.evaluation.distances.genuine == pytest.approx(genuine, abs=1e-9)
    assert run.evaluation.distances.impostor == pytest.approx(impostor, abs=1e-9)

    data = report_json(run)
    assert data["genuine"]["pairs"] == 2 and data["impostor"]["pairs"] == 13
    assert data["impostor"]["min"] == pytest.approx(impostor[0], abs=1e-6)
    assert data["genuine"]["max"] == pytest.approx(genuine[-1], abs=1e-6)
    assert sum(data["histogram"]["genuine"]) == 2 and sum(data["histogram"]["impostor"]) == 13
    assert data["impostor_pairs_needed"] == 60
    page = calibration_html(run)
    svg = page[page.index("<svg") : page.index("</svg>")]
    genuine_bars = svg[svg.index('data-name="genuine"') : svg.index('data-name="impostor"')]
    impostor_bars = svg[svg.index('data-name="impostor"') :]
    assert sum(int(n) for n in _pairs_of(genuine_bars)) == 2
    assert sum(int(n) for n in _pairs_of(impostor_bars)) == 13
    assert f'data-label="chosen" data-value="{c.threshold!r}"' in svg
    assert 'data-label="default" data-value="0.5"' in svg
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")
    # The operator's labels are nowhere in what is stored or reported.
    assert "Ada Lovelace" not in json.dumps(data) and "Ada Lovelace" not in page
    assert [x.id for x in fake_services.calibrations.all()] == [c.id]


def _pairs_of(svg: str) -> list[str]:
    return [part.split('"')[0] for part in svg.split('data-count="')[1:]]


def test_activation_changes_what_identify_scans_and_checks_decide_and_name(
    fake_services: Services, tmp_path: Path
) -> None:
    ids = cast_with_consent(fake_services, "ada", "bo")
    fake_services.enrolment.enrol(ids["ada"], [face_image(tmp_path / "ada.png", [Block(RED)])])
    probe = face_image(tmp_path / "probe.png", [Block(PROBE)])
    distance = float(np.linalg.norm(unit(PROBE) - unit(RED)))
    before = fake_services.gallery.identify(probe)
    assert (before.threshold, before.calibration) == (0.5, "default")
    assert before.faces[0].performer_id == ids["ada"]  # distance < 0.5

    folder = labelled_folder(tmp_path / "set", PEOPLE)
    run = fake_services.calibrations.calibrate(folder, target_fmr=0.05)
    assert run.calibration.threshold < distance < 0.5
    with pytest.raises(ConflictError, match="does not show its target"):
        fake_services.calibrations.activate(run.calibration.id)
    assert fake_services.gallery.identify(probe).calibration == "default"  # refused: unchanged

    size = fake_services.ledger.size()
    recorded = fake_services.calibrations.activate(run.calibration.id, anyway=True)
    assert recorded.value.active
    entry = decode_entry(fake_services.ledger.receipt(recorded.log_indexes[0]).entry)
    assert entry["type"] == "calibration.activated"
    assert entry["ids"] == {"calibration": run.calibration.id}
    assert fake_services.ledger.size() == size + 1
    assert b"Ada Lovelace" not in fake_services.ledger.receipt(recorded.log_indexes[0]).entry

    after = fake_services.gallery.identify(probe)
    assert (after.threshold, after.calibration) == (run.calibration.threshold, run.calibration.id)
    assert after.faces[0].performer_id is None  # the same face is unknown now
    assert after.faces[0].distance == pytest.approx(distance, abs=1e-4)

    report = fake_services.scans.scan([probe], ScanOptions(production_id=ids["film"]))
    [appearance] = report.appearances()
    assert appearance.calibration == run.calibration.id
    assert appearance.threshold == run.calibration.threshold
    assert appearance.to_json()["calibration"] == run.calibration.id
    assert run.calibration.id in report_csv(report).splitlines()[1]
    chip = f"<code class='id-chip'>{run.calibration.id}</code>"
    assert f"{run.calibration.threshold:g} (calibration {chip})" in report_html(report)

    use = UseFacts(
        production_id=ids["film"],
        replica_kind=ReplicaKind.EMPLOYMENT_BASED,
        modalities=frozenset({Modality.FACE}),
        purpose="appear in the trailer",
        date=date(2026, 1, 5),
    )
    checked = fake_services.checks.check_media(probe, use, Audience.PARTY)
    assert [f.calibration for f in checked.findings] == [run.calibration.id]


def test_a_calibration_of_another_model_is_never_used(
    fake_services: Services, tmp_path: Path
) -> None:
    folder = labelled_folder(tmp_path / "set", PEOPLE)
    run = fake_services.calibrations.calibrate(folder, target_fmr=0.05)
    other = replace(run.calibration, id="01J0THERM0DE1CA1BRAT10N000", model_id="other-face@9")
    with fake_services.database.write() as connection:
        repository = CalibrationRepository(connection)
        repository.add(other)
        repository.activate(other)
    probe = face_image(tmp_path / "probe.png", [Block(PROBE)])
    assert fake_services.gallery.identify(probe).calibration == "default"
    assert fake_services.gallery.in_force(Modality.FACE, "other-face@9").name == other.id
    # activating one of this model leaves the other model's in force for that model only
    fake_services.calibrations.activate(run.calibration.id, anyway=True)
    assert fake_services.gallery.identify(probe).calibration == run.calibration.id
    assert fake_services.gallery.in_force(Modality.FACE, "other-face@9").name == other.id


def test_one_person_or_an_unreadable_file_is_refused_and_nothing_stored(
    fake_services: Services, tmp_path: Path
) -> None:
    alone = labelled_folder(tmp_path / "alone", {"Ada": PEOPLE["Ada Lovelace"]})
    with pytest.raises(InvalidInputError, match="at least two"):
        fake_services.calibrations.calibrate(alone)
    broken = labelled_folder(tmp_path / "broken", PEOPLE)
    (broken / "Bo" / "2.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(InvalidInputError, match=r"2\.jpg"):
        fake_services.calibrations.calibrate(broken)
    loose = labelled_folder(tmp_path / "loose", PEOPLE)
    face_image(loose / "who.png", [Block(RED)])
    with pytest.raises(InvalidInputError, match="outside any person's subfolder"):
        fake_services.calibrations.calibrate(loose)
    two_faces = labelled_folder(tmp_path / "two", PEOPLE)
    face_image(two_faces / "Cy" / "group.png", [Block(RED), Block(PROBE, x=300)])
    with pytest.raises(InvalidInputError, match="2 faces found"):
        fake_services.calibrations.calibrate(two_faces)
    with pytest.raises(InvalidInputError, match="not a folder"):
        fake_services.calibrations.calibrate(tmp_path / "missing")
    assert fake_services.calibrations.all() == []


def test_the_cli_calibrates_reports_lists_and_activates(
    fake_services: Services, settings: Settings, tmp_path: Path
) -> None:
    folder = labelled_folder(tmp_path / "set", PEOPLE)
    home = ["--home", str(settings.home)]
    out = tmp_path / "report"
    args = [*home, "calibrate", str(folder), "--target-fmr", "0.05", "--report", str(out)]
    result = runner.invoke(app, [*args, "--json"], obj=fake_cli())
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    calibration_id = data["calibration"]["id"]
    assert data["calibration"]["active"] is False
    assert json.loads((out / "report.json").read_text())["calibration"]["id"] == calibration_id
    assert "<svg" in (out / "report.html").read_text()

    refused = runner.invoke(app, [*home, "calibration", "activate", calibration_id], obj=fake_cli())
    assert refused.exit_code == EXIT_CODES[ErrorKind.CONFLICT]
    assert "--anyway" in refused.output
    receipt = tmp_path / "receipt.json"
    done = runner.invoke(
        app,
        [*home, "calibration", "activate", calibration_id, "--anyway", "--receipt", str(receipt)],
        obj=fake_cli(),
    )
    assert done.exit_code == 0, done.output
    assert receipt.exists()
    listed = runner.invoke(app, [*home, "calibration", "list", "--json"], obj=fake_cli())
    assert [c["active"] for c in json.loads(listed.stdout)] == [True]
    shown = runner.invoke(app, [*home, "calibration", "show", calibration_id], obj=fake_cli())
    assert shown.exit_code == 0 and "fake-face@1" in shown.stdout

    probe = face_image(tmp_path / "probe.png", [Block(PROBE)])
    identified = runner.invoke(app, [*home, "identify", str(probe), "--json"], obj=fake_cli())
    assert json.loads(identified.stdout)["calibration"] == calibration_id
    human = runner.invoke(app, [*home, "identify", str(probe)], obj=fake_cli())
    assert f"calibration {calibration_id}" in human.stdout

    one = labelled_folder(tmp_path / "one", {"Ada": PEOPLE["Ada Lovelace"]})
    failed = runner.invoke(app, [*home, "calibrate", str(one)], obj=fake_cli())
    assert failed.exit_code == EXIT_CODES[ErrorKind.INVALID]
    assert "at least two" in failed.output


def test_a_voice_folder_is_calibrated_for_the_voice_model_only(
    fake_services: Services, tmp_path: Path
) -> None:
    """The fake voice of a tone is a unit vector a quarter turn per octave from 100 Hz."""
    voices = {"Ada": [200.0, 212.0], "Bo": [400.0, 430.0], "Cy": [800.0]}
    root = tmp_path / "voices"
    for name, tones in voices.items():
        (root / name).mkdir(parents=True)
        for i, hertz in enumerate(tones):
            tones_wav(root / name / f"{i}.wav", [Tone(hertz, 0.0, 3.0)], duration=3.0)
    face_image(root / "Ada" / "photo.png", [Block(RED)])  # not a voice: left out
    run = fake_services.calibrations.calibrate(root, modality=Modality.VOICE, target_fmr=0.1)
    c = run.calibration
    assert (c.modality, c.model_id, c.detector_id) == (Modality.VOICE, "fake-voice@1", None)
    assert (c.people, c.files, c.genuine_pairs, c.impostor_pairs) == (3, 5, 2, 8)

    def vector(hertz: float) -> np.ndarray:
        angle = math.pi / 2 * math.log2(hertz / 100)
        return np.array([math.cos(angle), math.sin(angle)])

    samples = [(name, vector(h)) for name, tones in voices.items() for h in tones]
    genuine = sorted(
        float(np.linalg.norm(u - v))
        for (a, u), (b, v) in itertools.combinations(samples, 2)
        if a == b
    )
    assert run.evaluation.distances.genuine == pytest.approx(genuine, abs=5e-3)

    fake_services.calibrations.activate(c.id, anyway=True)
    assert fake_services.gallery.in_force(Modality.VOICE, "fake-voice@1").name == c.id
    assert fake_services.gallery.in_force(Modality.FACE, "fake-face@1").name == "default"
    assert fake_services.calibrations.in_force(Modality.VOICE).value == c.threshold

    tones_wav(root / "Cy" / "short.wav", [Tone(800.0, 0.0, 1.0)], duration=1.5)
    with pytest.raises(InvalidInputError, match=r"short\.wav: 1\.0 s of speech"):
        fake_services.calibrations.calibrate(root, modality=Modality.VOICE)
