"""Vector search at 1,000,000 templates: the sealed usearch index per process vs pgvector.

Run (issue 14; each part is its own run, under 25 minutes on the 2-core machine):

  .venv/bin/python bench/bench_vector_pg.py --only usearch [--workdir DIR]
        # build, seal, open per process, sweep; with --workdir a rerun reuses the file
  .venv/bin/python bench/bench_vector_pg.py --only today        # today's sealed entries file
  .venv/bin/python bench/bench_vector_pg.py --only pgvector --pg-url URL [--keep-db NAME]
        # a fresh database (dropped after), or NAME kept for later runs; URL: a server with
        # pgvector (not Debian's here: bench/RESULTS.md, "PostgreSQL (issue 14)")
  .venv/bin/python bench/bench_vector_pg.py --only compare --workdir DIR --pg-url URL \
        --keep-db NAME     # both sweeps in one run, on what the two runs above kept

  --n N (default 1,000,000)   --queries Q (default 2,000)   --today-n N (default --n)
  --ef-construction (pgvector, default 128)   --ef-search 40,64,... (pgvector's sweep)

Templates and queries are bench_index.py's (same seed): N/10 identities × 10 noisy
templates, 128-d; each query a fresh noisy sample of an enrolled identity. The ground
truth is exact: candidates from one BLAS pass over all N, the nearest re-checked in
float64. recall@1 = the answer is the exact nearest template ("same identity": another
template of the same person, which is what identification needs).

usearch    ApproximateIndex (M=16, as the gallery builds it; batched adds), sealed as
           ONE file holding the HNSW graph and the vectors (AES-256-GCM, key by HKDF
           from a master key, as store/index_files.py), opened in fresh processes (the
           per-process load time), then swept over (ef, re-rank) as reopened from the
           file. Baseline: exact numpy search, one query at a time.
today      what a process does today to get its index: IndexFiles.load (entries as
           float64 tuples) then ApproximateIndex.add per template, as
           GalleryService._index does; the per-entry adds are timed at growing sizes.
pgvector   a fresh database on the server at --pg-url (a server with the `vector`
           extension; dropped afterwards): binary COPY of the N vectors, CREATE INDEX
           ... USING hnsw (M=16), then one query at a time through psycopg over
           loopback TCP (prepared statement) swept over hnsw.ef_search. Baselines in
           the same run: a prepared `SELECT 1` round trip, and exact search in SQL
           (sequential scan) on a few queries.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_index import DIM, templates  # a sibling script, not a package

TARGET_RECALL, TARGET_P99_MS = 0.99, 2.0
MODEL = "bench"


# -- data and ground truth -----------------------------------------------------------


def dataset(n: int, queries: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """bench_index.py's templates and probes (same seed, same order of draws)."""
    rng = np.random.default_rng(7)
    vectors, owner, centres = templates(n, rng)
    picked = rng.integers(0, len(centres), queries)
    noise = rng.normal(scale=0.25 / np.sqrt(DIM), size=(queries, DIM)).astype(np.float32)
    return np.ascontiguousarray(vectors, dtype=np.float32), owner, centres[picked] + noise


def exact_truth(vectors: np.ndarray, probes: np.ndarray) -> np.ndarray:
    """The exact nearest template of every probe: 8 candidates per probe from
    ||v||² - 2 v·q in float32, the nearest of them by the float64 distance."""
    norms = np.einsum("ij,ij->i", vectors, vectors)
    truth = np.empty(len(probes), dtype=np.int64)
    for lo in range(0, len(probes), 100):
        block = probes[lo : lo + 100]
        scores = norms[None, :] - 2.0 * (block @ vectors.T)
        candidates = np.argpartition(scores, 8, axis=1)[:, :8]
        for row, probe in enumerate(block):
            picked = candidates[row]
            exact = np.linalg.norm(
                vectors[picked].astype(np.float64) - probe.astype(np.float64), axis=1
            )
            truth[lo + row] = picked[int(np.argmin(exact))]
    return truth


def exact_single(vectors: np.ndarray, probes: np.ndarray, count: int) -> list[float]:
    """Seconds per query of exact numpy search, one query at a time (bench_index.py's)."""
    times = []
    for probe in probes[:count]:
        start = time.perf_counter()
        int(np.argmin(np.linalg.norm(vectors - probe, axis=1)))
        times.append(time.perf_counter() - start)
    return times


