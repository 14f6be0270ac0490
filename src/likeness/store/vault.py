"""The encrypted vault for biometric data: raw scans and templates.

Each performer has a 32-byte data key; blobs are sealed with AES-256-GCM under it,
with the performer and blob ids as associated data (a blob moved to another name
fails to open). The data key is a record key (store/record_keys.py), stored only wrapped by
the master key. Erasing a performer destroys the key and their files:
crypto-shredding — without the key, any copy of a blob left on a disk is noise.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from likeness.errors import VaultError
from likeness.store.record_keys import biometric, keys_of
from likeness.store.shredding import shred_file, shred_folder
from likeness.store.tables import vault_keys

NONCE = 12
KEY = 32


def _aad(*parts: str) -> bytes:
    return "\x1f".join(("likeness-vault", *parts)).encode()


class VaultKeys:
    """Per-performer vault data keys (``biometric:<performer>`` record keys), in the
    caller's transaction; ``vault_keys`` records whose biometric data is held, since when."""

    def __init__(self, connection: Connection) -> None:
        self._db = connection
        self._keys = keys_of(connection)

    def data_key(self, performer_id: str, now: datetime) -> bytes:
        """The performer's data key, created on first use."""
        key = self._keys.get(self._db, biometric(performer_id), create=True)
        assert key is not None
        held = self._db.execute(
            select(vault_keys.c.performer_id).where(vault_keys.c.performer_id == performer_id)
        ).scalar_one_or_none()
        if held is None:
            self._db.execute(insert(vault_keys), {"performer_id": performer_id, "created_at": now})
        return key

    def existing_key(self, performer_id: str) -> bytes | None:
        return self._keys.get(self._db, biometric(performer_id), create=False)


def destroy_data_key(connection: Connection, performer_id: str) -> bool:
    """Crypto-shred: destroy the performer's vault data key."""
    keys_of(connection).destroy(connection, [biometric(performer_id)])
    return bool(
        connection.execute(
            delete(vault_keys).where(vault_keys.c.performer_id == performer_id)
        ).rowcount
    )


class VaultFiles:
    """Sealed blobs on disk: ``<vault>/<performer>/<blob>.sealed``."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def seal(self, performer_id: str, blob_id: str, kind: str, data: bytes, key: bytes) -> Path:
        nonce = secrets.token_bytes(NONCE)
        sealed = nonce + AESGCM(key).encrypt(nonce, data, _aad(kind, performer_id, blob_id))
        folder = self._root / performer_id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{blob_id}.sealed"
        temporary = path.with_suffix(".tmp")
        with temporary.open("wb") as handle:
            handle.write(sealed)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
        return path

    def open(self, performer_id: str, blob_id: str, kind: str, key: bytes) -> bytes:
        path = self._root / performer_id / f"{blob_id}.sealed"
        try:
            sealed = path.read_bytes()
        except FileNotFoundError:
            raise VaultError(
                f"vault blob {blob_id} of performer {performer_id} is missing"
            ) from None
        try:
            return AESGCM(key).decrypt(
                sealed[:NONCE], sealed[NONCE:], _aad(kind, performer_id, blob_id)
            )
        except InvalidTag:
            raise VaultError(
                f"vault blob {blob_id} of performer {performer_id} is damaged or was moved"
            ) from None

    def shred_blobs(self, performer_id: str, blob_ids: Sequence[str]) -> None:
        """Overwrite, then remove, some of the performer's files (those that exist)."""
        for blob_id in blob_ids:
            path = self._root / performer_id / f"{blob_id}.sealed"
            if path.is_file():
                shred_file(path)

    def shred(self, performer_id: str) -> None:
        """Overwrite, then remove, every file of the performer."""
        folder = self._root / performer_id
        shred_folder(folder)
        if folder.exists():
            shutil.rmtree(folder)
