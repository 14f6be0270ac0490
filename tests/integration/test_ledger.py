"""The transparency log over a real SQLite data home: what goes in, receipts, audits,
tampering, erasure, concurrent appenders and a writer killed mid-batch."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from likeness.bootstrap import Services, build_services
from likeness.cli.app import EXIT_CODES, app
from likeness.errors import LikenessError, NotFoundError
from likeness.ledger.entry import LogEvent, decode_entry
from likeness.ledger.merkle import stored_hash_count
from likeness.ledger.note import parse_verifier
from likeness.ledger.receipt import verify_receipt
from likeness.services.events import PendingEvent
from likeness.services.inputs import PerformerChanges, PerformerInput
from likeness.settings import Settings
from likeness.store.log_store import SaltRepository
from likeness.store.record_keys import personal

runner = CliRunner()


def ada(number: str = "100") -> PerformerInput:
    return PerformerInput(
        legal_name="Ada Lovelace",
        professional_name="Ada L",
        union="SAG-AFTRA",
        member_number=number,
        date_of_birth=date(1990, 6, 15),
    )


def entries_of(services: Services) -> list[dict]:
    size = services.ledger.size()
    return [decode_entry(services.ledger.receipt(i).entry) for i in range(size)]


def test_registry_changes_are_logged_without_personal_data(
    services: Services, tmp_path: Path
) -> None:
    performer = services.registry.add_performer(ada()).value
    services.registry.update_performer(performer.id, PerformerChanges(domicile="US-CA"))
    roster = tmp_path / "r.csv"
    roster.write_text(
        "legal_name,professional_name,union,member_number,date_of_birth\n"
        "Grace Hopper,,,,1985-12-09\n"
    )
    services.registry.import_performers(roster)
    entries = entries_of(services)
    assert [e["type"] for e in entries] == [
        "performer.added",
        "performer.updated",
        "performer.imported",
    ]
    assert entries[0]["ids"] == {"performer": performer.id}
    raw = b"".join(services.ledger.receipt(i).entry for i in range(3))
    # whole names only: three letters such as "Ada" turn up by chance in the entries'
    # base64 commitments (about one run in 200)
    for secret in (b"Ada L", b"Lovelace", b"Grace", b"1990-06-15", b"SAG-AFTRA", b"US-CA"):
        assert secret not in raw


def test_a_failed_change_appends_nothing(services: Services) -> None:
    services.registry.add_performer(ada())
    with pytest.raises(LikenessError):
        services.registry.add_performer(ada())  # duplicate member number
    assert services.ledger.size() == 1


def test_receipts_verify_offline_through_the_cli(
    services: Services, settings: Settings, tmp_path: Path
) -> None:
    services.registry.add_performer(ada())
    receipt = tmp_path / "receipt.json"
    key = tmp_path / "vkey"
    home = ["--home", str(settings.home)]
    assert runner.invoke(app, [*home, "log", "receipt", "0", "-o", str(receipt)]).exit_code == 0
    key.write_text(runner.invoke(app, [*home, "log", "key"]).stdout)
    offline = ["--home", str(tmp_path / "no-such-home")]  # no database is needed, or opened
    result = runner.invoke(
        app, [*offline, "log", "verify-receipt", str(receipt), "--key", str(key), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["entry"]["type"] == "performer.added"
    assert not (tmp_path / "no-such-home").exists()

    data = json.loads(receipt.read_text())
    data["index"] = 1
    receipt.write_text(json.dumps(data))
    result = runner.invoke(
        app, [*offline, "log", "verify-receipt", str(receipt), "--key", str(key)]
    )
    assert result.exit_code == EXIT_CODES["invalid"]
    assert "receipt index 1 is beyond the checkpoint's tree size 1" in result.stderr


def test_unknown_log_index(services: Services) -> None:
    with pytest.raises(NotFoundError, match="no log entry with id '3'"):
        services.ledger.receipt(3)


def tamper(services: Services, sql: str, **params: object) -> None:
    """Change the stored log behind the ledger's back, on whichever store it uses."""
    with services.database.write() as connection:
        connection.execute(text(sql), params)


def fill(services: Services, n: int) -> None:
    services.ledger.append_entries([f"entry {i}".encode() for i in range(n)])