def ms(times: Sequence[float], q: float) -> float:
    return float(np.percentile(times, q)) * 1e3


def score(found: Sequence[int], truth: np.ndarray, owner: np.ndarray) -> tuple[float, float]:
    hits = sum(int(a) == int(b) for a, b in zip(found, truth, strict=True))
    same = sum(owner[int(a)] == owner[int(b)] for a, b in zip(found, truth, strict=True))
    return hits / len(truth), same / len(truth)


def verdict(recall: float, p99: float) -> str:
    ok = recall >= TARGET_RECALL and p99 <= TARGET_P99_MS
    return "meets both" if ok else "misses"


def header(n: int, queries: int, build: str) -> None:
    print(
        f"templates: {n:,} ({n // 10:,} identities × 10), {DIM}-d float32; "
        f"{queries:,} queries, truth by exact search; {build}"
    )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- usearch: the sealed index, graph included, opened per process ----------------------


def _sealing_key(master_key: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"likeness-index-v2").derive(
        master_key
    )


def seal_graph(
    path: Path, master_key: bytes, index: Any, keys: list[str], labels: list[str]
) -> None:
    """One sealed file: a JSON header (keys, labels), the usearch graph as saved, and the
    float32 vectors the re-ranking reads; AES-256-GCM over all of it."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    graph = bytes(index._graph.save())
    vectors = np.ascontiguousarray(index._vectors, dtype=np.float32)
    head = json.dumps(
        {"model_id": MODEL, "dim": DIM, "count": len(keys), "keys": keys, "labels": labels}
    ).encode()
    plain = b"".join((struct.pack("<IQ", len(head), len(graph)), head, graph, vectors.tobytes()))
    nonce = secrets.token_bytes(12)
    sealed = nonce + AESGCM(_sealing_key(master_key)).encrypt(nonce, plain, MODEL.encode())
    with path.open("wb") as handle:
        handle.write(sealed)
        handle.flush()
        os.fsync(handle.fileno())


def rss_mib() -> float:
    """This process's resident memory now (not its peak)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def reopen(path: Path, master_key: bytes, view: bool) -> tuple[Any, dict[str, float]]:
    """Read, decrypt and restore a sealed graph file into an ApproximateIndex (the
    service's class, its fields filled from the file); the time of each step."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from usearch.index import Index

    from likeness.recognition.ann_index import ApproximateIndex

    times: dict[str, float] = {}
    start = time.perf_counter()
    sealed = bytearray(path.stat().st_size)
    with path.open("rb") as handle:
        handle.readinto(sealed)
    times["read_s"] = time.perf_counter() - start
    mark = time.perf_counter()
    box = AESGCM(_sealing_key(master_key))
    plain = box.decrypt(bytes(sealed[:12]), memoryview(sealed)[12:], MODEL.encode())
    del sealed
    times["decrypt_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    head_size, graph_size = struct.unpack("<IQ", plain[:12])
    head = json.loads(plain[12 : 12 + head_size])
    body = memoryview(plain)[12 + head_size :]
    graph = Index.restore(body[:graph_size], view=view)
    assert graph is not None, "usearch could not read the sealed graph"
    index = ApproximateIndex(MODEL, DIM)
    index._graph = graph
    index._vectors = np.frombuffer(body[graph_size:], dtype=np.float32).reshape(-1, DIM)
    index._keys, index._labels, index._live = head["keys"], head["labels"], head["count"]
    index._plain = plain  # type: ignore[attr-defined]  # a view keeps its buffer alive
    times["restore_s"] = time.perf_counter() - mark
    times["total_s"] = time.perf_counter() - start
    return index, times


def open_sealed_graph(path: Path, master_key: bytes, view: bool) -> dict[str, Any]:
    """In a fresh process: reopen the sealed index, then answer one query."""
    index, times = reopen(path, master_key, view)
    answer: dict[str, Any] = dict(times)
    probe = index._vectors[12345 % len(index)] + 0.01
    mark = time.perf_counter()
    answer["nearest_key"] = index.search(probe, 1)[0].key
    answer["first_query_ms"] = (time.perf_counter() - mark) * 1e3
    answer["rss_mib"], answer["peak_rss_mib"] = rss_mib(), peak_rss_mib()
    return answer


def in_fresh_process(mode: str, path: Path, master_key: bytes, *extra: str) -> dict[str, Any]:
    """Run this script in a new interpreter; its JSON answer plus the whole wall time."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), *extra],
        env={**os.environ, "BENCH_MASTER_KEY": master_key.hex()},
        capture_output=True,
        text=True,
        check=True,
    )
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    answer["process_wall_s"] = time.perf_counter() - start
    return answer


