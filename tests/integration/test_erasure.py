"""Erasure leaves no byte behind: database file, write-ahead log and vault are searched."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from likeness.bootstrap import Services
from likeness.errors import LikenessError
from likeness.services.inputs import PerformerInput
from likeness.store.log_store import SaltRepository
from likeness.store.vault import VaultError, VaultFiles, VaultKeys
from likeness.testing.media import RED, Block, face_image

NAME = "Zebedee Quillfeather"  # distinctive, to search for


def all_bytes(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file())


def test_erased_performer_leaves_no_plaintext(services: Services) -> None:
    performer = services.registry.add_performer(
        PerformerInput(
            legal_name=NAME,
            professional_name="Zeb Q",
            union="SAG-AFTRA",
            member_number="Z-771",
            date_of_birth=date(1980, 2, 2),
        )
    ).value
    keep = services.registry.add_performer(
        PerformerInput(legal_name="Kept Person", date_of_birth=date(1970, 1, 1))
    ).value
    now = datetime.now(UTC)
    scan = b"RAW-SCAN-" + bytes(range(256)) * 8
    vault = VaultFiles(services.layout.vault)
    with services.database.write() as connection:
        key = VaultKeys(connection, services.master_key).data_key(performer.id, now)
        wrapped = connection.exec_driver_sql(
            "SELECT wrapped FROM vault_keys WHERE performer_id = ?", (performer.id,)
        ).scalar()
        salt = SaltRepository(connection).get(f"performer:{performer.id}")
    vault.seal(performer.id, "scan1", "scan", scan, key)
    assert vault.open(performer.id, "scan1", "scan", key) == scan
    assert salt is not None and wrapped is not None
    before = all_bytes(services.layout.root)
    assert NAME.encode() in before and salt in before and bytes(wrapped) in before
    assert scan not in before  # sealed, never plaintext

    services.registry.erase_performer(performer.id)

    after = all_bytes(services.layout.root)
    for secret in (NAME.encode(), b"Zeb Q", b"Z-771", salt, bytes(wrapped), key):
        assert secret not in after, secret
    assert not (services.layout.vault / performer.id).exists()
    wal = services.layout.database.with_name("likeness.db-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert services.ledger.audit().ok
    assert services.registry.get_performer(keep.id).legal_name == "Kept Person"
    with services.database.read() as connection:
        assert VaultKeys(connection, services.master_key).existing_key(performer.id) is None


def test_vault_blobs_are_bound_to_their_owner_and_key(services: Services) -> None:
    vault = VaultFiles(services.layout.vault)
    now = datetime.now(UTC)
    with services.database.write() as connection:
        keys = VaultKeys(connection, services.master_key)
        key_a, key_b = keys.data_key("A" * 26, now), keys.data_key("B" * 26, now)
        assert keys.data_key("A" * 26, now) == key_a  # stable once made
    path = vault.seal("A" * 26, "t1", "template", b"vector", key_a)
    with pytest.raises(VaultError, match="damaged or was moved"):
        vault.open("A" * 26, "t1", "template", key_b)
    target = services.layout.vault / ("B" * 26)
    target.mkdir()
    path.rename(target / "t1.sealed")
    with pytest.raises(VaultError):
        vault.open("B" * 26, "t1", "template", key_b)  # moved to another owner: refused


def test_a_wrong_master_key_is_refused(services: Services) -> None:
    now = datetime.now(UTC)
    with services.database.write() as connection:
        VaultKeys(connection, services.master_key).data_key("C" * 26, now)
    with services.database.read() as connection, pytest.raises(LikenessError, match="master key"):
        VaultKeys(connection, bytes(32)).existing_key("C" * 26)


def test_erasure_drops_the_in_memory_gallery_at_once(
    fake_services: Services, tmp_path: Path
) -> None:
    """The in-memory indexes hold every enrolled performer's embeddings: erasure drops
    them at once, not at the next identification (they are rebuilt from the vault)."""
    ada = fake_services.registry.add_performer(
        PerformerInput(legal_name="Ada", date_of_birth=date(1980, 1, 1))
    ).value.id
    photo = face_image(tmp_path / "ada.png", [Block(RED)])
    fake_services.enrolment.enrol(ada, [photo])
    assert [f.performer_id for f in fake_services.gallery.identify(photo).faces] == [ada]
    galleries = fake_services.gallery._galleries  # white box: nothing public shows memory
    assert any(g.index is not None for g in galleries.values())
    fake_services.registry.erase_performer(ada)
    assert all(g.index is None for g in galleries.values())
    assert [f.performer_id for f in fake_services.gallery.identify(photo).faces] == [None]
