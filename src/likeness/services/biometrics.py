"""Destroying a performer's biometric data: the one routine erasure and retention share.

Templates (rows and the salts behind their ``enrolment.added`` commitments), match
corrections, the performer's vault data key and sealed files, and every derived store
that may hold anyone's biometrics (index files, scan caches) go; the log keeps its
commitments, which can no longer be opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.engine import Connection

from likeness.services.events import template_key
from likeness.store.log_store import SaltRepository
from likeness.store.templates import TemplateRepository
from likeness.store.vault import VaultFiles, destroy_data_key


class Shreddable(Protocol):
    """Derived data that may hold anyone's biometrics, destroyed whole on erasure."""

    def shred(self) -> None: ...


class BiometricShredder:
    def __init__(self, *, vault: VaultFiles, derived: Sequence[Shreddable] = ()) -> None:
        self._vault = vault
        self._derived = tuple(derived)

    def destroy_rows(self, connection: Connection, performer_id: str) -> list[str]:
        """Inside the caller's transaction: templates, corrections, their salts and the
        data key. Returns the destroyed template ids."""
        template_ids = TemplateRepository(connection).remove_for_performer(performer_id)
        salts = SaltRepository(connection)
        for template_id in template_ids:  # enrolment commitments: unopenable now
            salts.erase(template_key(template_id))
        destroy_data_key(connection, performer_id)
        return template_ids

    def shred_files(self, performer_id: str) -> None:
        """After the transaction commits: the sealed files and the derived stores
        (rebuilt from the vault on demand)."""
        self._vault.shred(performer_id)
        for store in self._derived:
            store.shred()
