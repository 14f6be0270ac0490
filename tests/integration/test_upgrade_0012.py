"""A data home from before sealed personal data (schema 0011) opens with this version
losing nothing: performers with representatives, consents, accounts and templates stay;
their clear fields are sealed at start-up and read back the same; a vault key written by
the old code still opens; no clear name is left in the store. Both stores."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import text

from likeness.bootstrap import Services, build_services
from likeness.domain.performer import RepresentativeCapacity
from likeness.settings import Settings
from likeness.store import migrate
from likeness.store.tables import performers
from likeness.store.vault import VaultKeys
from tests.stored_bytes import stored_files

ADA, BO = "01J00000000000000000000ADA", "01J00000000000000000000B0B"
FILM, ACCOUNT, CONSENT, TEMPLATE = (
    "01J0000000000000000000FILM",
    "01J000000000000000000ACCNT",
    "01J00000000000000000000CNS",
    "01J00000000000000000000TPL",
)
NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


def old_wrapped_key(master_key: bytes, performer_id: str, key: bytes) -> bytes:
    """A vault key as the code before 0012 wrapped it into ``vault_keys.wrapped``."""
    nonce = secrets.token_bytes(12)
    aad = f"likeness-vault\x1fkey\x1f{performer_id}".encode()
    return nonce + AESGCM(master_key).encrypt(nonce, key, aad)


def test_a_0011_home_with_data_upgrades_without_loss(
    services: Services, settings: Settings
) -> None:
    engine = services.database.engine
    vault_key = secrets.token_bytes(32)
    services.close()
    migrate.downgrade(engine, "0011")
    rows = {
        "performers": [
            {"id": ADA, "legal_name": "Ada Lövelace", "professional_name": "Ada L",
             "union": "SAG-AFTRA", "member_number": "12345", "date_of_birth": date(1990, 6, 15),
             "status": "living", "date_of_death": None, "domicile": "US-CA",
             "created_at": NOW, "updated_at": NOW},
            {"id": BO, "legal_name": "Bo Departed", "professional_name": None, "union": None,
             "member_number": None, "date_of_birth": date(1920, 1, 1), "status": "deceased",
             "date_of_death": date(2000, 12, 31), "domicile": None,
             "created_at": NOW, "updated_at": NOW},
        ],
        "representatives": [
            {"performer_id": ADA, "position": "0000", "name": "Jane Roe", "capacity": "agent",
             "contact": "jane@x.test"},
            {"performer_id": ADA, "position": "0001", "name": "Gus Guardian",
             "capacity": "guardian", "contact": None},
            {"performer_id": BO, "position": "0000", "name": "Estate Co", "capacity": "estate",
             "contact": None},
        ],
        "productions": [
            {"id": FILM, "title": "Old Film", "company": "Old Co", "kind": "theatrical",
             "agreement": "none", "jurisdiction": None, "start_date": date(2025, 1, 1),
             "end_date": None, "created_at": NOW},
        ],
        "accounts": [
            {"id": ACCOUNT, "name": "Ada's agent", "role": "representative", "performer_id": ADA,
             "production_id": None, "created_at": NOW, "disabled_at": None,
             "last_sign_in_at": None},
        ],
        "consents": [
            {"id": CONSENT, "performer_id": ADA, "production_id": FILM, "requested_at": NOW},
        ],
        "templates": [
            {"id": TEMPLATE, "performer_id": ADA, "modality": "face", "model_id": "fake",
             "source_sha256": "0" * 64, "created_at": NOW},
        ],
        "vault_keys": [
            {"performer_id": ADA, "wrapped": old_wrapped_key(services.master_key, ADA, vault_key),
             "created_at": NOW},
        ],
    }  # fmt: skip
    with engine.begin() as connection:
        for table, values in rows.items():
            columns = ", ".join(f'"{c}"' for c in values[0])
            params = ", ".join(f":{c}" for c in values[0])
            connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({params})"), values)

    upgraded = build_services(settings)  # migrates to head, then seals what is in clear
    try:
        ada, bo = upgraded.registry.get_performer(ADA), upgraded.registry.get_performer(BO)
        assert (ada.legal_name, ada.professional_name, ada.member_number) == (
            "Ada Lövelace", "Ada L", "12345"
        )  # fmt: skip
        assert (ada.date_of_birth, ada.domicile, ada.union) == (
            date(1990, 6, 15), "US-CA", "SAG-AFTRA"
        )  # fmt: skip
        assert [(r.name, r.capacity, r.contact) for r in ada.representatives] == [
            ("Jane Roe", RepresentativeCapacity.AGENT, "jane@x.test"),
            ("Gus Guardian", RepresentativeCapacity.GUARDIAN, None),
        ]
        assert (bo.date_of_death, [r.name for r in bo.representatives]) == (
            date(2000, 12, 31), ["Estate Co"]
        )  # fmt: skip
        with upgraded.database.read() as connection:
            for table in ("consents", "accounts", "templates", "vault_keys"):
                count = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                assert count == 1, table  # nothing cascaded away with the rebuilt table
            stored = connection.execute(performers.select()).all()
            assert VaultKeys(connection).existing_key(ADA) == vault_key  # the old key opens
        assert all(row.legal_name.startswith("s1:") for row in stored)
        if engine.dialect.name == "sqlite":  # on PostgreSQL a dead row keeps the old clear one
            found = b"".join(stored_files(settings.home, upgraded.database).values())
            for clear in (b"Ada L\xc3\xb6velace", b"Jane Roe", b"jane@x.test", b"Estate Co"):
                assert clear not in found, clear
        assert upgraded.ledger.audit().ok
    finally:
        upgraded.close()
