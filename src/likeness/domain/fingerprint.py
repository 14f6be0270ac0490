"""Stay-down fingerprints as kept and as matched: a flag's perceptual hashes (opaque
bytes made by ``scan/fingerprint.py``) with where they came from. No biometric template,
no face crop, no name: a fingerprint finds the same footage or sound again, not a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

KINDS = ("video", "image", "audio")


@dataclass(frozen=True)
class StoredFingerprint:
    """The fingerprint of one flagged segment (``data``: the versioned compact form)."""

    flag_log_index: int  # the flag's id
    media_sha256: str | None  # of the flagged file
    kind: str  # video, image or audio
    start: Decimal  # seconds, the segment within the flagged file
    end: Decimal
    data: bytes
    created_at: datetime

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(
                f"a fingerprint's kind is one of {', '.join(KINDS)}, not {self.kind!r}"
            )


@dataclass(frozen=True)
class StayDownMatch:
    """A file holding a flagged segment: which flag, where in the file, how closely."""

    flag_id: int
    kind: str
    offset: float  # seconds into the matched file where the flagged segment starts
    score: float  # share of aligned frames within the threshold (audio: 1 - bit errors)
    flagged_sha256: str | None  # the file the flag was raised on
