"""Our checkpoints, proofs and tiles, verified by Go's golang.org/x/mod/sumdb/note and
sumdb/tlog (Debian's golang-go and golang-golang-x-mod-dev, GOPATH mode, offline)."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from likeness.bootstrap import Services
from likeness.ledger.checkpoint import open_checkpoint
from likeness.ledger.note import parse_verifier
from likeness.settings import Settings
from tests.server import running_server

pytestmark = pytest.mark.interop


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def check(binary: Path, payload: dict) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), "verify"],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def log_payload(services: Services) -> Iterator[dict]:
    services.ledger.append_entries([f"interop {i}".encode() for i in range(700)])
    verifier = parse_verifier(services.ledger.verifier_key)
    records = []
    for index in (0, 1, 255, 256, 511, 699):
        receipt = services.ledger.receipt(index)
        records.append(
            {"index": index, "data": b64(receipt.entry), "proof": [b64(h) for h in receipt.proof]}
        )
    checkpoint = services.ledger.checkpoint()
    consistency = []
    for old in (1, 5, 256, 500, 700):
        old_root = tree_root(services, old)
        consistency.append(
            {
                "old_size": old,
                "old_root": b64(old_root),
                "proof": [b64(h) for h in services.ledger.prove_consistency(old, 700)],
            }
        )
    assert open_checkpoint(checkpoint, verifier).size == 700
    yield {
        "vkey": services.ledger.verifier_key,
        "checkpoint": checkpoint,
        "records": records,
        "consistency": consistency,
    }


def tree_root(services: Services, size: int) -> bytes:
    from likeness.ledger.merkle import tree_hash
    from likeness.store.log_store import SqlLogStore

    with services.database.read() as connection:
        return tree_hash(size, SqlLogStore(connection))


def test_go_verifies_checkpoint_inclusion_and_consistency(
    tlogcheck: Path, log_payload: dict
) -> None:
    result = check(tlogcheck, log_payload)
    assert result.returncode == 0, result.stderr
    assert "6 inclusion, 5 consistency" in result.stdout


def test_go_rebuilds_proofs_from_our_served_tiles(
    tlogcheck: Path, log_payload: dict, settings: Settings
) -> None:
    with running_server(settings.home) as base:
        result = check(tlogcheck, {**log_payload, "tiles_url": f"{base}/log/"})
    assert result.returncode == 0, result.stderr
    assert "6 tile-derived proofs" in result.stdout


def test_go_rejects_what_we_would_reject(tlogcheck: Path, log_payload: dict) -> None:
    """The interop check can fail: a flipped bit is caught by Go too."""
    resized = log_payload["checkpoint"].replace("\n700\n", "\n701\n", 1)
    assert check(tlogcheck, {**log_payload, "checkpoint": resized}).returncode != 0
    record = dict(log_payload["records"][3])
    record["data"] = b64(b"x" + base64.b64decode(record["data"])[1:])
    result = check(tlogcheck, {**log_payload, "records": [record]})
    assert result.returncode != 0 and "CheckRecord(256)" in result.stderr
