"""The encrypted vault for biometric data: raw scans and templates.

Each performer has a 32-byte data key; blobs are sealed with AES-256-GCM under it,
with the performer and blob ids as associated data (a blob moved to another name
fails to open). The data key is stored only wrapped (AES-256-GCM) by the master key,
in the database. Erasing a performer deletes the wrapped key and their files:
crypto-shredding — without the key, any copy of a blob left on a disk is noise.
"""

from __future__ import annotations

import os
import secrets
import shutil
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from likeness.errors import VaultError
from likeness.store.shredding import shred_folder
from likeness.store.tables import vault_keys

NONCE = 12
KEY = 32


def _aad(*parts: str) -> bytes:
    return "\x1f".join(("likeness-vault", *parts)).encode()


class VaultKeys:
    """Wrapped per-performer data keys, in the caller's transaction."""

    def __init__(self, connection: Connection, master_key: bytes) -> None:
        if len(master_key) != KEY:
            raise ValueError("the master key is 32 bytes")
        self._db = connection
        self._master = AESGCM(master_key)

    def data_key(self, performer_id: str, now: datetime) -> bytes:
        """The performer's data key, created on first use."""
        wrapped = self._db.execute(
            select(vault_keys.c.wrapped).where(vault_keys.c.performer_id == performer_id)
        ).scalar_one_or_none()
        if wrapped is not None:
            return self._unwrap(performer_id, bytes(wrapped))
        key = secrets.token_bytes(KEY)
        nonce = secrets.token_bytes(NONCE)
        sealed = nonce + self._master.encrypt(nonce, key, _aad("key", performer_id))
        self._db.execute(
            insert(vault_keys), {"performer_id": performer_id, "wrapped": sealed, "created_at": now}
        )
        return key

    def existing_key(self, performer_id: str) -> bytes | None:
        wrapped = self._db.execute(
            select(vault_keys.c.wrapped).where(vault_keys.c.performer_id == performer_id)
        ).scalar_one_or_none()
        return None if wrapped is None else self._unwrap(performer_id, bytes(wrapped))

    def _unwrap(self, performer_id: str, sealed: bytes) -> bytes:
        try:
            return self._master.decrypt(sealed[:NONCE], sealed[NONCE:], _aad("key", performer_id))
        except InvalidTag:
            raise VaultError(
                f"the vault key of performer {performer_id} does not open with this master key",
                hint="the master key (secrets/master.key or LIKENESS_MASTER_KEY) is not the one "
                "this data home was created with",
            ) from None


def destroy_data_key(connection: Connection, performer_id: str) -> bool:
    """Crypto-shred: delete the performer's wrapped data key."""
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

    def shred(self, performer_id: str) -> None:
        """Overwrite, then remove, every file of the performer."""
        folder = self._root / performer_id
        shred_folder(folder)
        if folder.exists():
            shutil.rmtree(folder)
