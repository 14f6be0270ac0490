"""Approximate nearest-neighbour search: usearch HNSW, then exact re-ranking.

HNSW finds candidates quickly; the top ``rerank`` candidates are re-scored against the
stored vectors with the exact distance, so the distance reported is always exact and a
near-miss in the graph costs recall only when the true neighbour is not among the
candidates at all. Defaults (M=16, ef=128, re-rank 16) are the measured point that
meets recall@1 >= 0.99 with p99 <= 2 ms at 1,000,000 templates (bench/bench_index.py,
bench/RESULTS.md). usearch ships as a small wheel with no build step; faiss HNSW was
measured slower to build here (shared/reference/mlstack.md §7).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from likeness.errors import MissingExtraError
from likeness.recognition.ports import Neighbour


class ApproximateIndex:
    def __init__(
        self,
        model_id: str,
        dimension: int,
        *,
        connectivity: int = 16,
        expansion_add: int = 128,
        expansion_search: int = 128,
        rerank: int = 16,
    ) -> None:
        try:
            import numpy as np
            from usearch.index import Index
        except ImportError:
            raise MissingExtraError("approximate vector search", "scale") from None
        self.model_id = model_id
        self.dimension = dimension
        self._np = np
        self._rerank = rerank
        self._graph = Index(
            ndim=dimension,
            metric="l2sq",
            dtype="f32",
            connectivity=connectivity,
            expansion_add=expansion_add,
            expansion_search=expansion_search,
        )
        self._vectors: Any = np.zeros((0, dimension), dtype=np.float32)
        self._keys: list[str] = []
        self._labels: list[str | None] = []  # None: removed
        self._live = 0

    def __len__(self) -> int:
        return self._live

    def add(self, key: str, label: str, vector: Sequence[float]) -> None:
        self.add_many([key], [label], self._np.asarray([vector], dtype=self._np.float32))

    def add_many(self, keys: Sequence[str], labels: Sequence[str], vectors: Any) -> None:
        vectors = self._np.ascontiguousarray(vectors, dtype=self._np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension:
            raise ValueError(f"{self.model_id} vectors have {self.dimension} dimensions")
        first = len(self._keys)
        self._graph.add(self._np.arange(first, first + len(keys)), vectors, threads=0)
        self._vectors = self._np.vstack([self._vectors, vectors])
        self._keys.extend(keys)
        self._labels.extend(labels)
        self._live += len(keys)

    def remove_label(self, label: str) -> int:
        slots = [i for i, owner in enumerate(self._labels) if owner == label]
        for slot in slots:
            self._graph.remove(slot)
            self._labels[slot] = None
            self._vectors[slot] = 0.0  # no copy of the template stays in memory
        self._live -= len(slots)
        return len(slots)

    def search(self, vector: Sequence[float], k: int = 1) -> list[Neighbour]:
        if not self._live:
            return []
        query = self._np.asarray(vector, dtype=self._np.float32)
        found = self._graph.search(query, max(k, self._rerank))
        slots = [int(s) for s in found.keys if self._labels[int(s)] is not None]
        if not slots:
            return []
        exact = self._np.linalg.norm(self._vectors[slots] - query, axis=1)
        order = self._np.argsort(exact)[:k]
        return [
            Neighbour(self._keys[slots[i]], str(self._labels[slots[i]]), float(exact[i]))
            for i in order
        ]

    def set_search_effort(self, expansion_search: int, rerank: int) -> None:
        """Trade speed for recall at query time (the graph is unchanged)."""
        self._graph.expansion_search = expansion_search  # type: ignore[misc]  # has a setter
        self._rerank = rerank

    def memory_bytes(self) -> int:
        return int(self._graph.memory_usage) + int(self._vectors.nbytes)