def test_tampered_entry_fails_the_audit_and_names_it(
    services: Services, settings: Settings
) -> None:
    fill(services, 300)
    assert services.ledger.audit().ok
    tamper(services, "UPDATE log_entries SET data = :data WHERE idx = 123", data=b"entry 999")
    result = runner.invoke(app, ["--home", str(settings.home), "log", "audit"])
    assert result.exit_code == EXIT_CODES["integrity"]
    assert "entry 123: its bytes do not match its stored leaf hash" in result.stderr


def test_tampered_hash_fails_the_audit_and_names_it(services: Services) -> None:
    fill(services, 300)
    index = stored_hash_count(256) - 1  # root of entries 0..255
    tamper(services, "UPDATE log_hashes SET hash = :h WHERE idx = :i", h=bytes(32), i=index)
    with pytest.raises(LikenessError, match=f"stored hash {index} \\(entries 0 to 255\\)"):
        services.ledger.audit()


def test_audit_since_a_saved_checkpoint(services: Services, tmp_path: Path) -> None:
    fill(services, 40)
    saved = tmp_path / "checkpoint"
    saved.write_text(services.ledger.checkpoint())
    fill(services, 25)
    report = services.ledger.audit(since=saved)
    assert (report.size, report.since_size) == (65, 40)

    # Rewriting history: drop the newest entries and re-append different ones.
    tamper(services, "DELETE FROM log_entries WHERE idx >= 30")
    tamper(services, "DELETE FROM log_hashes WHERE idx >= :i", i=stored_hash_count(30))
    tamper(services, "UPDATE log_state SET size = 30")
    services.close()
    rebuilt = build_services(services_settings(services))
    try:
        rebuilt.ledger.append_entries([b"rewritten"] * 35)
        assert rebuilt.ledger.audit().ok  # the new tree is self-consistent...
        with pytest.raises(
            LikenessError, match="not consistent with the saved checkpoint of size 40"
        ):
            rebuilt.ledger.audit(since=saved)  # ...but not with what was published
    finally:
        rebuilt.close()


def services_settings(services: Services) -> Settings:
    from likeness.settings import load_settings

    return load_settings(home=services.layout.root)


def test_a_truncated_log_fails_against_a_saved_checkpoint(
    services: Services, tmp_path: Path
) -> None:
    fill(services, 10)
    saved = tmp_path / "checkpoint"
    saved.write_text(services.ledger.checkpoint())
    tamper(services, "DELETE FROM log_entries WHERE idx >= 5")
    with pytest.raises(LikenessError, match="records a size of 10 but stores 5 entries"):
        services.ledger.audit(since=saved)


def test_a_deleted_log_state_is_noticed(services: Services) -> None:
    fill(services, 10)
    tamper(services, "DELETE FROM log_state")
    with pytest.raises(LikenessError, match="records a size of 0 but stores 10 entries"):
        services.ledger.audit()


def test_missing_hashes_are_reported_as_damage_not_crashes(services: Services) -> None:
    fill(services, 10)
    services.close()
    tamper(services, "DELETE FROM log_hashes WHERE idx = 3")
    reopened = build_services(services_settings(services))
    try:
        with pytest.raises(LikenessError, match="the stored log is damaged") as raised:
            reopened.ledger.receipt(1)
        assert raised.value.kind == "integrity"
    finally:
        reopened.close()


def test_bad_saved_checkpoints_are_refused(services: Services, tmp_path: Path) -> None:
    fill(services, 3)
    saved = tmp_path / "checkpoint"
    saved.write_text(services.ledger.checkpoint()[:-10])
    with pytest.raises(LikenessError, match="checkpoint rejected"):
        services.ledger.audit(since=saved)


