"""Transparency-log benchmarks, each against a baseline measured in the same run.

Run: .venv/bin/python bench/bench_ledger.py [--quick] [--audit-entries N]

  appends      durable appends/s through LedgerService.append_entries at batch 1 and
               256 (SQLite, WAL, synchronous=FULL: each commit is fsynced); baseline:
               raw sqlite3 inserts of the same entries into a bare table with the
               same durability and commit pattern.
  proofs       inclusion and consistency proofs/s on one tree of N entries, from
               the SQL store (warm hash cache) and from memory; baseline: Go's
               golang.org/x/mod/sumdb/tlog on the same tree and the same proofs
               (the run checks that both compute the same root).
  tiles        full level-0 tile requests/s from `likeness serve` over keep-alive
               HTTP with 4 client threads; baseline: /healthz on the same server.
  audit        `log audit` of an N-entry log (default 1,000,000); baseline: reading
               every entry and SHA-256 hashing it once.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from likeness.bootstrap import Services, build_services, initialise
from likeness.ledger.merkle import (
    MemoryHashes,
    consistency_proof,
    inclusion_proof,
    tree_hash,
)
from likeness.settings import load_settings
from likeness.store.log_store import SqlLogStore
from tests.server import running_server

ENTRY = b"x" * 250  # about the size of a registry entry


def fresh(root: Path, name: str) -> Services:
    settings = load_settings(home=root / name)
    initialise(settings)
    return build_services(settings)


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>10,.0f}/s"


def bench_appends(root: Path, quick: bool) -> dict[str, float]:
    singles, batches = (200, 40) if quick else (1000, 200)
    services = fresh(root, "appends")
    start = time.perf_counter()
    for _ in range(singles):
        services.ledger.append_entries([ENTRY])
    ours_1 = singles / (time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(batches):
        services.ledger.append_entries([ENTRY] * 256)
    ours_256 = batches * 256 / (time.perf_counter() - start)
    services.close()

    db = sqlite3.connect(root / "baseline.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE e (idx INTEGER PRIMARY KEY, data BLOB)")
    start = time.perf_counter()
    for i in range(singles):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO e VALUES (?, ?)", (i, ENTRY))
        db.execute("COMMIT")
    base_1 = singles / (time.perf_counter() - start)
    start = time.perf_counter()
    for b in range(batches):
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT INTO e VALUES (?, ?)", ((singles + b * 256 + i, ENTRY) for i in range(256))
        )
        db.execute("COMMIT")
    base_256 = batches * 256 / (time.perf_counter() - start)
    db.close()
    print("appends (durable, per entry)")
    print(
        f"  batch 1    likeness {ours_1:>10,.0f}/s   raw sqlite3 {base_1:>10,.0f}/s   "
        f"ratio {ours_1 / base_1:.2f}"
    )
    print(
        f"  batch 256  likeness {ours_256:>10,.0f}/s   raw sqlite3 {base_256:>10,.0f}/s   "
        f"ratio {ours_256 / base_256:.2f}"
    )
    return {"append_1": ours_1, "append_256": ours_256, "raw_1": base_1, "raw_256": base_256}


def go_bench(n: int, proofs: int) -> dict[str, float] | None:
    go = shutil.which("go")
    if go is None:
        print("  (Go not installed: scripts/system-deps installs it; Go baseline skipped)")
        return None
    source = Path(__file__).resolve().parents[1] / "tests" / "interop" / "tlogcheck.go"
    out = Path(tempfile.mkdtemp()) / "tlogcheck"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": "/usr/share/gocode",
        "GOCACHE": str(out.parent / "cache"),
    }
    subprocess.run([go, "build", "-o", str(out), str(source)], env=env, check=True)
    result = subprocess.run(
        [str(out), "bench", str(n), str(proofs)], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def bench_proofs(root: Path, quick: bool) -> dict[str, float]:
    n, count = (20_000, 5_000) if quick else (100_000, 20_000)
    entries = [f"bench entry {i}".encode() for i in range(n)]
    memory = MemoryHashes()
    for entry in entries:
        memory.append(entry)
    services = fresh(root, "proofs")
    for start in range(0, n, 8192):
        services.ledger.append_entries(entries[start : start + 8192])
    indexes = [(k * 7919) % n for k in range(count)]
    olds = [1 + (k * 7919) % (n - 1) for k in range(count)]

    results: dict[str, float] = {}
    with services.database.read() as connection:
        store = SqlLogStore(connection, services.ledger._mirror)  # the service's hash mirror
        root_hash = tree_hash(n, store)
        assert root_hash == tree_hash(n, memory)
        for name, reader in (("sql", store), ("memory", memory)):
            for i in indexes[:200]:  # warm the cache
                inclusion_proof(i, n, reader)
            start = time.perf_counter()
            for i in indexes:
                inclusion_proof(i, n, reader)
            results[f"inclusion_{name}"] = count / (time.perf_counter() - start)
            start = time.perf_counter()
            for old in olds:
                consistency_proof(old, n, reader)
            results[f"consistency_{name}"] = count / (time.perf_counter() - start)
    services.close()
    go = go_bench(n, count)
    print(f"proofs on a tree of {n:,} entries ({count:,} each)")
    for kind in ("inclusion", "consistency"):
        line = (
            f"  {kind:<12} sql {results[f'{kind}_sql']:>9,.0f}/s   "
            f"memory {results[f'{kind}_memory']:>9,.0f}/s"
        )
        if go is not None:
            go_rate = go[f"{kind}_proofs_per_s"]
            results[f"{kind}_go"] = go_rate
            sql, memory = results[f"{kind}_sql"], results[f"{kind}_memory"]
            line += (
                f"   Go sumdb/tlog {go_rate:>9,.0f}/s   Go/sql {go_rate / sql:.1f}x"
                f"   Go/memory {go_rate / memory:.1f}x"
            )
        print(line)
    if go is not None:
        assert base64.b64decode(go["root"]) == root_hash, "Go and Python disagree on the root"
        print("  (Go computed the same root hash)")
    return results


def bench_tiles(root: Path, quick: bool) -> dict[str, float]:
    services = fresh(root, "tiles")
    n = 256 * 64
    for _start in range(0, n, 8192):
        services.ledger.append_entries([ENTRY] * 8192)
    services.close()
    requests = 1000 if quick else 4000
    with running_server(root / "tiles") as base:
        host, port = base.removeprefix("http://").split(":")
        paths = [f"/log/tile/0/{i % 64:03d}" for i in range(requests)]
        tiles_rate = _hammer(host, int(port), paths)
        health_rate = _hammer(host, int(port), ["/healthz"] * requests)
    print(f"tiles over HTTP ({requests:,} requests, 4 threads, keep-alive)")
    print(
        f"  full tile {tiles_rate:>9,.0f}/s   /healthz {health_rate:>9,.0f}/s   "
        f"ratio {tiles_rate / health_rate:.2f}"
    )
    return {"tiles": tiles_rate, "healthz": health_rate}


def _hammer(host: str, port: int, paths: list[str], threads: int = 4) -> float:
    share = [paths[i::threads] for i in range(threads)]

    def run(mine: list[str]) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        for path in mine:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, path
        connection.close()

    workers = [threading.Thread(target=run, args=(s,)) for s in share]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return len(paths) / (time.perf_counter() - start)


def bench_audit(root: Path, entries: int) -> dict[str, float]:
    services = fresh(root, "audit")
    start = time.perf_counter()
    for lo in range(0, entries, 16384):
        services.ledger.append_entries([ENTRY] * min(16384, entries - lo))
    build = time.perf_counter() - start
    start = time.perf_counter()
    report = services.ledger.audit()
    audit = time.perf_counter() - start
    assert report.ok and report.size == entries
    import hashlib

    start = time.perf_counter()
    with services.database.read() as connection:
        store = SqlLogStore(connection)
        for lo in range(0, entries, 8192):
            for entry in store.entries(lo, min(lo + 8192, entries)):
                hashlib.sha256(entry).digest()
    floor = time.perf_counter() - start
    services.close()
    print(f"audit of {entries:,} entries (log built in {build:.1f} s)")
    print(
        f"  audit {audit:7.2f} s   read + hash each entry once {floor:7.2f} s   "
        f"ratio {audit / floor:.2f}"
    )
    return {"audit_s": audit, "audit_floor_s": floor, "build_s": build}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--audit-entries", type=int, default=None)
    parser.add_argument("--only", choices=["appends", "proofs", "tiles", "audit"])
    args = parser.parse_args()
    audit_entries = args.audit_entries or (50_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        if args.only in (None, "appends"):
            bench_appends(root, args.quick)
        if args.only in (None, "proofs"):
            bench_proofs(root, args.quick)
        if args.only in (None, "tiles"):
            bench_tiles(root, args.quick)
        if args.only in (None, "audit"):
            bench_audit(root, audit_entries)


if __name__ == "__main__":
    main()
