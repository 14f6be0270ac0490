import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

import pytest

from likeness.ledger.canonical import CanonicalError, canonical_json
from likeness.ledger.entry import LogEvent, commitment, decode_entry, encode_entry


def test_rfc8785_sorts_keys_by_utf16_code_units() -> None:
    # RFC 8785 §3.2.3's sorting example: code-point order would put U+FB33
    # before U+1F600; UTF-16 order (a surrogate pair, D83D…) puts it after.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    expected_order = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    text = canonical_json(value).decode()
    positions = [text.index('"' + k.replace("\r", "\\r") + '"') for k in expected_order]
    assert positions == sorted(positions)


def test_rfc8785_string_escapes_and_literals() -> None:
    assert canonical_json({"b": [None, True, False, 0, -7], "a": "x"}) == (
        b'{"a":"x","b":[null,true,false,0,-7]}'
    )
    assert canonical_json('\u20ac$\u000f\nA\'B"\\\\"/') == (
        '"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"'.encode()
    )  # RFC 8785 §3.2.2.2 example string
    assert canonical_json("\u2028\u00e9") == '"\u2028\u00e9"'.encode()


@pytest.mark.parametrize("bad", [1.5, 2**53, {"k": {1, 2}}, "\ud800", {1: "x"}])
def test_values_outside_the_safe_subset_are_refused(bad: object) -> None:
    with pytest.raises(CanonicalError):
        canonical_json(bad)  # type: ignore[arg-type]


SALT = bytes(range(32))
EVENT = LogEvent(
    type="performer.added",
    at=datetime(2026, 1, 5, 10, 0, tzinfo=timezone(timedelta(hours=1))),
    ids={"performer": "01J0000000000000000000000A"},
    record={"legal_name": "Ada Lovelace", "date_of_birth": "1990-06-15"},
)


def test_entries_commit_to_personal_fields_without_revealing_them() -> None:
    data = encode_entry(EVENT, SALT)
    assert b"Ada" not in data and b"1990" not in data
    entry = decode_entry(data)
    assert entry["at"] == "2026-01-05T09:00:00.000000Z"  # normalised to UTC
    assert entry["ids"] == {"performer": "01J0000000000000000000000A"}
    expected = hmac.new(SALT, b'{"field":"legal_name","value":"Ada Lovelace"}', hashlib.sha256)
    assert entry["commitments"]["legal_name"] == base64.b64encode(expected.digest()).decode()  # type: ignore[index]
    assert commitment(SALT, "legal_name", "Ada Lovelace") == entry["commitments"]["legal_name"]  # type: ignore[index]
    assert commitment(SALT, "legal_name", "Ada Byron") != entry["commitments"]["legal_name"]  # type: ignore[index]


def test_entries_are_deterministic_and_salt_dependent() -> None:
    assert encode_entry(EVENT, SALT) == encode_entry(EVENT, SALT)
    assert encode_entry(EVENT, SALT) != encode_entry(EVENT, bytes(32))


def test_decode_refuses_non_canonical_bytes() -> None:
    data = encode_entry(EVENT, SALT)
    with pytest.raises(ValueError, match="canonical"):
        decode_entry(data.replace(b'{"at"', b'{ "at"'))
    with pytest.raises(ValueError, match="not JSON"):
        decode_entry(data[:-1])


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="zone-aware"):
        LogEvent(type="x", at=datetime(2026, 1, 1), ids={})
    assert LogEvent(type="x", at=datetime(2026, 1, 1, tzinfo=UTC), ids={}).type == "x"
