"""A witness the log sends its checkpoints to, as the log knows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Witness:
    name: str  # the witness key's name: its cosignature lines carry it
    url: str  # the submission prefix: checkpoints go to <url>/add-checkpoint
    verifier_key: str  # cosignature/v1 verifier key (name+hash+base64)
    added_at: datetime
    cosigned_size: int | None = None  # the size of the last checkpoint it cosigned
    cosigned_body: str | None = None  # that checkpoint's body
    cosignature: str | None = None  # its signature line on that body
    last_attempt_at: datetime | None = None
    last_error: str | None = None  # why the last attempt did not bring a cosignature
