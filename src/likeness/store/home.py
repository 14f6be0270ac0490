"""The data home on disk: its layout, its secrets, and creating it atomically.

Layout::

    <home>/home.json          marker: format version, creation time, and "demo": true once
                              ``serve --demo`` has seeded it (well-known passwords)
    <home>/likeness.db        SQLite database (unless LIKENESS_DATABASE_URL says otherwise)
    <home>/secrets/           mode 0700
        master.key            32 random bytes, base64; wraps per-performer data keys
        signing.key           32-byte Ed25519 seed, base64; signs log checkpoints
        credential.key        ES256 (P-256) key, PEM; signs clearance credentials (C2PA)
        credential-ca.key     the key of the private CA that issued its certificate, PEM
    <home>/credential-chain.pem  the signing certificate and its CA (public)
    <home>/vault/             sealed raw scans and templates
    <home>/index/             sealed index files, derived from the vault (rebuilt on demand)
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from likeness.errors import (
    HomeAlreadyInitialisedError,
    HomeNotInitialisedError,
    HomeNotWritableError,
)

HOME_FORMAT = 1
SECRET_MODE = 0o600
SECRETS_DIR_MODE = 0o700


@dataclass(frozen=True)
class HomeLayout:
    root: Path

    @property
    def marker(self) -> Path:
        return self.root / "home.json"

    @property
    def database(self) -> Path:
        return self.root / "likeness.db"

    @property
    def secrets(self) -> Path:
        return self.root / "secrets"

    @property
    def master_key(self) -> Path:
        return self.secrets / "master.key"

    @property
    def signing_key(self) -> Path:
        return self.secrets / "signing.key"

    @property
    def credential_key(self) -> Path:
        return self.secrets / "credential.key"

    @property
    def credential_ca_key(self) -> Path:
        return self.secrets / "credential-ca.key"

    @property
    def credential_chain(self) -> Path:
        return self.root / "credential-chain.pem"

    @property
    def vault(self) -> Path:
        return self.root / "vault"

    @property
    def index(self) -> Path:
        return self.root / "index"

    def is_initialised(self) -> bool:
        return self.marker.is_file()

    def require_initialised(self) -> None:
        if not self.is_initialised():
            raise HomeNotInitialisedError(str(self.root))

    def _marker_data(self) -> dict[str, Any]:
        self.require_initialised()
        data: dict[str, Any] = json.loads(self.marker.read_text(encoding="utf-8"))
        return data

    def created_at(self) -> str:
        return str(self._marker_data()["created_at"])

    def is_demo(self) -> bool:
        """Whether ``serve --demo`` seeded this home: its passwords are printed in the
        README, so ``serve`` refuses it outside development."""
        return self._marker_data().get("demo") is True

    def mark_demo(self) -> None:
        data = self._marker_data()
        if data.get("demo") is True:
            return
        staged = self.marker.with_name(f".{self.marker.name}.tmp")
        staged.write_text(json.dumps({**data, "demo": True}) + "\n", encoding="utf-8")
        staged.replace(self.marker)  # atomic: the marker is never half written

    def secret_modes(self) -> dict[str, int]:
        """File mode of each secret, for status reports (the secrets themselves never leave)."""
        return {
            path.name: path.stat().st_mode & 0o777
            for path in (
                self.master_key,
                self.signing_key,
                self.credential_key,
                self.credential_ca_key,
            )
            if path.exists()
        }


def create_home(
    root: Path, *, created_at: datetime, populate: Callable[[HomeLayout], None]
) -> HomeLayout:
    """Create an initialised data home at ``root``, all or nothing.

    Everything is built in a hidden staging directory beside ``root`` and
    renamed into place at the end, so a failure (including one raised by
    ``populate``, which creates the database) leaves nothing behind.
    ``root`` may already exist if it is an empty directory.
    """
    if HomeLayout(root).is_initialised():
        raise HomeAlreadyInitialisedError(str(root))
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise HomeNotWritableError(str(root), "it exists and is not an empty directory")
    created_parents = _make_parents(root.parent)
    try:
        staging = Path(_make_staging(root))
    except BaseException:
        _remove_dirs(created_parents)
        raise
    try:
        layout = HomeLayout(staging)
        _write_secrets(layout)
        layout.vault.mkdir()
        populate(layout)
        layout.marker.write_text(
            json.dumps({"format": HOME_FORMAT, "created_at": created_at.isoformat()}) + "\n",
            encoding="utf-8",
        )
        staging.replace(root)  # atomic rename; replaces an empty directory
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_dirs(created_parents)
        raise
    return HomeLayout(root)


def _make_parents(parent: Path) -> list[Path]:
    missing = [p for p in (parent, *parent.parents) if not p.exists()]
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_dirs(missing)
        raise HomeNotWritableError(str(parent), exc.strerror or str(exc)) from exc
    return missing


def _make_staging(root: Path) -> str:
    try:
        return tempfile.mkdtemp(prefix=f".{root.name}.init-", dir=root.parent)
    except OSError as exc:
        raise HomeNotWritableError(str(root), exc.strerror or str(exc)) from exc


def _remove_dirs(directories: list[Path]) -> None:
    for directory in directories:  # deepest first
        with contextlib.suppress(OSError):
            directory.rmdir()


def _write_secrets(layout: HomeLayout) -> None:
    layout.secrets.mkdir(mode=SECRETS_DIR_MODE)
    layout.secrets.chmod(SECRETS_DIR_MODE)  # mkdir's mode is filtered by the umask
    for path in (layout.master_key, layout.signing_key):
        write_secret(path, secrets.token_bytes(32))


def write_secret(path: Path, value: bytes) -> None:
    """Write a new secret file readable by its owner only; never overwrites."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_MODE)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(base64.b64encode(value).decode("ascii") + "\n")
    path.chmod(SECRET_MODE)


def write_pem_secret(path: Path, pem: bytes) -> None:
    """Write a new PEM key readable by its owner only; never overwrites."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    path.chmod(SECRET_MODE)


def read_secret(path: Path) -> bytes:
    return base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
