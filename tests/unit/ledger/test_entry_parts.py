"""Entries built from each field's canonical text equal the documents they stand for."""

from __future__ import annotations

import base64
import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from likeness.ledger.canonical import canonical_json
from likeness.ledger.entry import commitment, record_digest

keys = st.text(min_size=1, max_size=8)  # any code points, astral ones included
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)
salts = st.binary(min_size=32, max_size=32)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@given(salts, keys, values)
def test_a_commitment_is_the_hmac_of_the_canonical_field_document(
    salt: bytes, name: str, value: object
) -> None:
    document = canonical_json({"field": name, "value": value})  # type: ignore[dict-item]
    assert commitment(salt, name, value) == b64(hmac.digest(salt, document, "sha256"))  # type: ignore[arg-type]


@given(salts, st.dictionaries(keys, values, max_size=6))
def test_a_record_digest_is_the_hash_of_the_canonical_record_document(
    salt: bytes, record: dict[str, object]
) -> None:
    document = canonical_json({"record": record, "salt": b64(salt)})  # type: ignore[dict-item]
    assert record_digest(record, salt) == b64(hashlib.sha256(document).digest())  # type: ignore[arg-type]
