"""A sealed key-value cache on disk for derived biometric data (scan results).

Entries are sealed with AES-256-GCM under a key derived from the master key; the
entry name is bound as associated data. A missing or damaged entry reads as absent.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from likeness.store.shredding import shred_folder

NONCE = 12


class SealedCache:
    def __init__(self, root: Path, master_key: bytes, purpose: str) -> None:
        self._root = root
        self._key = AESGCM(
            HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=None,
                info=f"likeness-{purpose}-v1".encode(),
            ).derive(master_key)
        )

    def has(self, name: str) -> bool:
        return (self._root / name).is_file()

    def get(self, name: str) -> bytes | None:
        try:
            sealed = (self._root / name).read_bytes()
            return self._key.decrypt(sealed[:NONCE], sealed[NONCE:], name.encode())
        except (OSError, InvalidTag):
            return None

    def put(self, name: str, data: bytes) -> None:
        nonce = secrets.token_bytes(NONCE)
        self._root.mkdir(parents=True, exist_ok=True)
        path = self._root / name
        # A name of this writer's own: several server processes may save at once.
        temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        with temporary.open("wb") as handle:
            handle.write(nonce + self._key.encrypt(nonce, data, name.encode()))
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)

    def shred(self) -> None:
        """Overwrite and delete every entry (erasure: entries hold derived biometrics)."""
        shred_folder(self._root)
