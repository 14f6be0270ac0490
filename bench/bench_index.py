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

    exact_n = min(queries, 300)
    exact_times, truth = [], []
    for probe in probes[:exact_n]:
        t = time.perf_counter()
        truth.append(str(int(np.argmin(np.linalg.norm(vectors - probe, axis=1)))))
        exact_times.append(time.perf_counter() - t)
    ex_p50, ex_p99 = np.percentile(exact_times, 50) * 1e3, np.percentile(exact_times, 99) * 1e3
    print(
        f"templates: {n:,} ({n // 10:,} identities × 10), {DIM}-d; build {build:.1f} s; "
        f"memory {index.memory_bytes() / 2**20:,.0f} MiB (graph + vectors)"
    )
    print(
        f"exact (numpy, one query at a time): p50 {ex_p50:.1f} ms  p99 {ex_p99:.1f} ms  "
        f"({exact_n} queries)"
    )
    for ef, rerank in ((64, 10), (128, 16), (256, 32), (512, 32)):
        index.set_search_effort(ef, rerank)
        ann_times, ann_keys = [], []
        for probe in probes:
            t = time.perf_counter()
            ann_keys.append(index.search(probe, 1)[0].key)
            ann_times.append(time.perf_counter() - t)
        recall = sum(a == b for a, b in zip(ann_keys, truth, strict=False)) / exact_n
        same_identity = (
            sum(owner[int(a)] == owner[int(b)] for a, b in zip(ann_keys, truth, strict=False))
            / exact_n
        )
        p50, p99 = np.percentile(ann_times, 50) * 1e3, np.percentile(ann_times, 99) * 1e3
        ratio = np.mean(exact_times) / np.mean(ann_times)
        verdict = "meets all" if recall >= 0.99 and p99 <= 2 and ratio >= 100 else "misses"
        print(
            f"HNSW ef={ef:<3} re-rank {rerank:<2}: p50 {p50:.3f} ms  p99 {p99:.3f} ms  "
            f"recall@1 {recall:.4f} (same identity {same_identity:.4f})  {ratio:,.0f}x exact"
            f"  -> {verdict} (targets: recall >= 0.99, p99 <= 2 ms, >= 100x)"
        )


if __name__ == "__main__":
    main()
