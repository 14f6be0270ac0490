"""Stored hashes read from a served log's hash tiles (C2SP tlog-tiles), for proofs made
by someone who holds no copy of the log.

A tile at level L holds hashes at tree level 8·L only; a hash at a level between is
recomputed from the tile's hashes below it, as Go's ``tlog.TileHashReader`` does. The
hashes are *not* trusted: whatever is built from them (an inclusion or consistency
proof) must be verified against a signed root, which is what authenticates them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from likeness.ledger.merkle import HASH_SIZE, node_hash, split_stored_hash_index
from likeness.ledger.tiles import TILE_HEIGHT, TILE_WIDTH, TileRef


class TileHashReader:
    """A ``merkle.HashReader`` over the tiles of a tree of ``size`` leaves, fetched by
    ``fetch(path)`` (``tile/<L>/<N>[.p/<W>]``, answered with the tile's bytes)."""

    def __init__(self, size: int, fetch: Callable[[str], bytes]) -> None:
        self._size = size
        self._fetch = fetch
        self._tiles: dict[str, list[bytes]] = {}

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        return [self._hash(*split_stored_hash_index(i)) for i in indexes]

    def _hash(self, level: int, n: int) -> bytes:
        tile_level, below = divmod(level, TILE_HEIGHT)
        first = n << below  # the first hash at level 8·L under this one
        tile_index = first // TILE_WIDTH
        row = self._tile(tile_level, tile_index)
        start = first - tile_index * TILE_WIDTH
        span = row[start : start + (1 << below)]
        if len(span) != 1 << below:
            raise LookupError(f"the tiles hold no hash at level {level}, index {n}")
        while len(span) > 1:
            span = [node_hash(span[i], span[i + 1]) for i in range(0, len(span), 2)]
        return span[0]

    def _tile(self, level: int, index: int) -> list[bytes]:
        complete = self._size >> (TILE_HEIGHT * level)  # hashes at level 8·L in the tree
        width = min(TILE_WIDTH, complete - index * TILE_WIDTH)
        if width <= 0:
            raise LookupError(f"tile {level}/{index} lies beyond a tree of {self._size}")
        path = TileRef(level=level, index=index, width=width).path()
        if path not in self._tiles:
            data = self._fetch(path)
            if len(data) != width * HASH_SIZE:
                raise LookupError(f"{path} holds {len(data)} bytes, not {width * HASH_SIZE}")
            self._tiles[path] = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
        return self._tiles[path]