def build_and_seal(n: int, workdir: Path) -> None:
    from likeness.recognition.ann_index import ApproximateIndex

    vectors, owner, _ = dataset(n, 1)
    index = ApproximateIndex(MODEL, DIM)
    start = time.perf_counter()
    for lo in range(0, n, 100_000):
        hi = min(n, lo + 100_000)
        index.add_many(
            [str(i) for i in range(lo, hi)], [str(o) for o in owner[lo:hi]], vectors[lo:hi]
        )
    build = time.perf_counter() - start
    print(
        f"usearch build: {n:,} templates in {build:.1f} s (2 threads, batches of 100,000, "
        f"M=16, expansion_add 128); {index.memory_bytes() / 2**20:,.0f} MiB in memory "
        "(graph + vectors)"
    )
    master_key = secrets.token_bytes(32)
    (workdir / "master.key").write_bytes(master_key)  # a throwaway key for this bench
    start = time.perf_counter()
    keys = [str(i) for i in range(n)]
    seal_graph(workdir / "bench.sealed", master_key, index, keys, [str(o) for o in owner])
    sealing = time.perf_counter() - start
    print(
        f"sealed graph file: {(workdir / 'bench.sealed').stat().st_size / 2**20:,.0f} MiB on "
        f"disk, written in {sealing:.1f} s (graph saved, AES-256-GCM, fsync)"
    )


def bench_usearch(n: int, queries: int, workdir: Path) -> None:
    """Per-process opening of the sealed file (fresh interpreters), then the sweep on the
    index as reopened from it; builds and seals first unless the workdir holds one."""
    path = workdir / "bench.sealed"
    if not path.is_file():
        build_and_seal(n, workdir)
    master_key = (workdir / "master.key").read_bytes()
    vectors, owner, probes = dataset(n, queries)
    expected = str(int(np.argmin(np.linalg.norm(vectors - (vectors[12345 % n] + 0.01), axis=1))))
    for view in (False, True):
        runs = [in_fresh_process("graph", path, master_key, str(view)) for _ in range(3)]
        best = min(runs, key=lambda r: r["total_s"])
        assert all(r["nearest_key"] == expected for r in runs), "the reopened index disagrees"
        how = "view: graph used in place in the decrypted buffer" if view else "copy"
        print(
            f"open per process ({how}, best of 3): read {best['read_s']:.2f} s + decrypt "
            f"{best['decrypt_s']:.2f} s + restore {best['restore_s']:.2f} s = "
            f"{best['total_s']:.2f} s; first query {best['first_query_ms']:.1f} ms; whole "
            f"process {best['process_wall_s']:.1f} s; RSS after {best['rss_mib']:,.0f} MiB "
            f"(peak {best['peak_rss_mib']:,.0f} MiB)"
        )
    truth = exact_truth(vectors, probes)
    exact = exact_single(vectors, probes, 50)
    del vectors
    index, _ = reopen(path, master_key, view=True)
    header(n, queries, "index reopened from the sealed file")
    print(f"baseline, exact numpy one query at a time (50): p50 {ms(exact, 50):.1f} ms")
    usearch_sweep(index, probes, truth, owner, float(np.mean(exact)), USEARCH_EFFORTS)


USEARCH_EFFORTS = ((64, 10), (128, 16), (192, 24), (256, 32))


def usearch_sweep(
    index: Any,
    probes: np.ndarray,
    truth: np.ndarray,
    owner: np.ndarray,
    exact_mean: float,
    efforts: Sequence[tuple[int, int]],
) -> None:
    for ef, rerank in efforts:
        index.set_search_effort(ef, rerank)
        for probe in probes[:200]:  # warm
            index.search(probe, 1)
        times, found = [], []
        for probe in probes:
            mark = time.perf_counter()
            found.append(int(index.search(probe, 1)[0].key))
            times.append(time.perf_counter() - mark)
        recall, same = score(found, truth, owner)
        p50, p99 = ms(times, 50), ms(times, 99)
        print(
            f"usearch ef={ef:<3} re-rank {rerank:<2}: p50 {p50:.3f} ms  p99 {p99:.3f} ms  "
            f"recall@1 {recall:.4f} (same identity {same:.4f})  "
            f"{exact_mean / np.mean(times):,.0f}x exact  -> {verdict(recall, p99)}  "
            f"(load {os.getloadavg()[0]:.1f})"
        )


