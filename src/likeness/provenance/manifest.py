"""Read a media file's C2PA manifest into a :class:`~likeness.domain.provenance.Provenance`.

The manifest comes from the file, so from whoever made it: any shape, any size, signed
or not. Reading it never raises on what the file holds; the value says ``invalid``,
``unsupported`` or ``unreadable`` with the reason. It reads through the SDK's offline
settings (``sdk.offline_context``): nothing is fetched, so a remote manifest is not read
and a signer is never looked up. The SDK validates the signature and the hashes binding
the manifest to the content; it parses containers, it does not decode pictures or sound.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from likeness.domain.provenance import (
    ManifestSigner,
    ManifestState,
    Provenance,
    ProvenanceAction,
)
from likeness.errors import MissingExtraError
from likeness.provenance.sdk import load_c2pa, offline_context

ACTIONS = frozenset({"c2pa.actions", "c2pa.actions.v2"})
# IPTC photo and video metadata assertions may state the source type outside actions.
METADATA = frozenset({"stds.iptc", "stds.iptc.photo-metadata", "c2pa.metadata"})
IPTC_SOURCE_FIELD = "Iptc4xmpExt:DigitalSourceType"
STATES = {"valid": ManifestState.VALID, "trusted": ManifestState.TRUSTED}
MAX_TEXT = 200  # a manifest's strings are the signer's: a report shows this much of each
MAX_ITEMS = 50  # actions, source types and problems shown, each
MAX_MANIFESTS = 64  # a manifest and its ingredients' manifests read for declarations


def read_provenance(path: Path) -> Provenance:
    """The provenance of the file at ``path`` (its suffix hints at the format; the SDK
    trusts the bytes). Raises only :class:`MissingExtraError` without the extra."""
    load_c2pa()
    try:
        handle = path.open("rb")
    except OSError as exc:
        return _unreadable(f"cannot read the file ({exc.strerror})")
    with handle:
        return read_provenance_stream(handle, path.suffix.lstrip(".").lower() or None)


def read_provenance_stream(stream: IO[bytes], media_format: str | None) -> Provenance:
    """The provenance of the media in ``stream``: ``media_format`` is a MIME type or a
    suffix (``"png"``), or ``None`` to let the SDK tell from the bytes."""
    c2pa = load_c2pa()
    error = c2pa.C2paError
    try:
        with offline_context() as context:
            reader = c2pa.Reader.try_create(media_format, stream, context=context)
            if reader is None:
                return Provenance(ManifestState.NONE)
            with reader:
                store = _mapping(json.loads(reader.json()))
    except error.NotSupported as exc:
        return Provenance(ManifestState.UNSUPPORTED, problems=(_reason(exc),))
    except (error.Io, error.Other, error.FileNotFound) as exc:
        return _unreadable(_reason(exc))
    except error as exc:
        if _remote(exc, error):
            return _unreadable(
                f"its manifest is stored elsewhere and is not fetched: {_reason(exc)}"
            )
        return Provenance(ManifestState.INVALID, problems=(_reason(exc),))
    except (OSError, ValueError) as exc:
        return _unreadable(_text(str(exc)) or type(exc).__name__)
    return from_manifest_store(store)


def from_manifest_store(store: Mapping[str, Any]) -> Provenance:
    """The provenance a manifest store (the SDK's JSON form, parsed) declares."""
    manifests = _mapping(store.get("manifests"))
    active = _mapping(manifests.get(str(store.get("active_manifest"))))
    problems = tuple(_problems(store))
    if not active:
        return Provenance(
            ManifestState.INVALID,
            problems=problems or ("the manifest store has no active manifest",),
        )
    reported = store.get("validation_state")
    if reported is None:  # an SDK that reports failures only
        state = ManifestState.INVALID if problems else ManifestState.VALID
    else:
        state = STATES.get(str(reported).lower(), ManifestState.INVALID)
    if state is ManifestState.INVALID and not problems:
        problems = (f"the C2PA SDK reports it {_text(reported) or 'invalid'}",)
    actions = tuple(_actions(active))[:MAX_ITEMS]
    return Provenance(
        state=state,
        claim_generator=_generator(active),
        actions=actions,
        source_types=tuple(dict.fromkeys(_source_types(active, manifests)))[:MAX_ITEMS],
        signer=_signer(active),
        problems=problems,
    )


def _remote(exc: BaseException, error: type[BaseException]) -> bool:
    """A manifest stored at a URL, which the offline reader does not fetch. The SDK
    (0.38.1) names that error ``Remote: …``, which its Python layer does not map to
    ``C2paError.RemoteManifest``, so a plain ``C2paError`` carries it."""
    remote_type: type[BaseException] | None = getattr(error, "RemoteManifest", None)
    if remote_type is not None and isinstance(exc, remote_type):
        return True
    return str(exc).startswith(("Remote:", "RemoteManifest:"))


def _unreadable(reason: str) -> Provenance:
    return Provenance(ManifestState.UNREADABLE, problems=(reason,))


def _reason(exc: BaseException) -> str:
    return _text(str(exc)) or type(exc).__name__


def _text(value: Any) -> str | None:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    text = " ".join(str(value).split())
    return text[:MAX_TEXT] + ("…" if len(text) > MAX_TEXT else "") if text else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, Mapping))