def test_erasure_keeps_every_proof_valid(services: Services, settings: Settings) -> None:
    performer = services.registry.add_performer(ada()).value
    services.registry.add_performer(ada("200"))
    before = services.ledger.receipt(0)
    verifier = parse_verifier(services.ledger.verifier_key)
    with services.database.read() as connection:
        assert (
            SaltRepository(connection).get(f"performer:{performer.id}", personal(performer.id))
            is not None
        )

    services.registry.erase_performer(performer.id)

    assert services.ledger.audit().ok
    verify_receipt(before, verifier)  # issued before the erasure, still valid
    verify_receipt(services.ledger.receipt(0), verifier)
    with services.database.read() as connection:
        assert (
            SaltRepository(connection).get(f"performer:{performer.id}", personal(performer.id))
            is None
        )
    with pytest.raises(NotFoundError):
        services.registry.get_performer(performer.id)
    assert entries_of(services)[-1]["type"] == "performer.erased"
    result = runner.invoke(app, ["--home", str(settings.home), "log", "audit", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["ok"] is True


def test_group_commit_from_many_threads(services: Services) -> None:
    writer = services.log_writer()
    results: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for i in range(50):
            event = LogEvent(type="test.event", at=datetime.now(UTC), ids={"n": f"{n}-{i}"})
            index = writer.append(PendingEvent(event, None))
            with lock:
                results.append(index)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(400))
    assert services.ledger.audit().ok


APPENDER = """
import sys
from likeness.bootstrap import build_services
from likeness.settings import load_settings
services = build_services(load_settings(home=sys.argv[1]))
batch, rounds, tag = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
for r in range(rounds):
    indexes = services.ledger.append_entries([f"{tag} {r} {i}".encode() for i in range(batch)])
    print(indexes[0], indexes[-1], flush=True)
"""


def test_concurrent_appenders_in_separate_processes(services: Services, settings: Settings) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", APPENDER, str(settings.home), "3", "40", f"p{n}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    indexes: list[int] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        for line in out.split("\n"):
            if line:
                first, last = map(int, line.split())
                indexes.extend(range(first, last + 1))
    assert sorted(indexes) == list(range(360))
    assert services.ledger.audit().ok


def test_sigkill_mid_batch_loses_no_returned_append(services: Services, settings: Settings) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", APPENDER, str(settings.home), "200", "100000", "k"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    returned: list[int] = []
    for line in proc.stdout:
        returned.append(int(line.split()[1]))
        if len(returned) >= 40:
            break
    proc.send_signal(signal.SIGKILL)  # in the middle of a later batch
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    services.close()
    reopened = build_services(services_settings(services))
    try:
        size = reopened.ledger.size()
        assert size % 200 == 0  # whole batches only: nothing half-written is visible
        assert max(returned) < size  # every index the writer was given back is there
        assert reopened.ledger.audit().ok
        with reopened.database.read() as connection:
            count = connection.execute(text("SELECT count(*) FROM log_hashes")).scalar_one()
        assert count == stored_hash_count(size)
        reopened.ledger.append_entries([b"after the crash"])  # and the log carries on
        assert reopened.ledger.audit().ok
    finally:
        reopened.close()


def test_cli_checkpoint_audit_since_and_erase(
    services: Services, settings: Settings, tmp_path: Path
) -> None:
    home = ["--home", str(settings.home)]
    performer = services.registry.add_performer(ada()).value
    saved = tmp_path / "cp"
    assert runner.invoke(app, [*home, "log", "checkpoint", "-o", str(saved)]).exit_code == 0
    assert saved.read_text().split("\n")[:2] == ["likeness.localhost/log", "1"]

    refused = runner.invoke(app, [*home, "performer", "erase", performer.id])
    assert refused.exit_code == EXIT_CODES["invalid"] and "add --yes" in refused.stderr
    assert services.registry.get_performer(performer.id) == performer

    erased = runner.invoke(app, [*home, "performer", "erase", performer.id, "--yes", "--json"])
    assert erased.exit_code == 0 and json.loads(erased.stdout)["log_index"] == 1
    result = runner.invoke(app, [*home, "log", "audit", "--since", str(saved)])
    assert result.exit_code == 0, result.output
    assert "ok: consistent with the saved checkpoint of size 1" in result.stdout


def test_proofs_from_the_hash_mirror_match_a_fresh_computation(services: Services) -> None:
    """The mirror grows across its 4,096-hash blocks in steps; every proof it serves
    must equal one computed from scratch."""
    from likeness.ledger.merkle import MemoryHashes, inclusion_proof

    reference = MemoryHashes()
    for step in (1, 2000, 100, 2100, 1, 3000):
        batch = [f"m {reference.size + i}".encode() for i in range(step)]
        services.ledger.append_entries(batch)
        for entry in batch:
            reference.append(entry)
        size = reference.size
        for index in {0, size // 3, size // 2, size - 1}:
            assert services.ledger.receipt(index).proof == tuple(
                inclusion_proof(index, size, reference)
            )
