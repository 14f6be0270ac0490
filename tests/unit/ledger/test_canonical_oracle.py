"""The hand-written RFC 8785 encoder against an independent one (the ``rfc8785`` package).

``ledger/canonical.py`` is written for speed; every log entry's hash depends on it
producing exactly the JCS bytes. Generated JSON values — nested objects and arrays,
strings with controls, quotes, astral-plane characters and the BMP characters that
UTF-16 orders after them (RFC 8785 §3.2.3), integers up to ±(2^53 - 1) — must come out
byte for byte as ``rfc8785.dumps`` writes them; what the encoder refuses (floats,
integers outside the I-JSON range, lone surrogates, non-string keys, non-JSON types)
must be refused with ``CanonicalError``, never written.
"""

from __future__ import annotations

import enum
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from likeness.ledger.canonical import CanonicalError, canonical_json, canonical_text, object_text

# Spelled here, not imported: a wrong bound in canonical.py must not move the test's.
MAX_SAFE_INTEGER = 2**53 - 1  # I-JSON (RFC 7493 §2.2), as RFC 8785 §3.2.2.3 requires

# Characters where an encoder goes wrong: what must be escaped (and how), what must not
# be (DEL, U+2028, non-ASCII), and keys whose UTF-16 order differs from code-point
# order (U+E000..U+FFFF sort after the surrogate pairs of U+10000 and above).
AWKWARD = [
    *(chr(c) for c in range(0x20)),
    '"',
    "\\",
    "/",
    "\x7f",
    "\x80",
    "\u00e9",
    "\u2028",
    "\u2029",
    "\u20ac",
    "\ud7ff",
    "\ue000",
    "\ufb33",
    "\ufeff",
    "\uffff",
    "\U00010000",
    "\U0001f600",
    "\U0010ffff",
    "a",
    "B",
    "1",
]
# Every code point UTF-8 can encode: all but the lone surrogates (U+D800..U+DFFF).
chars = st.sampled_from(AWKWARD) | st.characters(codec="utf-8")
strings = st.text(chars)
keys = st.text(chars, max_size=3)
safe_integers = st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | st.sampled_from(
    [0, -1, 1, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, 2**31, -(2**31) - 1, 10**15]
)
scalars = st.none() | st.booleans() | safe_integers | strings


def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return (
        st.lists(children, max_size=5)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(keys, children, max_size=6)
    )


json_values = st.recursive(scalars, containers, max_leaves=30)


@settings(max_examples=1000, deadline=None)
@given(json_values)
def test_output_is_byte_for_byte_what_rfc8785_writes(value: Any) -> None:
    expected = rfc8785.dumps(value)
    assert canonical_json(value) == expected
    assert canonical_text(value) == expected.decode("utf-8")


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, json_values, max_size=8))
def test_object_text_from_canonical_members_is_the_canonical_object(
    members: dict[str, Any],
) -> None:
    # ledger/entry.py assembles documents from members canonicalised once.
    parts = {key: canonical_text(value) for key, value in members.items()}
    assert object_text(parts) == rfc8785.dumps(members).decode("utf-8")


# -- refused values ------------------------------------------------------------------

BMP_CHARS = st.characters(codec="utf-8", max_codepoint=0xFFFF)
lone_surrogates = st.characters(categories=["Cs"])
too_large = st.integers(min_value=MAX_SAFE_INTEGER + 1) | st.integers(
    max_value=-MAX_SAFE_INTEGER - 1
)
# Values rfc8785 refuses too: outside JSON, or outside the I-JSON integer range.
not_json = st.one_of(
    too_large,
    st.sampled_from([MAX_SAFE_INTEGER + 1, -MAX_SAFE_INTEGER - 1, 2**64]),
    st.builds(lambda a, s, b: a + s + b, strings, lone_surrogates, strings),
    # A lone surrogate in a key, beside keys of the Basic Multilingual Plane only
    # (beside an astral key rfc8785 0.1.4 raises UnicodeEncodeError; our encoder's own
    # refusal there is tested below).
    st.builds(
        lambda a, s, others: {a + s: 1, **others},
        st.text(BMP_CHARS, max_size=2),
        lone_surrogates,
        st.dictionaries(st.text(BMP_CHARS, max_size=2), scalars, max_size=3),
    ),
    st.builds(lambda k, v: {k: v}, st.integers() | st.none() | st.booleans(), scalars),
    st.builds(lambda k: {k: 1, "a": 2}, st.integers() | st.tuples(st.integers())),
    st.frozensets(st.integers(), max_size=3),
    st.sets(st.text(max_size=2), max_size=3),
    st.complex_numbers(),
    st.just(object()),
)
# Floats are JSON and rfc8785 writes them; this encoder refuses them by design (money
# travels as decimal strings), whole-numbered, negative zero and non-finite ones alike.
floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1.0, -0.0, 2.0**53])


@st.composite
def nested_in_json(draw: st.DrawFn, bad: st.SearchStrategy[Any]) -> Any:
    """A bad value somewhere inside otherwise canonicalisable arrays and objects."""
    value = draw(bad)
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            siblings = draw(st.lists(scalars, max_size=3))
            siblings.insert(draw(st.integers(0, len(siblings))), value)
            value = draw(st.sampled_from([siblings, tuple(siblings)]))
        else:
            siblings_map = draw(st.dictionaries(st.text(BMP_CHARS, max_size=3), scalars))
            siblings_map[draw(st.text(BMP_CHARS, max_size=3))] = value
            value = siblings_map
    return value


@settings(max_examples=500, deadline=None)
@given(nested_in_json(not_json))
def test_values_rfc8785_refuses_are_refused_with_canonical_error(value: Any) -> None:
    # rfc8785 0.1.4 lets UnicodeEncodeError out for a lone surrogate in a key.
    with pytest.raises((rfc8785.CanonicalizationError, UnicodeEncodeError)):
        rfc8785.dumps(value)
    with pytest.raises(CanonicalError):
        canonical_json(value)


@settings(max_examples=300, deadline=None)
@given(nested_in_json(floats))
def test_floats_are_refused_with_canonical_error(value: Any) -> None:
    with pytest.raises(CanonicalError):
        canonical_json(value)


# -- disagreements the oracle found, fixed in canonical.py -----------------------------


class Level(int, enum.Enum):  # an int mix-in enum that is not an IntEnum
    HIGH = 3


def test_int_enum_mix_in_is_written_as_its_number() -> None:
    assert canonical_json({"level": Level.HIGH}) == rfc8785.dumps({"level": Level.HIGH})


@pytest.mark.parametrize("value", [b"ab", bytearray(b"ab"), memoryview(b"ab"), range(3)])
def test_byte_strings_and_ranges_are_refused(value: object) -> None:
    with pytest.raises(rfc8785.CanonicalizationError):
        rfc8785.dumps(value)  # type: ignore[arg-type]
    with pytest.raises(CanonicalError):
        canonical_json(value)  # type: ignore[arg-type]


def test_a_lone_surrogate_key_beside_an_astral_key_is_a_canonical_error() -> None:
    with pytest.raises(CanonicalError):
        canonical_json({"\ud800": 1, "\U0001f600": 2})