def _label(assertion: Mapping[str, Any]) -> str:
    # A second instance of an assertion is labelled "c2pa.actions__1".
    return str(assertion.get("label", "")).split("__")[0]


def _generator(manifest: Mapping[str, Any]) -> str | None:
    for info in _items(manifest.get("claim_generator_info")):
        name = _text(info.get("name"))
        if name:
            version = _text(info.get("version"))
            return f"{name} {version}" if version else name
    return _text(manifest.get("claim_generator"))


def _actions(manifest: Mapping[str, Any]) -> Iterator[ProvenanceAction]:
    for assertion in _items(manifest.get("assertions")):
        if _label(assertion) not in ACTIONS:
            continue
        for action in _items(_mapping(assertion.get("data")).get("actions")):
            name = _text(action.get("action"))
            if name:
                yield ProvenanceAction(name, _declared(action), _agent(action))


def _declared(action: Mapping[str, Any]) -> str | None:
    return _text(action.get("digitalSourceType")) or _text(
        _mapping(action.get("parameters")).get("digitalSourceType")
    )


def _agent(action: Mapping[str, Any]) -> str | None:
    agent = action.get("softwareAgent")
    if isinstance(agent, Mapping):
        return _generator({"claim_generator_info": [agent]})
    return _text(agent)


def _source_types(active: Mapping[str, Any], manifests: Mapping[str, Any]) -> Iterator[str]:
    """Declared source types of the active manifest, then of its ingredients' manifests
    (each manifest once: a store is the file's, and may loop)."""
    waiting, seen = [active], 0
    visited: set[int] = {id(active)}
    while waiting and seen < MAX_MANIFESTS:
        manifest, seen = waiting.pop(0), seen + 1
        yield from _declared_in(manifest)
        for ingredient in _items(manifest.get("ingredients")):
            parent = _mapping(manifests.get(str(ingredient.get("active_manifest"))))
            if parent and id(parent) not in visited:
                visited.add(id(parent))
                waiting.append(parent)


def _declared_in(manifest: Mapping[str, Any]) -> Iterator[str]:
    for action in _actions(manifest):
        if action.digital_source_type:
            yield action.digital_source_type
    for assertion in _items(manifest.get("assertions")):
        if _label(assertion) in METADATA:
            declared = _text(_mapping(assertion.get("data")).get(IPTC_SOURCE_FIELD))
            if declared:
                yield declared


def _signer(manifest: Mapping[str, Any]) -> ManifestSigner | None:
    info = _mapping(manifest.get("signature_info"))
    if not info:
        return None
    return ManifestSigner(
        issuer=_text(info.get("issuer")),
        common_name=_text(info.get("common_name")),
        algorithm=_text(info.get("alg")),
        time=_text(info.get("time")),
    )


def _problems(store: Mapping[str, Any]) -> Iterator[str]:
    """The active manifest's failed validation checks, "code: explanation"."""
    results = _mapping(store.get("validation_results"))
    failures = list(_items(_mapping(results.get("activeManifest")).get("failure")))
    if not results:  # an SDK that reports a flat list instead
        failures = list(_items(store.get("validation_status")))
    for failure in failures[:MAX_ITEMS]:
        code, why = _text(failure.get("code")), _text(failure.get("explanation"))
        if code:
            yield f"{code}: {why}" if why else code


class C2paProvenanceReader:
    """The scans' ``ProvenanceReader``: the C2PA SDK, or, where the ``provenance`` extra
    is not installed, a ``not_checked`` answer for every file (a scan still runs)."""

    def read(self, path: Path) -> Provenance:
        try:
            return read_provenance(path)
        except MissingExtraError as exc:
            return Provenance(ManifestState.NOT_CHECKED, problems=(exc.message,))
