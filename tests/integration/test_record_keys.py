"""Record keys outside the database's transaction (PostgreSQL: keys.db commits first) are
never left behind: a key made by a transaction that rolls back is destroyed with it, a key
a crash left without its row is swept at the next start, and an erasure cut short after
its keys were destroyed can be run again to finish (lists leave the performer out)."""

from __future__ import annotations

from datetime import date

import pytest

from likeness.bootstrap import Services, build_services
from likeness.errors import VaultError
from likeness.services.inputs import PerformerInput
from likeness.settings import Settings
from likeness.store.record_keys import keys_of, personal

GHOST = "01J0000000000000000000GH0S"


def wrapped(services: Services, owner: str) -> bytes | None:
    with services.database.read() as connection:
        return keys_of(connection).wrapped_form(connection, owner)


def test_a_key_made_in_a_transaction_that_rolls_back_is_destroyed(services: Services) -> None:
    with pytest.raises(RuntimeError), services.database.write() as connection:
        assert keys_of(connection).get(connection, personal(GHOST), create=True) is not None
        raise RuntimeError("the transaction fails after the key was made")
    assert wrapped(services, personal(GHOST)) is None


@pytest.mark.postgresql
def test_a_key_left_without_its_row_is_swept_at_start_up(
    services: Services, settings: Settings
) -> None:
    kept = services.registry.add_performer(
        PerformerInput(legal_name="Kept", date_of_birth=date(1980, 1, 1))
    ).value
    with services.database.read() as connection:  # as a crash between the two commits
        keys_of(connection).get_many(connection, [personal(GHOST)], create=True)
    assert wrapped(services, personal(GHOST)) is not None
    services.close()
    restarted = build_services(settings)
    try:
        assert wrapped(restarted, personal(GHOST)) is None
        assert restarted.registry.get_performer(kept.id).legal_name == "Kept"
    finally:
        restarted.close()


def test_an_erasure_cut_short_can_be_run_again(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = services.registry.add_performer(
        PerformerInput(legal_name="Cut Short", date_of_birth=date(1980, 1, 1))
    ).value
    other = services.registry.add_performer(
        PerformerInput(legal_name="Other", date_of_birth=date(1981, 1, 1))
    ).value
    record = services.ledger.record

    def fail(*args: object, **kwargs: object) -> list[int]:
        raise RuntimeError("the log append fails after the keys were destroyed")

    monkeypatch.setattr(services.ledger, "record", fail)
    with pytest.raises(RuntimeError):
        services.registry.erase_performer(gone.id)
    monkeypatch.setattr(services.ledger, "record", record)

    listed = [p.id for p in services.registry.list_performers()]
    if services.database.engine.dialect.name == "sqlite":  # all of it rolled back
        assert sorted(listed) == sorted([gone.id, other.id])
    else:  # keys.db had committed the destruction: the row stays, unreadable
        assert listed == [other.id]
        with pytest.raises(VaultError, match=r"personal key .* is missing") as refused:
            services.registry.get_performer(gone.id)
        assert "erase them again" in (refused.value.hint or "")
    services.registry.erase_performer(gone.id)  # and finishes
    assert [p.id for p in services.registry.list_performers()] == [other.id]
    assert services.ledger.audit().ok