# -- today: the sealed entries file and per-template adds ------------------------------


def open_entries(path: Path, master_key: bytes, count: int) -> dict[str, Any]:
    from likeness.store.index_files import IndexFiles, fingerprint

    keys = [str(i) for i in range(count)]
    start = time.perf_counter()
    entries = IndexFiles(path, master_key).load(MODEL, fingerprint(keys), DIM)
    assert entries is not None and len(entries) == count
    return {"total_s": time.perf_counter() - start, "peak_rss_mib": peak_rss_mib()}


def bench_today(n: int, scratch: Path) -> None:
    from likeness.recognition.ann_index import ApproximateIndex
    from likeness.store.index_files import IndexFiles, fingerprint

    vectors, owner, _ = dataset(n, 1)
    keys = [str(i) for i in range(n)]
    master_key = secrets.token_bytes(32)
    folder = scratch / "index"
    entries = [(keys[i], str(owner[i]), tuple(vectors[i].tolist())) for i in range(n)]
    start = time.perf_counter()
    IndexFiles(folder, master_key).save(MODEL, fingerprint(keys), entries)
    saving = time.perf_counter() - start
    del entries
    size = sum(p.stat().st_size for p in folder.iterdir())
    print(
        f"today's sealed entries file (store/index_files.py), {n:,} templates: "
        f"{size / 2**20:,.0f} MiB, saved in {saving:.1f} s"
    )
    loaded = in_fresh_process("entries", folder, master_key, str(n))
    print(
        f"  IndexFiles.load in a fresh process: {loaded['total_s']:.1f} s "
        f"(peak RSS {loaded['peak_rss_mib']:,.0f} MiB); whole process "
        f"{loaded['process_wall_s']:.1f} s; the graph is then built from scratch"
    )
    print("  GalleryService._index adds one template at a time (ApproximateIndex.add):")
    previous: tuple[int, float] | None = None
    for size_ in (10_000, 20_000, 40_000):
        index = ApproximateIndex(MODEL, DIM)
        start = time.perf_counter()
        for i in range(size_):
            index.add(keys[i], str(owner[i]), vectors[i])
        one_by_one = time.perf_counter() - start
        index = ApproximateIndex(MODEL, DIM)
        start = time.perf_counter()
        index.add_many(keys[:size_], [str(o) for o in owner[:size_]], vectors[:size_])
        batched = time.perf_counter() - start
        growth = "" if previous is None else f"  (x{one_by_one / previous[1]:.1f} for x2)"
        print(
            f"  {size_:>7,} templates: one by one {one_by_one:6.1f} s   one add_many "
            f"{batched:5.1f} s   ratio {one_by_one / batched:.1f}{growth}"
        )
        previous = (size_, one_by_one)


# -- pgvector ---------------------------------------------------------------------------


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def copy_binary(rows: np.ndarray, first: int) -> bytes:
    """COPY ... FROM STDIN (FORMAT binary) rows of (int4 id, vector): pgvector's binary
    form is int16 dimensions, int16 unused, then big-endian float4s."""
    row = np.dtype(
        [
            ("fields", ">i2"),
            ("id_len", ">i4"),
            ("id", ">i4"),
            ("v_len", ">i4"),
            ("dim", ">i2"),
            ("unused", ">i2"),
            ("v", ">f4", (DIM,)),
        ]
    )
    block = np.zeros(len(rows), dtype=row)
    block["fields"], block["id_len"], block["v_len"] = 2, 4, 4 + 4 * DIM
    block["id"] = np.arange(first, first + len(rows))
    block["dim"] = DIM
    block["v"] = rows
    return block.tobytes()


def as_text(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.9g}" for x in vector.tolist()) + "]"


def timed_queries(
    run: Callable[[str], int], probes: Sequence[str]
) -> tuple[list[float], list[int]]:
    times, found = [], []
    for probe in probes:
        mark = time.perf_counter()
        found.append(run(probe))
        times.append(time.perf_counter() - mark)
    return times, found


