"""The approximate index agrees with exact search on clustered vectors, and forgets."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.recognition.ann_index import ApproximateIndex
from likeness.recognition.exact_index import ExactIndex


def clustered(n_ids: int, per_id: int, seed: int = 3) -> tuple:  # type: ignore[type-arg]
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_ids, 128)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    owner = np.repeat(np.arange(n_ids), per_id)
    vectors = centres[owner] + rng.normal(scale=0.02, size=(len(owner), 128)).astype(np.float32)
    return vectors, owner, centres, rng


def test_approximate_matches_exact_and_reports_exact_distances() -> None:
    vectors, owner, centres, rng = clustered(2000, 5)
    approximate, exact = ApproximateIndex("m", 128), ExactIndex("m", 128)
    keys = [f"t{i}" for i in range(len(vectors))]
    labels = [f"p{o}" for o in owner]
    approximate.add_many(keys, labels, vectors)
    for key, label, vector in zip(keys, labels, vectors, strict=True):
        exact.add(key, label, vector)
    assert len(approximate) == len(exact) == 10_000
    probes = centres[rng.integers(0, 2000, 300)] + rng.normal(scale=0.02, size=(300, 128))
    agree = 0
    for probe in probes:
        a, e = approximate.search(probe, 1)[0], exact.search(probe, 1)[0]
        agree += a.key == e.key
        if a.key == e.key:
            assert a.distance == pytest.approx(e.distance, rel=1e-5)
    assert agree / len(probes) >= 0.99


def test_removed_labels_are_never_returned() -> None:
    vectors, owner, centres, _ = clustered(50, 4)
    index = ApproximateIndex("m", 128)
    index.add_many([f"t{i}" for i in range(len(vectors))], [f"p{o}" for o in owner], vectors)
    assert index.search(centres[7], 1)[0].label == "p7"
    assert index.remove_label("p7") == 4
    assert len(index) == 196
    assert all(n.label != "p7" for n in index.search(centres[7], 10))


def test_wrong_dimension_is_refused() -> None:
    with pytest.raises(ValueError, match="128 dimensions"):
        ApproximateIndex("m", 128).add("k", "l", [0.0] * 64)
