"""Exact nearest-neighbour search (numpy): the reference every other index is measured
against, and the default while a deployment holds up to some hundreds of thousands of
templates (rules of thumb from shared/reference/mlstack.md §7)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from likeness.errors import MissingExtraError
from likeness.recognition.ports import Neighbour


class ExactIndex:
    """Euclidean distance over one model's vectors, held in memory."""

    def __init__(self, model_id: str, dimension: int) -> None:
        try:
            import numpy as np
        except ImportError:
            raise MissingExtraError("vector search", "face") from None
        self.model_id = model_id
        self.dimension = dimension
        self._np = np
        self._vectors: Any = np.zeros((0, dimension), dtype=np.float32)
        self._keys: list[str] = []
        self._labels: list[str] = []

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: str, label: str, vector: Sequence[float]) -> None:
        row = self._np.asarray(vector, dtype=self._np.float32).reshape(1, -1)
        if row.shape[1] != self.dimension:
            raise ValueError(
                f"a {self.model_id} vector has {self.dimension} dimensions, not {row.shape[1]}"
            )
        self._vectors = self._np.vstack([self._vectors, row])
        self._keys.append(key)
        self._labels.append(label)

    def remove_label(self, label: str) -> int:
        keep = [i for i, owner in enumerate(self._labels) if owner != label]
        removed = len(self._labels) - len(keep)
        self._vectors = self._vectors[keep]
        self._keys = [self._keys[i] for i in keep]
        self._labels = [self._labels[i] for i in keep]
        return removed

    def search(self, vector: Sequence[float], k: int = 1) -> list[Neighbour]:
        if not self._keys:
            return []
        query = self._np.asarray(vector, dtype=self._np.float32)
        distances = self._np.linalg.norm(self._vectors - query, axis=1)
        order = self._np.argsort(distances)[:k]
        return [Neighbour(self._keys[i], self._labels[i], float(distances[i])) for i in order]
