"""What a log entry says, and its canonical bytes (documented in docs/ledger.md).

An entry commits to a record without revealing it::

    {"v": 1, "type": "performer.added", "at": "2026-01-05T09:00:00.000000Z",
     "ids": {"performer": "01J…"},
     "record_sha256": base64(SHA-256(JCS({"record": record, "salt": base64(salt)}))),
     "commitments": {field: base64(HMAC-SHA-256(salt, JCS({"field": field, "value": value})))}}

serialised with RFC 8785 (``canonical.canonical_json``). The salt is 32 random
bytes per record, kept outside the log; erasing it (with the record) leaves the
entry — and so every proof — unchanged, while the commitments and digest can no
longer be tested against guesses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from likeness.ledger.canonical import JsonValue, canonical_json, canonical_text, object_text

ENTRY_VERSION = 1
SALT_SIZE = 32


@dataclass(frozen=True)
class LogEvent:
    """One event to append. ``record`` fields are committed to, never written in clear."""

    type: str
    at: datetime
    ids: Mapping[str, str]
    record: Mapping[str, JsonValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("log events need a zone-aware timestamp")
        if not self.type or " " in self.type:
            raise ValueError(f"event type {self.type!r} is malformed")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def commitment(salt: bytes, name: str, value: JsonValue) -> str:
    return _commit(salt, name, canonical_text(value))


def record_digest(record: Mapping[str, JsonValue], salt: bytes) -> str:
    return _digest({name: canonical_text(value) for name, value in record.items()}, salt)


# The same documents as canonical_json({"field": name, "value": value}) and
# canonical_json({"record": record, "salt": ...}), built from each field's canonical
# text so that a field is canonicalised once per entry, not twice.
def _commit(salt: bytes, name: str, value_text: str) -> str:
    message = object_text({"field": canonical_text(name), "value": value_text})
    return _b64(hmac.digest(salt, message.encode("utf-8"), "sha256"))


def _digest(field_texts: Mapping[str, str], salt: bytes) -> str:
    document = object_text({"record": object_text(field_texts), "salt": canonical_text(_b64(salt))})
    return _b64(hashlib.sha256(document.encode("utf-8")).digest())


def encode_entry(event: LogEvent, salt: bytes) -> bytes:
    """The entry's canonical bytes: what the log stores and hashes."""
    if len(salt) != SALT_SIZE:
        raise ValueError(f"a record salt is {SALT_SIZE} bytes")
    texts = {name: canonical_text(value) for name, value in event.record.items()}
    return canonical_json(
        {
            "v": ENTRY_VERSION,
            "type": event.type,
            "at": timestamp(event.at),
            "ids": dict(event.ids),
            "record_sha256": _digest(texts, salt),
            "commitments": {name: _commit(salt, name, text) for name, text in texts.items()},
        }
    )


def decode_entry(data: bytes) -> dict[str, JsonValue]:
    """Parse entry bytes, refusing any that are not in canonical form."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"entry is not JSON: {exc}") from None
    if not isinstance(value, dict) or value.get("v") != ENTRY_VERSION:
        raise ValueError("entry is not a version-1 likeness log entry")
    if canonical_json(value) != data:
        raise ValueError("entry is not in RFC 8785 canonical form")
    return value
