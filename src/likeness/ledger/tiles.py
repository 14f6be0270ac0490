"""C2SP tlog-tiles paths and entry bundles (https://c2sp.org/tlog-tiles).

A tile at level L, index N holds up to 256 hashes at tree level 8·L,
those of leaves' subtrees [256·N·256^L, …). Index N is written in groups of
three digits, all but the last prefixed with ``x``: 1234067 → ``x001/x234/067``.
A partial tile of width W (1-255) adds ``.p/W``. Entry bundles at
``tile/entries/N`` hold entries 256·N … as 2-byte big-endian length + bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TILE_WIDTH = 256
TILE_HEIGHT = 8
MAX_LEVEL = 63 // TILE_HEIGHT  # indexes beyond 2^63 are meaningless for us
MAX_ENTRY_SIZE = 0xFFFF

_GROUP = re.compile(r"[0-9]{3}")


class TilePathError(ValueError):
    """A tile path is malformed."""


@dataclass(frozen=True)
class TileRef:
    level: int | None  # None for an entry bundle
    index: int
    width: int  # 1..256; 256 is a full tile

    @property
    def is_entries(self) -> bool:
        return self.level is None

    @property
    def full(self) -> bool:
        return self.width == TILE_WIDTH

    def path(self) -> str:
        kind = "entries" if self.level is None else str(self.level)
        suffix = "" if self.full else f".p/{self.width}"
        return f"tile/{kind}/{encode_index(self.index)}{suffix}"


def encode_index(n: int) -> str:
    if n < 0:
        raise TilePathError("tile index must not be negative")
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n > 0:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def parse_tile_path(path: str) -> TileRef:
    """Parse ``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]``."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise TilePathError(f"{path!r} is not a tile path")
    kind, rest = parts[1], parts[2:]
    level: int | None
    if kind == "entries":
        level = None
    elif kind.isdigit() and (kind == "0" or not kind.startswith("0")) and len(kind) <= 2:
        level = int(kind)
        if level > MAX_LEVEL:
            raise TilePathError(f"tile level {level} is out of range")
    else:
        raise TilePathError(f"tile level {kind!r} is not a number or 'entries'")
    width = TILE_WIDTH
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        width = _parse_width(rest[-1])
        rest = [*rest[:-2], rest[-2][:-2]]
    return TileRef(level=level, index=_parse_index(rest, path), width=width)


def _parse_width(text: str) -> int:
    if not text.isdigit() or text.startswith("0"):
        raise TilePathError(f"partial tile width {text!r} is malformed")
    width = int(text)
    if not 1 <= width < TILE_WIDTH:
        raise TilePathError(f"partial tile width {width} is not between 1 and 255")
    return width


def _parse_index(groups: list[str], path: str) -> int:
    if not groups or len(groups) > 7:
        raise TilePathError(f"{path!r} has a malformed tile index")
    index = 0
    for position, group in enumerate(groups):
        last = position == len(groups) - 1
        digits = group if last else group.removeprefix("x")
        if (not last and not group.startswith("x")) or _GROUP.fullmatch(digits) is None:
            raise TilePathError(f"{path!r} has a malformed tile index")
        index = index * 1000 + int(digits)
    if len(groups) > 1 and groups[0] == "x000":
        raise TilePathError(f"{path!r} has a non-canonical tile index")
    return index


def encode_bundle(entries: list[bytes]) -> bytes:
    out = bytearray()
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise ValueError(f"entry of {len(entry)} bytes exceeds the bundle limit")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    entries, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise ValueError("entry bundle is truncated")
        length = int.from_bytes(data[at : at + 2], "big")
        at += 2
        if at + length > len(data):
            raise ValueError("entry bundle is truncated")
        entries.append(data[at : at + length])
        at += length
    return entries
