"""Personal fields sealed in their column: AES-256-GCM under the owner's record key, bound
to the table, column and row, stored as text (``s1:`` and URL-safe base64); and the
performers' personal keys a transaction seals and opens them with."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.engine import Connection

from likeness.errors import VaultError
from likeness.store.record_keys import keys_of, personal

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


class PersonalKeys:
    """Performers' personal keys for one transaction, loaded many at a time: the one
    place that says what an erased (or half-erased) performer's missing key means."""

    def __init__(self, connection: Connection) -> None:
        self._db = connection
        self._keys = keys_of(connection)
        self._held: dict[str, bytes] = {}

    def load(self, performer_ids: Iterable[str], *, create: bool = False) -> None:
        # not ``set - self._held.keys()``: that copies every held key into a new set on
        # each call, and has() calls this once per row (quadratic over a registry)
        wanted = {k for k in map(personal, performer_ids) if k not in self._held}
        if wanted:
            self._held |= self._keys.get_many(self._db, wanted, create=create)

    def has(self, performer_id: str) -> bool:
        self.load([performer_id])
        return personal(performer_id) in self._held

    def key(self, performer_id: str, *, create: bool = False) -> bytes:
        self.load([performer_id], create=create)
        try:
            return self._held[personal(performer_id)]
        except KeyError:
            raise VaultError(
                f"the personal key of performer {performer_id} is missing: their personal "
                "data cannot be opened",
                hint="an erasure of this performer was interrupted; erase them again to finish it",
            ) from None
