"""Write a copy of a media file carrying a signed C2PA manifest."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from likeness.errors import InvalidInputError
from likeness.provenance.sdk import load_c2pa, offline_context

# The formats a clearance credential is written into (the C2PA SDK reads many more).
SIGNABLE: Mapping[str, str] = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".wav": "audio/wav",
}


PARENT = "deliverable"


class CredentialSigner(Protocol):
    """What signs a claim: a PEM chain (leaf first) and ES256 over the bytes given.
    ``certificates.KeyFileSigner`` holds the key in memory; an HSM would do the same."""

    @property
    def chain_pem(self) -> bytes: ...

    def sign(self, data: bytes) -> bytes: ...


def mime_of(path: Path) -> str:
    mime = SIGNABLE.get(path.suffix.lower())
    if mime is None:
        raise InvalidInputError(
            f"{path.name}: a clearance credential can be written into "
            f"{', '.join(sorted(SIGNABLE))} files only"
        )
    return mime


def sign_media(
    source: Path, dest: Path, manifest: Mapping[str, Any], signer: CredentialSigner
) -> None:
    """Write ``dest``: ``source`` with ``manifest`` signed into it. All or nothing: the
    copy is written beside ``dest`` and renamed into place only once signed."""
    descriptor, partial_name = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    partial = Path(partial_name)
    try:
        # mkstemp makes the file 0600; a deliverable keeps its source's mode
        os.fchmod(descriptor, source.stat().st_mode & 0o777)
        with os.fdopen(descriptor, "w+b") as out:
            sign_into(source, out, manifest, signer)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(dest)
    finally:
        partial.unlink(missing_ok=True)


def sign_into(
    source: Path, out: BinaryIO, manifest: Mapping[str, Any], signer: CredentialSigner
) -> None:
    """Write ``source`` with ``manifest`` signed into it to ``out`` (an empty, seekable
    stream: a file being written, or memory)."""
    c2pa = load_c2pa()
    mime = mime_of(source)
    sdk_signer = c2pa.Signer.from_callback(
        signer.sign, c2pa.C2paSigningAlg.ES256, signer.chain_pem.decode("ascii"), None
    )
    title = str(manifest.get("title") or source.name)
    try:
        with source.open("rb") as src:
            builder = c2pa.Builder(_opened(manifest), context=offline_context())
            # The deliverable is the parent ingredient (its own manifest, if it has one,
            # is kept as that ingredient's): the credential adds assertions to it
            # without claiming to have changed its content.
            builder.add_ingredient(
                {"title": title, "relationship": "parentOf", "label": PARENT}, mime, src
            )
            src.seek(0)
            builder.sign(sdk_signer, mime, src, out)
    except c2pa.C2paError as exc:
        raise InvalidInputError(f"{title}: cannot sign a C2PA manifest into it: {exc}") from None


def _opened(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """``manifest`` with ``c2pa.opened`` of the parent first among its actions, as C2PA
    requires of a manifest that does not create its asset."""
    opened = {"action": "c2pa.opened", "parameters": {"ingredientIds": [PARENT]}}
    assertions = list(manifest.get("assertions", []))
    return {
        **manifest,
        "assertions": [*assertions, {"label": "c2pa.actions", "data": {"actions": [opened]}}],
    }
