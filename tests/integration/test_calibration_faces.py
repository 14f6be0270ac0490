"""Calibration with the real dlib model on a folder built from the packaged photos
(tests/assets/SOURCES.md): Obama (3 photos), the woman in sample1/sample3 (2), Biden (1),
and every other face of the group photos cropped as a one-photo person (impostor pairs
only). The report's figures are checked against distances computed here with dlib
directly; activation makes identify decide by, and name, the calibration. Marked
``model`` and ``slow``: CI runs them. Wiring and refusals: test_calibration.py (fast).

What this can show: that the report measures what dlib measures on real faces and that
the threshold in force follows activation. What it cannot: an accuracy figure (a few
hundred impostor pairs; docs/recognition.md)."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest

from likeness.bootstrap import Services
from likeness.cli.calibration_report import report_html, report_json
from likeness.services.inputs import PerformerInput
from tests.calibration_set import FACES, Dlib, build_folder, distances

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_calibration_on_the_packaged_photos(services: Services, tmp_path: Path) -> None:
    dlib = Dlib()
    folder = tmp_path / "labelled"
    vectors = build_folder(folder, dlib)
    genuine, impostor = distances(vectors)
    people, files = len(vectors), sum(len(v) for v in vectors.values())
    assert people >= 15 and len(genuine) == 3 + 1  # Obama's 3 pairs, the woman's 1

    run = services.calibrations.calibrate(folder)  # the default target, 1/1000
    c = run.calibration
    assert (c.model_id, c.detector_id) == ("dlib-resnet-v1-5pt@20", "dlib-hog")
    assert (c.people, c.files) == (people, files)
    assert (c.genuine_pairs, c.impostor_pairs) == (len(genuine), len(impostor))
    assert run.evaluation.distances.genuine == pytest.approx(genuine, abs=1e-3)
    assert run.evaluation.distances.impostor == pytest.approx(impostor, abs=1e-3)
    # 1/1000 of a few hundred pairs allows none: the closest impostor pair, rounded down
    assert c.target_fmr == 0.001 and math.floor(0.001 * len(impostor)) == 0
    assert c.threshold == pytest.approx(math.floor(impostor[0] * 1e4) / 1e4, abs=1e-3)
    assert c.fmr.errors == 0 and c.fmr.upper == pytest.approx(3 / len(impostor))
    misses = (
        sum(g >= c.threshold + 1e-3 for g in genuine),
        sum(g >= c.threshold - 1e-3 for g in genuine),
    )
    assert misses[0] <= c.fnmr.errors <= misses[1]
    assert not c.demonstrated  # a few hundred pairs cannot show 1/1000

    data = report_json(run)
    assert data["impostor"]["min"] == pytest.approx(impostor[0], abs=1e-3)
    assert data["genuine"]["max"] == pytest.approx(genuine[-1], abs=1e-3)
    assert data["impostor_pairs_needed"] == 3000
    assert sum(data["histogram"]["impostor"]) == len(impostor)
    page = report_html(run)
    svg = page[page.index("<svg") : page.index("</svg>")]
    genuine_part = svg[svg.index('data-name="genuine"') : svg.index('data-name="impostor"')]
    impostor_part = svg[svg.index('data-name="impostor"') :]
    assert _pairs(genuine_part) == len(genuine) and _pairs(impostor_part) == len(impostor)
    assert f'data-label="chosen" data-value="{c.threshold!r}"' in svg

    # activation: identify decides by the calibration's threshold and names it
    obama = services.registry.add_performer(
        PerformerInput(legal_name="Barack Obama", date_of_birth=date(1961, 8, 4))
    ).value.id
    services.enrolment.enrol(obama, [FACES / "obama.jpg"])
    before = services.gallery.identify(FACES / "obama2.jpg")
    assert (before.threshold, before.calibration) == (0.5, "default")
    services.calibrations.activate(c.id, anyway=True)
    after = services.gallery.identify(FACES / "obama2.jpg")
    assert (after.threshold, after.calibration) == (c.threshold, c.id)
    assert after.faces[0].performer_id == obama  # genuine: below the closest impostor


def _pairs(svg: str) -> int:
    return sum(int(part.split('"')[0]) for part in svg.split('data-count="')[1:])