@contextmanager
def vector_database(server: str, keep: str | None) -> Iterator[tuple[str, bool]]:
    """(libpq URL, already built) of the database to measure: a fresh one, dropped
    afterwards, or the database ``keep`` on the server, created if missing and kept."""
    from tests.store_server import fresh_database

    if keep is None:
        with fresh_database(server) as url:
            yield _libpq(url), False
        return
    import psycopg
    from sqlalchemy.engine import make_url

    with psycopg.connect(_libpq(server), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (keep,)).fetchone()
        if exists is None:
            admin.execute(f'CREATE DATABASE "{keep}"')
    url = make_url(server).set(database=keep).render_as_string(hide_password=False)
    with psycopg.connect(_libpq(url), autocommit=True) as probe:
        built = probe.execute("SELECT to_regclass('templates_hnsw') IS NOT NULL").fetchone()
    yield _libpq(url), bool(built and built[0])


def pg_build(target: str, vectors: np.ndarray, ef_construction: int) -> None:
    import psycopg

    n = len(vectors)
    with psycopg.connect(target, autocommit=True) as admin:
        admin.execute("CREATE EXTENSION IF NOT EXISTS vector")
        admin.execute("DROP TABLE IF EXISTS templates")
        admin.execute(f"CREATE TABLE templates (id int4 PRIMARY KEY, v vector({DIM}))")
        start = time.perf_counter()
        with (
            admin.cursor() as cursor,
            cursor.copy("COPY templates (id, v) FROM STDIN (FORMAT binary)") as copy,
        ):
            copy.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
            for lo in range(0, n, 50_000):
                copy.write(copy_binary(vectors[lo : lo + 50_000], lo))
            copy.write(struct.pack(">h", -1))
        loading = time.perf_counter() - start
        admin.execute("VACUUM ANALYZE templates")
        admin.execute("SET maintenance_work_mem = '3GB'")
        admin.execute("SET max_parallel_maintenance_workers = 1")  # leader + 1: 2 cores
        start = time.perf_counter()
        admin.execute(
            "CREATE INDEX templates_hnsw ON templates USING hnsw (v vector_l2_ops) "
            f"WITH (m = 16, ef_construction = {ef_construction})"
        )
        build = time.perf_counter() - start
    print(
        f"pgvector load (binary COPY) {loading:.1f} s; HNSW build (m=16, ef_construction="
        f"{ef_construction}, 2 processes) {build:.1f} s"
    )


def pg_sweep(
    target: str,
    probes: np.ndarray,
    truth: np.ndarray,
    owner: np.ndarray,
    ef_search: Sequence[int],
    exact_queries: int = 10,
) -> None:
    import psycopg

    texts = [as_text(p) for p in probes]
    with psycopg.connect(target, autocommit=True) as admin:
        row = admin.execute(
            "SELECT current_setting('server_version'), extversion, "
            "pg_table_size('templates'), pg_relation_size('templates_hnsw'), "
            "(SELECT reloptions FROM pg_class WHERE relname = 'templates_hnsw') "
            "FROM pg_extension WHERE extname = 'vector'"
        ).fetchone()
    assert row is not None
    print(
        f"PostgreSQL {row[0]}, pgvector {row[1]}, index {row[4]}: table "
        f"{row[2] / 2**20:,.0f} MiB, index {row[3] / 2**20:,.0f} MiB on disk (served from "
        "shared buffers: one copy for every API process)"
    )
    start = time.perf_counter()
    connection = psycopg.connect(target, autocommit=True, prepare_threshold=0)
    connected = time.perf_counter() - start
    sql = "SELECT id FROM templates ORDER BY v <-> %s::vector LIMIT 1"

    def nearest(probe: str) -> int:
        found = connection.execute(sql, (probe,)).fetchone()
        assert found is not None
        return int(found[0])

    mark = time.perf_counter()
    nearest(texts[0])
    first = time.perf_counter() - mark
    print(
        f"per process: connect (TCP loopback, SCRAM) {connected * 1e3:.1f} ms, "
        f"first query {first * 1e3:.1f} ms"
    )
    trivial, _ = timed_queries(
        lambda _p: int((connection.execute("SELECT 1").fetchone() or (0,))[0]), texts
    )
    print(
        f"baseline, prepared SELECT 1 round trip: p50 {ms(trivial, 50):.3f} ms  "
        f"p99 {ms(trivial, 99):.3f} ms"
    )
    connection.execute("SET enable_indexscan = off")
    exact, _ = timed_queries(nearest, texts[:exact_queries])
    connection.execute("SET enable_indexscan = on")
    print(
        f"baseline, exact search in SQL (sequential scan, {exact_queries} queries): "
        f"p50 {ms(exact, 50):.0f} ms"
    )
    for ef in ef_search:
        connection.execute(f"SET hnsw.ef_search = {ef}")
        timed_queries(nearest, texts[:200])  # warm the index into shared buffers
        times, found = timed_queries(nearest, texts)
        recall, same = score(found, truth, owner)
        p50, p99 = ms(times, 50), ms(times, 99)
        print(
            f"pgvector ef_search={ef:<3}: p50 {p50:.3f} ms  p99 {p99:.3f} ms  recall@1 "
            f"{recall:.4f} (same identity {same:.4f})  {np.mean(exact) / np.mean(times):,.0f}x"
            f" exact SQL  p50 {p50 / ms(trivial, 50):.0f}x SELECT 1  -> {verdict(recall, p99)}"
            f"  (load {os.getloadavg()[0]:.1f})"
        )
    connection.close()


