"""Small secrets kept in the database sealed under a key derived from the master key."""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from likeness.errors import ConfigurationError

NONCE = 12


class SecretBox:
    def __init__(self, master_key: bytes, purpose: str) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=f"likeness-{purpose}-v1".encode()
        ).derive(master_key)
        self._aead = AESGCM(derived)

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
