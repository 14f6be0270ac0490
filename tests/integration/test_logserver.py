"""The log over HTTP (C2SP tlog-tiles), served by `likeness serve` as a real process."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from likeness.bootstrap import Services
from likeness.ledger.checkpoint import open_checkpoint
from likeness.ledger.merkle import leaf_hash, node_hash
from likeness.ledger.note import parse_verifier
from likeness.ledger.tiles import decode_bundle
from likeness.settings import Settings
from tests.server import running_server

ENTRIES = [f"entry {i}".encode() for i in range(600)]


@pytest.fixture
def server(services: Services, settings: Settings) -> Iterator[str]:
    services.ledger.append_entries(ENTRIES)
    with running_server(settings.home) as base:
        yield base


def get(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_checkpoint(server: str, services: Services) -> None:
    status, headers, body = get(f"{server}/log/checkpoint")
    assert status == 200 and headers["cache-control"] == "no-cache"
    checkpoint = open_checkpoint(body, parse_verifier(services.ledger.verifier_key))
    assert checkpoint.size == 600


def test_full_hash_tile_is_immutable_and_holds_leaf_hashes(server: str) -> None:
    status, headers, body = get(f"{server}/log/tile/0/001")
    assert status == 200 and "immutable" in headers["cache-control"]
    assert body == b"".join(leaf_hash(e) for e in ENTRIES[256:512])


def test_partial_tiles_and_higher_levels(server: str) -> None:
    status, headers, body = get(f"{server}/log/tile/0/002.p/88")
    assert status == 200 and headers["cache-control"] == "no-cache"
    assert body == b"".join(leaf_hash(e) for e in ENTRIES[512:600])
    # Level 1 holds hashes of 256-leaf subtrees: two are complete in 600 entries.
    status, _, body = get(f"{server}/log/tile/1/000.p/2")
    assert status == 200 and len(body) == 64
    assert body[:32] == subtree_root(ENTRIES[:256])


def subtree_root(entries: list[bytes]) -> bytes:
    level = [leaf_hash(e) for e in entries]
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def test_entry_bundles(server: str) -> None:
    status, headers, body = get(f"{server}/log/tile/entries/000")
    assert status == 200 and "immutable" in headers["cache-control"]
    assert decode_bundle(body) == ENTRIES[:256]
    assert decode_bundle(get(f"{server}/log/tile/entries/002.p/88")[2]) == ENTRIES[512:600]


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/log/tile/0/002", 404, "no tile with id 'tile/0/002'"),  # only 88 of 256 exist
        ("/log/tile/0/002.p/89", 404, "no tile"),
        ("/log/tile/1/000", 404, "no tile"),
        ("/log/tile/entries/003.p/1", 404, "no entry bundle"),
        ("/log/tile/0/1", 400, "malformed tile index"),
        ("/log/tile/0/000.p/300", 400, "not between 1 and 255"),
        ("/log/tile/zz/000", 400, "not a number or 'entries'"),
        ("/log/nothing", 404, "no such resource"),
    ],
)
def test_bad_tile_paths(server: str, path: str, status: int, message: str) -> None:
    code, _, body = get(f"{server}{path}")
    assert code == status
    assert message in body.decode()


def test_only_reads_are_allowed(server: str) -> None:
    assert get(f"{server}/log/checkpoint", method="POST")[0] == 405
    status, _, body = get(f"{server}/log/checkpoint", method="HEAD")
    assert status == 200 and body == b""


def test_appends_from_another_process_are_published_at_once(
    server: str, settings: Settings
) -> None:
    """The checkpoint is signed in the append's own transaction, so the server's next
    read already covers an append made by a CLI process sharing the data home."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "likeness",
            "--home",
            str(settings.home),
            "performer",
            "add",
            "--legal-name",
            "Ada",
            "--date-of-birth",
            "1990-01-01",
        ],
        check=True,
        capture_output=True,
    )
    body = get(f"{server}/log/checkpoint")[2].decode()
    assert body.split("\n")[1] == "601"
