"""Transparency-log benchmarks, each against a baseline measured in the same run.

Run: .venv/bin/python bench/bench_ledger.py [--quick] [--audit-entries N] [--store-url URL]

With --store-url (a PostgreSQL server's URL, e.g. `scripts/postgres url`), appends and
proofs run twice in one run, on SQLite and then on a fresh database created on that
server for the run (dropped after), printed side by side with the ratio PostgreSQL /
SQLite; PostgreSQL's own baseline is raw psycopg inserts into a bare table with the same
commit pattern (synchronous_commit on: each commit is flushed to the WAL).

  appends      durable appends/s through LedgerService.append_entries at batch 1 and
               256 (SQLite, WAL, synchronous=FULL: each commit is fsynced); baseline:
               raw sqlite3 inserts of the same entries into a bare table with the
               same durability and commit pattern.
  proofs       inclusion and consistency proofs/s on one tree of N entries, from
               the SQL store (warm hash cache) and from memory; baseline: Go's
               golang.org/x/mod/sumdb/tlog on the same tree and the same proofs
               (the run checks that both compute the same root). Also from the SQL
               store without the hash mirror: one query per proof.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from tests.store_server import fresh_database

ENTRY = b"x" * 250  # about the size of a registry entry


def fresh(root: Path, name: str, database_url: str | None = None) -> Services:
    settings = load_settings(home=root / name, database_url=database_url)
    initialise(settings)
    return build_services(settings)


@contextmanager
def stores(server: str | None) -> Iterator[list[tuple[str, str | None]]]:
    """(name, database URL) of each store to measure: SQLite (None: the data home's
    file), then a fresh database on the PostgreSQL ``server`` when one is given."""
    if server is None:
        yield [("SQLite", None)]
        return
    with fresh_database(server) as url:
        yield [("SQLite", None), ("PostgreSQL", url)]


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>10,.0f}/s"


def likeness_appends(services: Services, singles: int, batches: int) -> tuple[float, float]:
    start = time.perf_counter()
    for _ in range(singles):
        services.ledger.append_entries([ENTRY])
    ours_1 = singles / (time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(batches):
        services.ledger.append_entries([ENTRY] * 256)
    return ours_1, batches * 256 / (time.perf_counter() - start)


def raw_sqlite_appends(path: Path, singles: int, batches: int) -> tuple[float, float]:
    db = sqlite3.connect(path, isolation_level=None)
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
    return base_1, base_256


def raw_postgres_appends(url: str, singles: int, batches: int) -> tuple[float, float]:
    import psycopg

    libpq = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(libpq, autocommit=True) as db:
        db.execute("CREATE TABLE raw_e (idx bigint PRIMARY KEY, data bytea)")
        start = time.perf_counter()
        for i in range(singles):
            with db.transaction():
                db.execute("INSERT INTO raw_e VALUES (%s, %s)", (i, ENTRY))
        base_1 = singles / (time.perf_counter() - start)
        start = time.perf_counter()
        for b in range(batches):
            with db.transaction(), db.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO raw_e VALUES (%s, %s)",
                    [(singles + b * 256 + i, ENTRY) for i in range(256)],
                )
        base_256 = batches * 256 / (time.perf_counter() - start)
        db.execute("DROP TABLE raw_e")
    return base_1, base_256


def bench_appends(root: Path, quick: bool, server: str | None = None) -> dict[str, float]:
    singles, batches = (200, 40) if quick else (1000, 200)
    results: dict[str, float] = {}
    with stores(server) as measured:
        for name, url in measured:
            services = fresh(root, f"appends-{name}", url)
            ours_1, ours_256 = likeness_appends(services, singles, batches)
            services.close()
            if url is None:
                base_1, base_256 = raw_sqlite_appends(root / "baseline.db", singles, batches)
            else:
                base_1, base_256 = raw_postgres_appends(url, singles, batches)
            results |= {
                f"{name}_append_1": ours_1,
                f"{name}_append_256": ours_256,
                f"{name}_raw_1": base_1,
                f"{name}_raw_256": base_256,
            }
    print("appends (durable, per entry)")
    for batch in (1, 256):
        for name, raw in (("SQLite", "raw sqlite3"), ("PostgreSQL", "raw psycopg")):
            if f"{name}_append_{batch}" not in results:
                continue
            ours, base = results[f"{name}_append_{batch}"], results[f"{name}_raw_{batch}"]
            line = (
                f"  batch {batch:<4} {name:<10}  likeness {ours:>8,.0f}/s   {raw} "
                f"{base:>8,.0f}/s   ratio {ours / base:.2f}"
            )
            if name == "PostgreSQL":
                line += f"   PostgreSQL/SQLite {ours / results[f'SQLite_append_{batch}']:.2f}"
            print(line)
    return results


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


def best_rate(work: Callable[[], list[object]], rounds: int = 3) -> float:
    """Items per second of the fastest of ``rounds`` runs of ``work``."""
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        done = len(work())
        best = max(best, done / (time.perf_counter() - start))
    return best


def sql_proofs(
    services: Services, n: int, indexes: list[int], olds: list[int], memory: MemoryHashes
) -> dict[str, float]:
    """Proofs/s from the SQL store: with the service's hash mirror (as the server serves
    them; the best of three rounds, as for memory), and without it (a query per proof,
    on a quarter of the proofs, one round)."""
    results: dict[str, float] = {}
    bare = len(indexes) // 4
    with services.database.read() as connection:
        store = SqlLogStore(connection, services.ledger._mirror)  # the service's hash mirror
        assert tree_hash(n, store) == tree_hash(n, memory)
        for i in indexes[:200]:  # warm the cache
            inclusion_proof(i, n, store)
        results["inclusion"] = best_rate(lambda: [inclusion_proof(i, n, store) for i in indexes])
        results["consistency"] = best_rate(
            lambda: [consistency_proof(old, n, store) for old in olds]
        )
        unmirrored = SqlLogStore(connection)
        start = time.perf_counter()
        for i in indexes[:bare]:
            inclusion_proof(i, n, unmirrored)
        results["inclusion_query"] = bare / (time.perf_counter() - start)
        start = time.perf_counter()
        for old in olds[:bare]:
            consistency_proof(old, n, unmirrored)
        results["consistency_query"] = bare / (time.perf_counter() - start)
    return results


def bench_proofs(root: Path, quick: bool, server: str | None = None) -> dict[str, float]:
    n, count = (20_000, 5_000) if quick else (100_000, 20_000)
    entries = [f"bench entry {i}".encode() for i in range(n)]
    memory = MemoryHashes()
    for entry in entries:
        memory.append(entry)
    indexes = [(k * 7919) % n for k in range(count)]
    olds = [1 + (k * 7919) % (n - 1) for k in range(count)]

    results: dict[str, float] = {}
    names = []
    with stores(server) as measured:
        for name, url in measured:
            services = fresh(root, f"proofs-{name}", url)
            for start in range(0, n, 8192):
                services.ledger.append_entries(entries[start : start + 8192])
            found = sql_proofs(services, n, indexes, olds, memory)
            results |= {f"{kind}_{name}": value for kind, value in found.items()}
            services.close()
            names.append(name)
    root_hash = tree_hash(n, memory)
    for i in indexes[:200]:  # warm
        inclusion_proof(i, n, memory)
    results["inclusion_memory"] = best_rate(
        lambda: [inclusion_proof(i, n, memory) for i in indexes]
    )
    results["consistency_memory"] = best_rate(
        lambda: [consistency_proof(old, n, memory) for old in olds]
    )
    go = go_bench(n, count)
    print(f"proofs on a tree of {n:,} entries ({count:,} each; {count // 4:,} without mirror)")
    for kind in ("inclusion", "consistency"):
        sql, memory_rate = results[f"{kind}_SQLite"], results[f"{kind}_memory"]
        results[f"{kind}_sql"] = sql  # the figure earlier runs reported as "sql"
        line = f"  {kind:<12} sql {sql:>9,.0f}/s   memory {memory_rate:>9,.0f}/s"
        if go is not None:
            go_rate = go[f"{kind}_proofs_per_s"]
            results[f"{kind}_go"] = go_rate
            line += (
                f"   Go sumdb/tlog {go_rate:>9,.0f}/s   Go/sql {go_rate / sql:.1f}x"
                f"   Go/memory {go_rate / memory_rate:.1f}x"
            )
        print(line)
    if go is not None:
        assert base64.b64decode(go["root"]) == root_hash, "Go and Python disagree on the root"
        print("  (Go computed the same root hash)")
    if server is not None:
        print("  side by side (proofs/s; ratio PostgreSQL / SQLite):")
        for kind in ("inclusion", "consistency"):
            for suffix, what in (("", "with the hash mirror"), ("_query", "a query per proof")):
                lite, pg = results[f"{kind}{suffix}_SQLite"], results[f"{kind}{suffix}_PostgreSQL"]
                print(
                    f"  {kind:<12} {what:<22} SQLite {lite:>9,.0f}/s   PostgreSQL "
                    f"{pg:>9,.0f}/s   ratio {pg / lite:.2f}"
                )
    else:
        for kind in ("inclusion", "consistency"):
            print(
                f"  {kind:<12} a query per proof (no mirror) "
                f"{results[f'{kind}_query_SQLite']:>9,.0f}/s"
            )
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
    parser.add_argument(
        "--store-url",
        help="a PostgreSQL server's URL: appends and proofs also run on a fresh database there",
    )
    args = parser.parse_args()
    audit_entries = args.audit_entries or (50_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        if args.only in (None, "appends"):
            bench_appends(root, args.quick, args.store_url)
        if args.only in (None, "proofs"):
            bench_proofs(root, args.quick, args.store_url)
        if args.only in (None, "tiles"):
            bench_tiles(root, args.quick)
        if args.only in (None, "audit"):
            bench_audit(root, audit_entries)


if __name__ == "__main__":
    main()
