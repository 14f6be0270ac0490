"""Four processes write the log at once (three appenders and a roster import through the
CLI, as API workers, imports and scan workers do): every entry gets one index, none lost
or repeated; every checkpoint a writer was handed covers a prefix of the final log (Go
checks a consistency proof from each); `log audit` is green; and the log served at /log
is verified by Go's sumdb/tlog, then again after it grows. Runs on both stores
(``--store postgresql``: the writers serialise on the store's advisory lock)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from likeness.bootstrap import Services
from likeness.ledger.checkpoint import open_checkpoint
from likeness.ledger.note import parse_verifier
from likeness.settings import Settings
from tests.interop.test_go_tlog import b64, check
from tests.server import running_server

pytestmark = pytest.mark.interop

APPENDERS, ROUNDS, BATCH = 3, 40, 25  # 3,000 entries
ROSTER = 1_000  # and a CLI import of a 1,000-row roster: 4,000 entries in all

APPENDER = """
import json, sys
from datetime import UTC, datetime
from likeness.bootstrap import build_services
from likeness.ledger.entry import LogEvent
from likeness.ledger.note import parse_verifier
from likeness.ledger.receipt import verify_receipt
from likeness.services.events import PendingEvent
from likeness.settings import load_settings

services = build_services(load_settings(home=sys.argv[1]))
rounds, batch, tag = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
verifier = parse_verifier(services.ledger.verifier_key)
for r in range(rounds):
    at = datetime.now(UTC)
    events = [
        PendingEvent(LogEvent(type="test.event", at=at, ids={"n": f"{tag}-{r}-{i}"}), None)
        for i in range(batch)
    ]
    receipts = services.ledger.append_with_receipts(events)
    for receipt in receipts:  # each against the checkpoint signed with it
        verify_receipt(receipt, verifier)
    handed = {"indexes": [x.index for x in receipts], "checkpoint": receipts[0].checkpoint}
    print(json.dumps(handed), flush=True)
"""


def test_four_writer_processes_then_go_verifies_the_served_log(
    tlogcheck: Path, services: Services, settings: Settings, tmp_path: Path
) -> None:
    home = str(settings.home)
    roster = tmp_path / "roster.csv"
    rows = [f"Writer Test {i},,SAG-AFTRA,W{i:05d},1980-01-01," for i in range(ROSTER)]
    roster.write_text(
        "legal_name,professional_name,union,member_number,date_of_birth,representatives\n"
        + "\n".join(rows)
        + "\n"
    )
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", APPENDER, home, str(ROUNDS), str(BATCH), f"w{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(APPENDERS)
    ]
    importer = subprocess.Popen(
        [sys.executable, "-m", "likeness", "--home", home, "performer", "import", str(roster),
         "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    indexes: list[int] = []
    checkpoints: set[str] = set()
    for writer in writers:
        out, err = writer.communicate(timeout=600)
        assert writer.returncode == 0, err
        for line in out.splitlines():
            handed = json.loads(line)
            indexes.extend(handed["indexes"])
            checkpoints.add(handed["checkpoint"])
    out, err = importer.communicate(timeout=600)
    assert importer.returncode == 0, err
    imported = json.loads(out)
    assert imported["imported"] == ROSTER
    first, last = imported["log_indexes"]  # the import's range, in one transaction
    indexes.extend(range(first, last + 1))

    total = APPENDERS * ROUNDS * BATCH + ROSTER
    assert sorted(indexes) == list(range(total))  # consecutive: none lost, none twice
    assert len(checkpoints) >= APPENDERS * ROUNDS  # one per appended batch

    audited = subprocess.run(
        [sys.executable, "-m", "likeness", "--home", home, "log", "audit", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert audited.returncode == 0 and json.loads(audited.stdout)["ok"] is True, audited.stdout

    verifier = parse_verifier(services.ledger.verifier_key)
    final = services.ledger.checkpoint()
    assert open_checkpoint(final, verifier).size == total
    with running_server(settings.home) as base:
        served = urllib.request.urlopen(f"{base}/log/checkpoint", timeout=10).read().decode()
        assert open_checkpoint(served, verifier).size == total
        payload = payload_for(services, served, sorted(checkpoints), tiles_url=f"{base}/log/")
        result = check(tlogcheck, payload)
        assert result.returncode == 0, result.stderr
        assert f"{len(payload['records'])} tile-derived proofs" in result.stdout
        assert f"{len(checkpoints)} consistency" in result.stdout

        services.ledger.append_entries([f"after {i}".encode() for i in range(300)])  # growth
        grown = urllib.request.urlopen(f"{base}/log/checkpoint", timeout=10).read().decode()
        assert open_checkpoint(grown, verifier).size == total + 300
        result = check(tlogcheck, payload_for(services, grown, [served], tiles_url=f"{base}/log/"))
        assert result.returncode == 0, result.stderr
        assert "1 consistency" in result.stdout


def payload_for(
    services: Services, checkpoint: str, older: list[str], *, tiles_url: str
) -> dict[str, object]:
    """Inclusion of a sample of entries, and consistency from each of ``older`` (their
    roots as signed then, not recomputed), all against ``checkpoint``."""
    verifier = parse_verifier(services.ledger.verifier_key)
    size = open_checkpoint(checkpoint, verifier).size
    records = []
    for index in sorted({0, 1, 255, 256, size // 2, size - 1}):
        receipt = services.ledger.receipt(index)  # against the latest: ``checkpoint``
        assert open_checkpoint(receipt.checkpoint, verifier).size == size
        records.append(
            {"index": index, "data": b64(receipt.entry), "proof": [b64(h) for h in receipt.proof]}
        )
    consistency = []
    for note in older:
        old = open_checkpoint(note, verifier)
        proof = services.ledger.prove_consistency(old.size, size)
        consistency.append(
            {
                "old_size": old.size,
                "old_root": base64.b64encode(old.root).decode(),
                "proof": [b64(h) for h in proof],
            }
        )
    return {
        "vkey": services.ledger.verifier_key,
        "checkpoint": checkpoint,
        "records": records,
        "consistency": consistency,
        "tiles_url": tiles_url,
    }
