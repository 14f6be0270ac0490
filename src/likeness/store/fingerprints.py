"""Stay-down fingerprints: one per flag (its perceptual hashes, no biometric data)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from likeness.domain.fingerprint import StoredFingerprint
from likeness.store.tables import fingerprints


class FingerprintRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, item: StoredFingerprint) -> None:
        self._db.execute(
            fingerprints.insert().values(
                flag_log_index=item.flag_log_index,
                media_sha256=item.media_sha256,
                kind=item.kind,
                start_s=str(item.start),
                end_s=str(item.end),
                data=item.data,
                created_at=item.created_at,
            )
        )

    def all(self) -> list[StoredFingerprint]:
        query = select(fingerprints).order_by(fingerprints.c.flag_log_index)
        return [_fingerprint(row) for row in self._db.execute(query)]

    def for_flag(self, flag_log_index: int) -> StoredFingerprint | None:
        query = select(fingerprints).where(fingerprints.c.flag_log_index == flag_log_index)
        row = self._db.execute(query).first()
        return None if row is None else _fingerprint(row)


def _fingerprint(row: Any) -> StoredFingerprint:
    return StoredFingerprint(
        flag_log_index=int(row.flag_log_index),
        media_sha256=row.media_sha256,
        kind=row.kind,
        start=Decimal(row.start_s),
        end=Decimal(row.end_s),
        data=bytes(row.data),
        created_at=row.created_at,
    )
