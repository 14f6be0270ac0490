"""Erasure leaves no byte behind: the database files (on PostgreSQL the cluster's data
directory and WAL), keys.db and the vault are searched."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from likeness.bootstrap import Services
from likeness.domain.account import Role
from likeness.domain.consent import Grantor
from likeness.domain.performer import Representative, RepresentativeCapacity
from likeness.domain.production import Agreement, ProductionKind
from likeness.domain.use import UseReport
from likeness.errors import LikenessError
from likeness.services.events import performer_key
from likeness.services.home import sqlite_url
from likeness.services.inputs import PerformerInput, ProductionInput
from likeness.store.database import Database, create_database_engine
from likeness.store.log_store import SaltRepository
from likeness.store.record_keys import RecordKeys, biometric, keys_file, keys_of, personal
from likeness.store.vault import VaultError, VaultFiles, VaultKeys
from likeness.testing.media import RED, Block, face_image
from tests.integration.test_consents import request, use_on
from tests.stored_bytes import stored_files

NAME = "Zebedee Quillfeather"  # distinctive, to search for


def all_bytes(services: Services) -> bytes:
    return b"".join(stored_files(services.layout.root, services.database).values())


def test_erased_performer_leaves_no_plaintext(services: Services) -> None:
    """Personal fields are never stored in clear; erasure destroys the performer's record
    keys (their name, membership and dates were sealed under one, their salts derived
    from it), so nothing of theirs can be read from any copy the store keeps: on
    PostgreSQL the cluster's data directory and WAL, which keep dead rows, are searched."""
    services.registry.add_production(
        ProductionInput(
            title="Quillfeather Chronicles",
            company="Searchable Pictures",
            kind=ProductionKind.THEATRICAL,
            agreement=Agreement.NONE,
            start_date=date(2026, 1, 1),
        )
    )
    performer = services.registry.add_performer(
        PerformerInput(
            legal_name=NAME,
            professional_name="Zeb Q",
            union="SAG-AFTRA",
            member_number="Z-771",
            date_of_birth=date(1980, 2, 2),
            representatives=(
                Representative("Wilhelmina Agentworth", RepresentativeCapacity.AGENT, "wa@x.test"),
            ),
        )
    ).value
    keep = services.registry.add_performer(
        PerformerInput(legal_name="Kept Person", date_of_birth=date(1970, 1, 1))
    ).value
    now = datetime.now(UTC)
    scan = b"RAW-SCAN-" + bytes(range(256)) * 8
    vault = VaultFiles(services.layout.vault)
    with services.database.write() as connection:
        key = VaultKeys(connection).data_key(performer.id, now)
        keys = keys_of(connection)
        wrapped = [
            keys.wrapped_form(connection, owner)
            for owner in (personal(performer.id), biometric(performer.id))
        ]
        salt = SaltRepository(connection).get(performer_key(performer.id), personal(performer.id))
    vault.seal(performer.id, "scan1", "scan", scan, key)
    assert vault.open(performer.id, "scan1", "scan", key) == scan
    assert salt is not None and None not in wrapped
    before = all_bytes(services)
    assert b"Quillfeather Chronicles" in before  # the search sees the store (not sealed)
    assert all(w in before for w in wrapped if w is not None)
    for clear in (NAME.encode(), b"Zeb Q", b"Z-771", b"Wilhelmina", b"wa@x.test", b"1980-02-02"):
        assert clear not in before, clear  # sealed from the start
    assert scan not in before  # sealed, never plaintext
    assert services.registry.get_performer(performer.id).legal_name == NAME  # and opens

    services.registry.erase_performer(performer.id)

    after = all_bytes(services)
    assert b"Quillfeather Chronicles" in after
    for secret in (salt, key, *wrapped):
        assert secret is not None and secret not in after, secret
    assert not (services.layout.vault / performer.id).exists()
    wal = services.layout.database.with_name("likeness.db-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert services.ledger.audit().ok
    assert services.registry.get_performer(keep.id).legal_name == "Kept Person"
    with services.database.read() as connection:
        assert VaultKeys(connection).existing_key(performer.id) is None
        assert (
            SaltRepository(connection).get(performer_key(performer.id), personal(performer.id))
            is None
        )


def test_vault_blobs_are_bound_to_their_owner_and_key(services: Services) -> None:
    vault = VaultFiles(services.layout.vault)
    now = datetime.now(UTC)
    with services.database.write() as connection:
        keys = VaultKeys(connection)
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
        VaultKeys(connection).data_key("C" * 26, now)
    separate = (
        None
        if services.database.engine.dialect.name == "sqlite"
        else create_database_engine(sqlite_url(keys_file(services.layout.root)))
    )
    wrong = Database(services.database.engine, RecordKeys(bytes(32), separate=separate))
    with wrong.read() as connection, pytest.raises(LikenessError, match="master key"):
        VaultKeys(connection).existing_key("C" * 26)


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


def test_erasure_leaves_no_consent_signer_reason_use_note_or_union(services: Services) -> None:
    """What a consent's events and a reported use hold (who signed for the performer, why
    they revoked, the production's note), the union's name and the name of an account
    acting for the performer are sealed under the
    performer's personal key too: after erasure none is readable anywhere, dead rows and
    the WAL on PostgreSQL included."""
    performer = services.registry.add_performer(
        PerformerInput(
            legal_name=NAME,
            union="Quillfeather Guild",
            member_number="QG-5150",
            date_of_birth=date(1990, 6, 15),
            representatives=(
                Representative("Wilhelmina Agentworth", RepresentativeCapacity.AGENT, None),
            ),
        )
    ).value
    film = services.registry.add_production(
        ProductionInput(
            title="Night Shift",
            company="Acme",
            kind=ProductionKind.THEATRICAL,
            agreement=Agreement.SAG_AFTRA_TV_THEATRICAL,
            start_date=date(2025, 1, 1),
        )
    ).value
    consent = services.consents.request(performer.id, film.id, request()).value
    services.consents.grant(
        consent.id,
        by=Grantor.REPRESENTATIVE,
        signer="Wilhelmina Agentworth",
        signed_separately=True,
        clear_and_conspicuous=True,
    )
    facts = dataclasses.replace(use_on(film.id, date(2025, 9, 1)), note="Zebedee's reshoot XQ7")
    services.uses.report(UseReport(performer.id, facts))
    services.consents.revoke(consent.id, by=Grantor.PERFORMER, reason="REVOKEREASON-private")
    account = services.accounts.add_account(
        "Zeb Portalname", Role.PERFORMER, performer_id=performer.id
    )
    assert services.accounts.get_account(account.id).name == "Zeb Portalname"  # and it opens
    secrets = (
        b"Wilhelmina",
        b"Quillfeather Guild",
        b"REVOKEREASON",
        b"reshoot XQ7",
        b"QG-5150",
        b"Zeb Portalname",
    )
    assert not [s for s in secrets if s in all_bytes(services)]  # sealed from the start

    services.registry.erase_performer(performer.id)

    after = all_bytes(services)
    assert b"Night Shift" in after  # the production stays, in clear: the search sees it
    assert not [s for s in secrets if s in after]
