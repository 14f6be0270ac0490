"""The witnesses table: the log's witnesses and the latest cosignature of each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from likeness.domain.witness import Witness
from likeness.store.tables import witnesses


def _witness(row: RowMapping) -> Witness:
    return Witness(
        name=row["name"],
        url=row["url"],
        verifier_key=row["verifier_key"],
        added_at=row["added_at"],
        cosigned_size=row["cosigned_size"],
        cosigned_body=row["cosigned_body"],
        cosignature=row["cosignature"],
        last_attempt_at=row["last_attempt_at"],
        last_error=row["last_error"],
    )


class WitnessRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, witness: Witness) -> None:
        self._connection.execute(
            insert(witnesses).values(
                name=witness.name,
                url=witness.url,
                verifier_key=witness.verifier_key,
                added_at=witness.added_at,
            )
        )

    def get(self, name: str) -> Witness | None:
        row = (
            self._connection.execute(select(witnesses).where(witnesses.c.name == name))
            .mappings()
            .first()
        )
        return None if row is None else _witness(row)

    def all(self) -> list[Witness]:
        rows = self._connection.execute(select(witnesses).order_by(witnesses.c.added_at))
        return [_witness(row) for row in rows.mappings()]

    def remove(self, name: str) -> bool:
        return (
            self._connection.execute(delete(witnesses).where(witnesses.c.name == name)).rowcount > 0
        )

    def cosignatures_of(self, body: str) -> list[str]:
        """The signature lines cosigning exactly this checkpoint body, by witness name."""
        rows = self._connection.execute(
            select(witnesses.c.cosignature)
            .where(witnesses.c.cosigned_body == body, witnesses.c.cosignature.is_not(None))
            .order_by(witnesses.c.name)
        )
        return [str(line) for (line,) in rows]

    def record_cosignature(
        self, name: str, *, size: int, body: str, line: str, at: datetime
    ) -> None:
        self._connection.execute(
            update(witnesses)
            .where(witnesses.c.name == name)
            .values(
                cosigned_size=size,
                cosigned_body=body,
                cosignature=line,
                last_attempt_at=at,
                last_error=None,
            )
        )

    def record_failure(self, name: str, *, error: str, at: datetime) -> None:
        self._connection.execute(
            update(witnesses)
            .where(witnesses.c.name == name)
            .values(last_attempt_at=at, last_error=error)
        )
