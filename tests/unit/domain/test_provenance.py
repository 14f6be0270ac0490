"""The provenance value: which declared source types mean generative AI, which states
declare anything, and reports written before provenance existed still load."""

from __future__ import annotations

from typing import Any

import pytest

from likeness.domain.consent import ReplicaKind
from likeness.domain.provenance import (
    ManifestSigner,
    ManifestState,
    Provenance,
    ProvenanceAction,
    SyntheticBasis,
    SyntheticMedia,
    source_type_code,
)
from likeness.domain.scan import ScanOptions, ScanReport

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


@pytest.mark.parametrize(
    ("declared", "code"),
    [
        (IPTC + "trainedAlgorithmicMedia", "trainedAlgorithmicMedia"),
        ("https://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture", "digitalCapture"),
        ("http://c2pa.org/digitalsourcetype/trainedAlgorithmicData", "trainedAlgorithmicData"),
        ("http://c2pa.org/digitalsourcetype/empty", "empty"),
        ("trainedAlgorithmicMedia", "trainedAlgorithmicMedia"),
        (
            "http://example.invalid/trainedAlgorithmicMedia",
            "http://example.invalid/trainedAlgorithmicMedia",
        ),
        (IPTC, IPTC),
    ],
)
def test_source_type_codes(declared: str, code: str) -> None:
    assert source_type_code(declared) == code


@pytest.mark.parametrize(
    ("code", "generated"),
    [
        ("trainedAlgorithmicMedia", True),
        ("compositeWithTrainedAlgorithmicMedia", True),
        ("algorithmicMedia", False),  # a formula, no sampled likeness
        ("compositeSynthetic", False),  # a synthetic element: CGI as much as a model
        ("digitalCapture", False),
        ("digitalCreation", False),
        ("algorithmicallyEnhanced", False),
    ],
)
def test_which_declarations_mean_generative_ai(code: str, generated: bool) -> None:
    provenance = Provenance(ManifestState.VALID, source_types=(IPTC + code,))
    assert provenance.ai_generated() == (code if generated else None)


def test_the_first_ai_declaration_is_named_among_others() -> None:
    provenance = Provenance(
        ManifestState.VALID,
        source_types=(IPTC + "digitalCapture", IPTC + "compositeWithTrainedAlgorithmicMedia"),
    )
    assert provenance.ai_generated() == "compositeWithTrainedAlgorithmicMedia"


@pytest.mark.parametrize(
    ("state", "declares"),
    [
        (ManifestState.VALID, True),
        (ManifestState.TRUSTED, True),
        (ManifestState.INVALID, True),
        (ManifestState.NONE, False),
        (ManifestState.UNSUPPORTED, False),
        (ManifestState.UNREADABLE, False),
        (ManifestState.NOT_CHECKED, False),
    ],
)
def test_only_a_read_manifest_declares(state: ManifestState, declares: bool) -> None:
    provenance = Provenance(state, source_types=(IPTC + "trainedAlgorithmicMedia",))
    assert (provenance.ai_generated() is not None) is declares


def test_provenance_reads_back_from_its_json() -> None:
    provenance = Provenance(
        ManifestState.INVALID,
        claim_generator="Gen 1",
        actions=(ProvenanceAction("c2pa.created", IPTC + "trainedAlgorithmicMedia", "Gen 1"),),
        source_types=(IPTC + "trainedAlgorithmicMedia",),
        signer=ManifestSigner("Labs", "Labs signer", "Es256"),
        problems=("assertion.dataHash.mismatch: asset hash error",),
    )
    assert Provenance.from_json(provenance.to_json()) == provenance
    assert provenance.to_json()["ai_generated"] is True


def test_a_report_and_options_from_before_provenance_still_load() -> None:
    old: dict[str, Any] = {
        "production_id": "P",
        "media": [
            {"path": "a.mp4", "sha256": "ab", "status": "scanned", "error": None, "duration": 2.0}
        ],
        "appearances": [
            {
                "media": "a.mp4",
                "performer_id": "X",
                "modality": "face",
                "start": 0.0,
                "end": 1.5,
                "score": 0.2,
                "thumbnail": "",
                "frames": [0.0, 1.5],
                "decision": "covered",
                "consent_id": "C",
                "reasons": [],
            }
        ],
        "stats": {},
    }
    report = ScanReport.from_json(old)
    [media] = report.media
    assert media.provenance is None and media.synthetic is None
    assert media.appearances[0].synthetic_replica is None
    options = ScanOptions.from_json(
        {"production_id": "P", "fps": 2.0, "use_date": None, "replica_kind": "background",
         "purpose": ""}
    )  # fmt: skip
    assert options.synthetic_as is ReplicaKind.INDEPENDENTLY_CREATED
    assert options.replica_kind is ReplicaKind.BACKGROUND


def test_a_report_with_provenance_reads_back() -> None:
    data: dict[str, Any] = {
        "production_id": "P",
        "media": [
            {
                "path": "a.png",
                "sha256": "ab",
                "status": "scanned",
                "error": None,
                "duration": 0.0,
                "provenance": Provenance(ManifestState.NONE).to_json(),
                "synthetic": {"basis": "classifier", "detail": "m (score 0.90)"},
            }
        ],
        "appearances": [],
        "stats": {},
    }
    [media] = ScanReport.from_json(data).media
    assert media.provenance == Provenance(ManifestState.NONE)
    assert media.synthetic == SyntheticMedia(SyntheticBasis.CLASSIFIER, "m (score 0.90)")
