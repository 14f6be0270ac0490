"""The CSV scan report makes no cell a spreadsheet would run as a formula: text cells
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a leading
apostrophe (OWASP, CSV injection), and every text cell is quoted; numbers stay
numbers, negative ones too."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from likeness.domain.consent import Modality, ReplicaKind
from likeness.domain.decision import DecisionOutcome, Reason
from likeness.domain.provenance import ManifestSigner, ManifestState, Provenance
from likeness.domain.scan import Appearance, MediaResult, MediaStatus, ScanReport
from likeness.scan.report import report_csv

FORMULA_PATH = '=HYPERLINK("http://127.0.0.1/m","m").png'
FORMULA_GENERATOR = '=HYPERLINK("http://127.0.0.1/x","open")'
SIGNER = ManifestSigner(issuer="Labs", common_name="@SUM(1+1)", algorithm="Es256")


def _report(
    media: str = FORMULA_PATH,
    *,
    generator: str = FORMULA_GENERATOR,
    source_types: tuple[str, ...] = ("\tcmd",),
    score: float | None = -0.25,
    performer: str = "+01J000000000000000000000P",
    consent: str = "-01J000000000000000000000C",
    reasons: tuple[Reason, ...] = (Reason("@rule", "no consent"), Reason("b", "second")),
) -> ScanReport:
    appearance = Appearance(
        media=media,
        performer_id=performer,
        modality=Modality.FACE,
        start=Decimal("0"),
        end=Decimal("1.5"),
        score=score,
        thumbnail="",
        frames=(),
        outcome=DecisionOutcome.NOT_COVERED,
        consent_id=consent,
        reasons=reasons,
        synthetic_replica=ReplicaKind.INDEPENDENTLY_CREATED,
    )
    provenance = Provenance(
        state=ManifestState.VALID,
        claim_generator=generator,
        source_types=source_types,
        signer=SIGNER,
    )
    result = MediaResult(
        media, None, MediaStatus.SCANNED, appearances=(appearance,), provenance=provenance
    )
    return ScanReport("F1", (result,))


def _row(report: ScanReport) -> dict[str, str]:
    [row] = list(csv.DictReader(io.StringIO(report_csv(report), newline="")))
    return row


def test_text_cells_that_start_a_formula_are_made_text() -> None:
    assert _row(_report()) == {
        "media": '\'=HYPERLINK("http://127.0.0.1/m","m").png',
        "performer_id": "'+01J000000000000000000000P",
        "modality": "face",
        "start": "0.0",
        "end": "1.5",
        "score": "-0.25",  # a number, not text: left as it is
        "decision": "not_covered",
        "consent_id": "'-01J000000000000000000000C",
        "reasons": "'@rule: no consent | b: second",
        "synthetic_replica": "independently_created",
        "provenance": "valid",
        "digital_source_types": "'\tcmd",
        "claim_generator": '\'=HYPERLINK("http://127.0.0.1/x","open")',
        "signer": "'@SUM(1+1) / Labs",
        "threshold": "",  # a report written before thresholds were named
        "calibration": "",
    }


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_each_formula_start_is_neutralised(start: str) -> None:
    assert _row(_report(generator=f"{start}1+1"))["claim_generator"] == f"'{start}1+1"


def test_text_cells_are_quoted_and_numbers_are_not() -> None:
    text = report_csv(_report("/media/a\r=1+1.png", generator="Model 2.1"))
    [_, row] = text.split("\n", 1)
    # the carriage return stays inside its quoted cell: no row starts at "=1+1"
    assert row.startswith('"/media/a\r=1+1.png","\'+01J000000000000000000000P","face",0.0,1.5,')
    assert ',-0.25,"not_covered",' in row


def test_plain_text_is_untouched() -> None:
    row = _row(
        _report(
            "/media/a.png",
            generator="Test Image Model 2.1 (=)",
            source_types=("trainedAlgorithmicMedia",),
            score=None,
            performer="01J000000000000000000000P",
            consent="01J000000000000000000000C",
            reasons=(),
        )
    )
    assert (row["media"], row["claim_generator"], row["digital_source_types"]) == (
        "/media/a.png",
        "Test Image Model 2.1 (=)",
        "trainedAlgorithmicMedia",
    )
    assert (row["performer_id"], row["consent_id"], row["reasons"], row["score"]) == (
        "01J000000000000000000000P",
        "01J000000000000000000000C",
        "",
        "",
    )