def bench_pgvector(
    n: int,
    queries: int,
    server: str,
    keep: str | None,
    ef_construction: int,
    ef_search: Sequence[int],
) -> None:
    vectors, owner, probes = dataset(n, queries)
    truth = exact_truth(vectors, probes)
    with vector_database(server, keep) as (target, built):
        if not built:
            pg_build(target, vectors, ef_construction)
        del vectors
        header(n, queries, "pgvector HNSW, one query at a time through psycopg")
        pg_sweep(target, probes, truth, owner, ef_search)


def bench_compare(
    n: int, queries: int, workdir: Path, server: str, keep: str, ef_search: Sequence[int]
) -> None:
    """Both sweeps in one run, on the sealed file and the kept database built before."""
    vectors, owner, probes = dataset(n, queries)
    truth = exact_truth(vectors, probes)
    exact = exact_single(vectors, probes, 50)
    del vectors
    header(n, queries, "usearch reopened from its sealed file, then pgvector, same run")
    print(f"baseline, exact numpy one query at a time (50): p50 {ms(exact, 50):.1f} ms")
    index, _ = reopen(workdir / "bench.sealed", (workdir / "master.key").read_bytes(), True)
    usearch_sweep(index, probes, truth, owner, float(np.mean(exact)), USEARCH_EFFORTS)
    del index
    with vector_database(server, keep) as (target, built):
        assert built, f"build the pgvector database first: --only pgvector --keep-db {keep}"
        pg_sweep(target, probes, truth, owner, ef_search)


def child(argv: list[str]) -> None:
    mode, path = argv[0], Path(argv[1])
    master_key = bytes.fromhex(os.environ["BENCH_MASTER_KEY"])
    if mode == "graph":
        answer = open_sealed_graph(path, master_key, view=argv[2] == "True")
    else:
        answer = open_entries(path, master_key, int(argv[2]))
    print(json.dumps(answer))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only", choices=["usearch", "today", "pgvector", "compare"], required=True
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--today-n", type=int, default=None)
    parser.add_argument("--pg-url", help="a PostgreSQL server with pgvector (its admin URL)")
    parser.add_argument("--keep-db", help="build pgvector's table in this database, keep it")
    parser.add_argument("--ef-construction", type=int, default=128)
    parser.add_argument("--ef-search", default="40,64,100,200,400,800", help="pgvector sweep")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the sealed usearch file here; a later run reuses it (no rebuild)",
    )
    args = parser.parse_args()
    efs = [int(x) for x in args.ef_search.split(",")]
    if args.only in ("pgvector", "compare") and not args.pg_url:
        parser.error(f"--only {args.only} needs --pg-url (a server with pgvector)")
    if args.only == "compare" and not (args.workdir and args.keep_db):
        parser.error("--only compare needs the --workdir and --keep-db built before")
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        if args.only == "usearch":
            bench_usearch(args.n, args.queries, workdir)
        elif args.only == "today":
            bench_today(args.today_n or args.n, workdir)
        elif args.only == "pgvector":
            bench_pgvector(
                args.n, args.queries, args.pg_url, args.keep_db, args.ef_construction, efs
            )
        else:
            bench_compare(args.n, args.queries, workdir, args.pg_url, args.keep_db, efs)


if __name__ == "__main__":
    main()
