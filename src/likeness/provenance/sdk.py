"""The c2pa-python SDK, loaded lazily and configured to never reach the network."""

from __future__ import annotations

import copy
import importlib
from types import ModuleType
from typing import Any

from likeness.errors import MissingExtraError

# What the SDK may do on its own: nothing that leaves the machine. Trust in a signer
# is decided by the caller (a verifier key, a certificate the caller pins), never by
# a fetched trust list; no OCSP, no remote manifests, no thumbnails (a thumbnail is a
# picture of the performer, which a credential must not carry).
OFFLINE_SETTINGS: dict[str, Any] = {
    "verify": {
        "verify_trust": False,
        "verify_timestamp_trust": False,
        "ocsp_fetch": False,
        "remote_manifest_fetch": False,
    },
    "builder": {"thumbnail": {"enabled": False}},
}


def load_c2pa() -> ModuleType:
    """The ``c2pa`` module, or a :class:`MissingExtraError` naming the extra."""
    try:
        return importlib.import_module("c2pa")
    except ImportError:
        raise MissingExtraError("C2PA provenance and credentials", "provenance") from None


def offline_context() -> Any:
    """A c2pa ``Context`` holding :data:`OFFLINE_SETTINGS`."""
    c2pa = load_c2pa()
    return c2pa.Context(c2pa.Settings.from_dict(OFFLINE_SETTINGS))


def anchored_context(ca_pem: str) -> Any:
    """Offline settings, but trusting exactly one CA: a manifest validates as
    ``Trusted`` only when its signing chain leads to ``ca_pem``."""
    c2pa = load_c2pa()
    settings = copy.deepcopy(OFFLINE_SETTINGS)
    settings["verify"]["verify_trust"] = True
    settings["trust"] = {"trust_anchors": ca_pem}
    return c2pa.Context(c2pa.Settings.from_dict(settings))
