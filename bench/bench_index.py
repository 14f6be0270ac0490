"""The approximate index against exact search, on embeddings with realistic structure.

Run: .venv/bin/python bench/bench_index.py [N] [QUERIES]     (defaults 1,000,000 and 2,000)

Real face embeddings cluster by identity; uniform random vectors make approximate
search look broken (shared/reference/mlstack.md §7). So the N templates here are
N/10 identities × 10 templates: each identity a random unit centre, each template the
centre plus noise scaled so that same-identity distances (~0.35) and different-identity
distances (~0.8 and up) resemble dlib's (docs/recognition.md). Queries are fresh
samples of enrolled identities. Reports, in the same run: build time; recall@1 of the
approximate index (usearch HNSW + exact re-ranking) against exact numpy search;
single-query latency p50/p99 for both; the speed ratio; memory.
Targets (issue 5): recall@1 >= 0.99, p99 <= 2 ms, >= 100x the exact single-query rate.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from likeness.recognition.ann_index import ApproximateIndex

DIM = 128


def templates(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    identities = max(1, n // 10)
    centres = rng.normal(size=(identities, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    owner = np.repeat(np.arange(identities), 10)[:n]
    noise = rng.normal(scale=0.25 / np.sqrt(DIM), size=(n, DIM)).astype(np.float32)
    return (centres[owner] + noise), owner, centres


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    queries = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rng = np.random.default_rng(7)
    vectors, owner, centres = templates(n, rng)
    picked = rng.integers(0, len(centres), queries)
    probes = centres[picked] + rng.normal(scale=0.25 / np.sqrt(DIM), size=(queries, DIM)).astype(
        np.float32
    )

    index = ApproximateIndex("bench", DIM)
    start = time.perf_counter()
    for lo in range(0, n, 100_000):
        hi = min(n, lo + 100_000)
        index.add_many(
            [str(i) for i in range(lo, hi)], [str(o) for o in owner[lo:hi]], vectors[lo:hi]
        )
    build = time.perf_counter() - start

    ann_times, ann_keys = [], []
    for probe in probes:
        t = time.perf_counter()
        ann_keys.append(index.search(probe, 1)[0].key)
        ann_times.append(time.perf_counter() - t)
    exact_n = min(queries, 300)
    exact_times, hits = [], 0
    for i, probe in enumerate(probes[:exact_n]):
        t = time.perf_counter()
        best = int(np.argmin(np.linalg.norm(vectors - probe, axis=1)))
        exact_times.append(time.perf_counter() - t)
        hits += ann_keys[i] == str(best)
    recall = hits / exact_n
    ann_p50, ann_p99 = np.percentile(ann_times, 50) * 1e3, np.percentile(ann_times, 99) * 1e3
    ex_p50, ex_p99 = np.percentile(exact_times, 50) * 1e3, np.percentile(exact_times, 99) * 1e3
    ratio = (1 / np.mean(ann_times)) / (1 / np.mean(exact_times))
    print(f"templates: {n:,} ({n // 10:,} identities × 10), {DIM}-d; build {build:.1f} s")
    print(
        f"approximate (usearch HNSW M=16 ef=64 + exact re-rank of 10): p50 {ann_p50:.3f} ms"
        f"  p99 {ann_p99:.3f} ms  ({queries:,} queries)"
    )
    print(
        f"exact (numpy, one query at a time):                     p50 {ex_p50:.1f} ms"
        f"  p99 {ex_p99:.1f} ms  ({exact_n} queries)"
    )
    print(
        f"recall@1 vs exact: {recall:.4f}   single-query rate ratio: {ratio:,.0f}x   "
        f"memory: {index.memory_bytes() / 2**20:,.0f} MiB (graph + vectors)"
    )
    print(
        f"targets: recall >= 0.99 {'met' if recall >= 0.99 else 'NOT met'}; "
        f"p99 <= 2 ms {'met' if ann_p99 <= 2 else 'NOT met'}; "
        f">= 100x {'met' if ratio >= 100 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
