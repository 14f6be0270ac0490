"""Small secrets kept in the database sealed under a key derived from the master key."""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from likeness.errors import ConfigurationError

NONCE = 12


def derive_key(master_key: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose, derived from the master key (HKDF-SHA-256): the
    same in every process of a data home, and different for every purpose."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"likeness-{purpose}-v1".encode()
    ).derive(master_key)


class SecretBox:
    def __init__(self, master_key: bytes, purpose: str) -> None:
        self._aead = AESGCM(derive_key(master_key, purpose))

    def seal(self, data: bytes, bound_to: str) -> bytes:
        nonce = secrets.token_bytes(NONCE)
        return nonce + self._aead.encrypt(nonce, data, bound_to.encode())

    def open(self, sealed: bytes, bound_to: str) -> bytes:
        try:
            return self._aead.decrypt(sealed[:NONCE], sealed[NONCE:], bound_to.encode())
        except InvalidTag:
            raise ConfigurationError(
                f"a sealed secret of {bound_to} does not open with this master key",
                hint="the data home's master key was changed; restore the original",
            ) from None
