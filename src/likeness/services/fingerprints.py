"""Stay-down: keep a perceptual fingerprint of every flagged segment, share them as a
block list, and say whether a file holds a flagged segment (before any face is searched:
a match decodes the file once and detects nothing). docs/enforcement.md."""

from __future__ import annotations

from pathlib import Path

from likeness.domain.consent import Modality
from likeness.domain.fingerprint import StayDownMatch, StoredFingerprint
from likeness.domain.flag import Flag
from likeness.errors import InvalidInputError
from likeness.scan.fingerprint import (
    BlockListEntry,
    Fingerprint,
    FingerprintKind,
    block_list_json,
    fingerprint_media,
)
from likeness.scan.fingerprint import match as match_fingerprints
from likeness.services.ports import Clock
from likeness.store.database import Database
from likeness.store.fingerprints import FingerprintRepository


class FingerprintService:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    def keep(self, flag: Flag, media_path: Path) -> StoredFingerprint:
        """Fingerprint ``flag``'s segment of ``media_path`` (the flagged file) and store
        it; a flag already fingerprinted keeps its first one. A voice flag keeps the
        sound's fingerprint, a face or body flag the pictures'. Raises
        ``InvalidInputError`` when the segment cannot be read or holds nothing to match."""
        if flag.log_index < 0:
            raise InvalidInputError("a flag is fingerprinted once it is in the log")
        with self._database.read() as connection:
            kept = FingerprintRepository(connection).for_flag(flag.log_index)
        if kept is not None:
            return kept
        kind = FingerprintKind.AUDIO if flag.modality is Modality.VOICE else None
        fp = fingerprint_media(media_path, float(flag.start), float(flag.end), kind)
        item = StoredFingerprint(
            flag_log_index=flag.log_index,
            media_sha256=flag.media_sha256,
            kind=fp.kind.value,
            start=flag.start,
            end=flag.end,
            data=fp.to_bytes(),
            created_at=self._clock.now(),
        )
        with self._database.write() as connection:
            repository = FingerprintRepository(connection)
            if repository.for_flag(flag.log_index) is None:  # another process was quicker
                repository.add(item)
        return item

    def stored(self) -> list[StoredFingerprint]:
        with self._database.read() as connection:
            return FingerprintRepository(connection).all()

    def block_list(self) -> str:
        """Every fingerprint as the shareable block list (JSON lines: flag id, kind,
        times, hashes; no biometric template, no performer, no production)."""
        entries = [
            BlockListEntry(item.flag_log_index, Fingerprint.from_bytes(item.data))
            for item in self.stored()
        ]
        return block_list_json(entries)

    def match(self, path: Path) -> list[StayDownMatch]:
        """The flags whose segment ``path`` holds (re-encoded, scaled, cropped a few
        percent or trimmed copies included), best first; empty when none."""
        kept = self.stored()
        if not kept:
            return []
        found = match_fingerprints(path, [Fingerprint.from_bytes(item.data) for item in kept])
        matches = [
            StayDownMatch(
                flag_id=kept[hit.index].flag_log_index,
                kind=hit.kind.value,
                offset=hit.offset,
                score=hit.score,
                flagged_sha256=kept[hit.index].media_sha256,
            )
            for hit in found
        ]
        return sorted(matches, key=lambda m: (-m.score, m.flag_id))
