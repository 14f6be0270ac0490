"""A witness's data home (``likeness --home W witness ...``): its key and its state.

::

    W/witness.json          marker: format, the witness's name, when it was made
    W/secrets/witness.key   Ed25519 seed, base64, mode 0600 (never printed)
    W/state.json            per log origin: the log's verifier key and the latest
                            checkpoint this witness cosigned (size, root, note)
    W/lock                  flock: one state update at a time, across processes

The home is built in a staging directory and renamed into place, all or nothing. The
state is replaced whole: written to a temporary file, flushed to disk, renamed over
the old one and the directory flushed, so a crash leaves either the old state or the
new one, never a mix. ``update`` holds the lock from reading the state to writing it,
so two requests cannot both advance from the same size (c2sp.org/tlog-witness).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from likeness.errors import HomeError, HomeNotWritableError
from likeness.ledger.note import NoteError, parse_verifier
from likeness.ledger.witness_protocol import WitnessedLog
from likeness.store.home import SECRETS_DIR_MODE, read_secret, write_secret

FORMAT = "likeness-witness/1"
T = TypeVar("T")
Logs = dict[str, WitnessedLog]


class WitnessHome:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._thread_lock = threading.Lock()

    @property
    def marker(self) -> Path:
        return self.root / "witness.json"

    @property
    def key_file(self) -> Path:
        return self.root / "secrets" / "witness.key"

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    def is_initialised(self) -> bool:
        return self.marker.is_file()

    def require_initialised(self) -> None:
        if not self.is_initialised():
            raise HomeError(
                f"no witness home at {self.root}",
                hint=f"run 'likeness --home {self.root} witness init' first",
            )

    def name(self) -> str:
        return str(self._read_json(self.marker)["name"])

    def seed(self) -> bytes:
        try:
            return read_secret(self.key_file)
        except (OSError, ValueError) as exc:
            raise HomeError(f"cannot read the witness key at {self.key_file}: {exc}") from exc

    # -- the state ---------------------------------------------------------------------

    def logs(self) -> Logs:
        return _parse_logs(self._read_json(self.state_file))

    def update(self, change: Callable[[Logs], tuple[Logs | None, T]]) -> T:
        """Run ``change`` on the current state under the lock; when it returns new logs,
        they replace the state (durably) before the lock is released."""
        with self._locked():
            new, result = change(self.logs())
            if new is not None:
                self._write_state(new)
            return result

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._thread_lock, (self.root / "lock").open("a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _write_state(self, logs: Logs) -> None:
        _write_atomically(self.state_file, _dump_logs(logs))

    def _read_json(self, path: Path) -> dict[str, Any]:
        self.require_initialised()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise HomeError(f"cannot read {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise HomeError(f"{path} is not a JSON object")
        return data


def create_witness_home(root: Path, *, name: str, created_at: datetime) -> WitnessHome:
    """A new witness home at ``root`` (absent or an empty directory), all or nothing."""
    if WitnessHome(root).is_initialised():
        raise HomeNotWritableError(str(root), "it is already a witness home")
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise HomeNotWritableError(str(root), "it exists and is not an empty directory")
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.init-", dir=root.parent))
    except OSError as exc:
        raise HomeNotWritableError(str(root), exc.strerror or str(exc)) from exc
    try:
        (staging / "secrets").mkdir(mode=SECRETS_DIR_MODE)
        (staging / "secrets").chmod(SECRETS_DIR_MODE)
        write_secret(staging / "secrets" / "witness.key", os.urandom(32))
        _write_atomically(staging / "state.json", _dump_logs({}))
        marker = {"format": FORMAT, "name": name, "created_at": created_at.isoformat()}
        _write_atomically(staging / "witness.json", json.dumps(marker) + "\n")
        staging.replace(root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return WitnessHome(root)


def _write_atomically(path: Path, text: str) -> None:
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temporary).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a crash
    finally:
        os.close(directory)


def _dump_logs(logs: Logs) -> str:
    data = {
        origin: {
            "log_key": log.verifier.encode(),
            "size": log.size,
            "root": None if log.root is None else base64.b64encode(log.root).decode(),
            "checkpoint": log.checkpoint,
        }
        for origin, log in sorted(logs.items())
    }
    return json.dumps({"format": FORMAT, "logs": data}, indent=2) + "\n"


def _parse_logs(data: dict[str, Any]) -> Logs:
    logs: Logs = {}
    raw = data.get("logs")
    if not isinstance(raw, dict):
        raise HomeError("the witness state has no 'logs' object")
    for origin, item in raw.items():
        try:
            root = item["root"]
            logs[origin] = WitnessedLog(
                origin=origin,
                verifier=parse_verifier(item["log_key"]),
                size=int(item["size"]),
                root=None if root is None else base64.b64decode(root, validate=True),
                checkpoint=item["checkpoint"],
            )
        except (KeyError, TypeError, ValueError, NoteError, binascii.Error) as exc:
            raise HomeError(f"the witness state for {origin!r} is damaged: {exc}") from exc
    return logs
