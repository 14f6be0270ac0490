import pytest

from likeness.ledger.tiles import (
    TilePathError,
    TileRef,
    decode_bundle,
    encode_bundle,
    encode_index,
    parse_tile_path,
)


@pytest.mark.parametrize(
    ("n", "path"),
    [(0, "000"), (5, "005"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_index_encoding_from_the_spec(n: int, path: str) -> None:
    assert encode_index(n) == path
    assert parse_tile_path(f"tile/0/{path}").index == n


def test_paths_round_trip() -> None:
    for ref in [TileRef(0, 0, 256), TileRef(1, 1234067, 7), TileRef(None, 3, 255)]:
        assert parse_tile_path(ref.path()) == ref
    assert TileRef(None, 1, 256).path() == "tile/entries/001"
    assert TileRef(2, 0, 10).path() == "tile/2/000.p/10"


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/0/0001",
        "tile/0/x1/000",
        "tile/0/001/000",
        "tile/x/000",
        "tile/01/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/007",
        "tile/0/x000/001",
        "tile/99/000",
        "tiles/0/000",
        "tile/0",
        "tile/0/000.p/",
    ],
)
def test_malformed_paths_are_refused(path: str) -> None:
    with pytest.raises(TilePathError):
        parse_tile_path(path)


def test_entry_bundles() -> None:
    entries = [b"", b"a", b"x" * 300]
    data = encode_bundle(entries)
    assert data[:2] == b"\x00\x00" and data[2:5] == b"\x00\x01a"
    assert decode_bundle(data) == entries
    with pytest.raises(ValueError, match="truncated"):
        decode_bundle(data[:-1])
