"""Personal fields sealed in their column: AES-256-GCM under the owner's record key, bound
to the table, column and row, stored as text (``s1:`` and URL-safe base64)."""

from __future__ import annotations

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from likeness.errors import VaultError

PREFIX = "s1:"
NONCE = 12


def _aad(where: str) -> bytes:
    return f"likeness-field\x1f{where}".encode()


def seal_field(key: bytes, value: str | None, where: str) -> str | None:
    """``where`` names the cell (``performers.legal_name:<id>``): a sealed value copied
    into another cell does not open there."""
    if value is None:
        return None
    nonce = secrets.token_bytes(NONCE)
    sealed = nonce + AESGCM(key).encrypt(nonce, value.encode(), _aad(where))
    return PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")


def open_field(key: bytes, stored: str | None, where: str) -> str | None:
    if stored is None:
        return None
    if not is_sealed(stored):
        raise VaultError(
            f"{where} is stored in clear; start the server or any command once to seal it"
        )
    sealed = base64.urlsafe_b64decode(stored[len(PREFIX) :])
    try:
        return AESGCM(key).decrypt(sealed[:NONCE], sealed[NONCE:], _aad(where)).decode()
    except InvalidTag:
        raise VaultError(f"{where} is damaged or was moved from another row") from None


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)
