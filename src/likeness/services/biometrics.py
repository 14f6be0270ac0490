"""Destroying a performer's biometric data: the one routine erasure and retention share.

Templates (rows and the salts behind their ``enrolment.added`` commitments), match
corrections, stored scan reports that show the performer (their face thumbnails), the
performer's vault data key and sealed files, and every derived store that may hold
anyone's biometrics (index files, scan caches) go; the log keeps its commitments, which
can no longer be opened. Flags hold no image (a media hash, a modality and times).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from sqlalchemy.engine import Connection

from likeness.services.events import template_key
from likeness.store.log_store import SaltRepository
from likeness.store.scan_jobs import ScanJobRepository
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
        """Inside the caller's transaction: templates, corrections, their salts, the
        data key and the scan reports showing the performer. Returns the destroyed
        template ids."""
        template_ids = TemplateRepository(connection).remove_for_performer(performer_id)
        salts = SaltRepository(connection)
        for template_id in template_ids:  # enrolment commitments: unopenable now
            salts.erase(template_key(template_id))
        destroy_data_key(connection, performer_id)
        ScanJobRepository(connection).erase_showing(performer_id)
        return template_ids

    def destroy_templates(
        self, connection: Connection, performer_id: str, modalities: Collection[str]
    ) -> list[str]:
        """Inside the caller's transaction: the performer's templates of some modalities
        (a person removing their own) and the salts behind their commitments; the data
        key too when no template is left. Scan reports, corrections and the log stay.
        Returns the destroyed template ids."""
        repository = TemplateRepository(connection)
        template_ids = repository.remove_modalities(performer_id, modalities)
        salts = SaltRepository(connection)
        for template_id in template_ids:
            salts.erase(template_key(template_id))
        if not repository.for_performer(performer_id):
            destroy_data_key(connection, performer_id)
        return template_ids

    def shred_templates(self, performer_id: str, template_ids: Sequence[str]) -> None:
        """After the transaction commits: those templates' sealed files (the template and
        the photo or frame it was made from) and the derived stores."""
        self._vault.shred_blobs(
            performer_id, [name for t in template_ids for name in (t, f"{t}.scan")]
        )
        for store in self._derived:
            store.shred()

    def shred_files(self, performer_id: str) -> None:
        """After the transaction commits: the sealed files and the derived stores
        (rebuilt from the vault on demand)."""
        self._vault.shred(performer_id)
        for store in self._derived:
            store.shred()
