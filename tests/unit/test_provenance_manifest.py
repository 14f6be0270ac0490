"""Reading a manifest store (the SDK's JSON) into provenance: whatever its shape."""

from __future__ import annotations

from typing import Any

import pytest

from likeness.domain.provenance import ManifestState
from likeness.provenance.manifest import from_manifest_store

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


@pytest.mark.parametrize(
    "store",
    [
        {},
        {"active_manifest": "m", "manifests": []},
        {"active_manifest": "m", "manifests": {"m": "text"}},
        {"active_manifest": ["m"], "manifests": {"m": {}}},
        {
            "active_manifest": "m",
            "validation_state": "Valid",
            "manifests": {
                "m": {
                    "claim_generator_info": "not a list",
                    "assertions": [
                        {"label": "c2pa.actions", "data": {"actions": "none"}},
                        {"label": "c2pa.actions.v2", "data": {"actions": [{"action": 7}, None]}},
                        {"label": "stds.iptc", "data": {"Iptc4xmpExt:DigitalSourceType": {}}},
                        "stray",
                    ],
                    "ingredients": [{"active_manifest": "m"}, {"active_manifest": None}],
                    "signature_info": [],
                }
            },
        },
    ],
)
def test_a_manifest_store_of_any_shape_gives_a_value(store: dict[str, Any]) -> None:
    """The store comes from the file, so from anyone: odd shapes never raise."""
    provenance = from_manifest_store(store)
    assert provenance.state in (ManifestState.INVALID, ManifestState.VALID)
    assert provenance.ai_generated() is None


def test_ingredients_that_loop_end() -> None:
    def manifest(source_type: str, parent: str) -> dict[str, Any]:
        action = {"action": "c2pa.created", "digitalSourceType": IPTC + source_type}
        return {
            "assertions": [{"label": "c2pa.actions__1", "data": {"actions": [action]}}],
            "ingredients": [{"active_manifest": parent}],
        }

    store = {
        "active_manifest": "a",
        "validation_state": "Valid",
        "manifests": {
            "a": manifest("digitalCapture", "b"),
            "b": manifest("compositeSynthetic", "a"),
        },
    }
    provenance = from_manifest_store(store)
    assert provenance.state is ManifestState.VALID
    assert provenance.source_types == (IPTC + "digitalCapture", IPTC + "compositeSynthetic")
    assert provenance.ai_generated() is None
