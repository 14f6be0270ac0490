"""Sealed index files: a gallery's vectors saved between processes.

An index is derived data (rebuilt from the vault on demand), but rebuilding means
opening every template; saving it lets the next process start at once. The file is
sealed with AES-256-GCM under a key derived from the master key (HKDF-SHA256), and
carries a fingerprint of the template ids it was built from: a file that does not
match the current templates is ignored and rebuilt. Erasure deletes these files.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import struct
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from likeness.store.shredding import shred_folder

NONCE = 12


def fingerprint(template_ids: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(template_ids)).encode()).hexdigest()


class IndexFiles:
    def __init__(self, root: Path, master_key: bytes) -> None:
        self._root = root
        self._key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"likeness-index-v1"
        ).derive(master_key)

    def _path(self, model_id: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_.@" else "_" for c in model_id)
        return self._root / f"{safe}.sealed"

    def save(
        self, model_id: str, fingerprint_: str, entries: Sequence[tuple[str, str, Sequence[float]]]
    ) -> None:
        header = json.dumps(
            {
                "model_id": model_id,
                "fingerprint": fingerprint_,
                "keys": [k for k, _, _ in entries],
                "labels": [lb for _, lb, _ in entries],
            }
        ).encode()
        vectors = b"".join(struct.pack(f"<{len(v)}d", *v) for _, _, v in entries)
        plain = struct.pack("<I", len(header)) + header + vectors
        nonce = secrets.token_bytes(NONCE)
        sealed = nonce + AESGCM(self._key).encrypt(nonce, plain, model_id.encode())
        self._root.mkdir(parents=True, exist_ok=True)
        path = self._path(model_id)
        # A name of this writer's own: several server processes may save at once.
        temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        with temporary.open("wb") as handle:
            handle.write(sealed)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)

    def load(
        self, model_id: str, fingerprint_: str, dimension: int
    ) -> list[tuple[str, str, tuple[float, ...]]] | None:
        """The saved entries, or None when missing, damaged or built from other templates."""
        try:
            sealed = self._path(model_id).read_bytes()
            plain = AESGCM(self._key).decrypt(sealed[:NONCE], sealed[NONCE:], model_id.encode())
        except (OSError, InvalidTag):
            return None
        (size,) = struct.unpack("<I", plain[:4])
        header = json.loads(plain[4 : 4 + size])
        if header["fingerprint"] != fingerprint_ or header["model_id"] != model_id:
            return None
        body, width = plain[4 + size :], dimension * 8
        return [
            (key, label, struct.unpack(f"<{dimension}d", body[i * width : (i + 1) * width]))
            for i, (key, label) in enumerate(zip(header["keys"], header["labels"], strict=True))
        ]

    def shred(self) -> None:
        """Overwrite and delete every saved index (erasure; they are rebuilt on demand)."""
        shred_folder(self._root)
