"""Files sealed as they are written, for uploads that wait on disk (queued scan jobs).

A film does not fit in one AES-GCM message, so the file is a sequence of sealed
chunks: each is AES-256-GCM under the caller's key with a fresh nonce, and its
associated data binds the file's name, the chunk's position and whether it is the last
(the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár, 2015): chunks
cannot be reordered, dropped or the file cut short without the read failing.
"""

from __future__ import annotations

import os
import secrets
import struct
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from likeness.errors import VaultError

CHUNK = 1 << 20  # plaintext bytes per sealed chunk
NONCE = 12
_LENGTH = struct.Struct("<I")


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _aad(bound_to: str, position: int, last: bool) -> bytes:
    return b"likeness-sealed-file\x1f%s\x1f%d\x1f%d" % (bound_to.encode(), position, last)


class SealedWriter:
    """Writes plaintext in, sealed chunks out; ``close`` seals the last chunk and syncs."""

    def __init__(self, path: Path, key: bytes, bound_to: str) -> None:
        self._aead = AESGCM(key)
        self._bound_to = bound_to
        self._handle: BinaryIO = path.open("xb")
        self._pending = bytearray()
        self._position = 0
        self.size = 0  # plaintext bytes written

    def write(self, data: bytes) -> None:
        self._pending += data
        self.size += len(data)
        while len(self._pending) > CHUNK:  # keep one back: the last chunk is marked
            self._seal(bytes(self._pending[:CHUNK]), last=False)
            del self._pending[:CHUNK]

    def close(self) -> None:
        if self._handle.closed:
            return
        try:
            self._seal(bytes(self._pending), last=True)
            self._pending = bytearray()
            self._handle.flush()
            os.fsync(self._handle.fileno())
        finally:
            self._handle.close()

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        nonce = secrets.token_bytes(NONCE)
        sealed = self._aead.encrypt(nonce, chunk, _aad(self._bound_to, self._position, last))
        self._handle.write(_LENGTH.pack(len(sealed)) + nonce + sealed)
        self._position += 1

    def __enter__(self) -> SealedWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self._handle.close()  # the caller discards the half-written file


def read_sealed(path: Path, key: bytes, bound_to: str) -> Iterator[bytes]:
    """The plaintext of a sealed file, chunk by chunk; a damaged, reordered or cut file
    raises ``VaultError``."""
    aead = AESGCM(key)
    with path.open("rb") as handle:
        position = 0
        while header := handle.read(_LENGTH.size + NONCE):
            if len(header) < _LENGTH.size + NONCE:
                break
            (length,) = _LENGTH.unpack(header[: _LENGTH.size])
            sealed = handle.read(length)
            last = handle.peek(1) == b""  # nothing after it: the last chunk
            try:
                yield aead.decrypt(header[_LENGTH.size :], sealed, _aad(bound_to, position, last))
            except InvalidTag:
                break
            if last:
                return
            position += 1
    raise VaultError(
        f"the sealed upload {path.name} is damaged or cut short",
        hint="submit the scan again",
    )
