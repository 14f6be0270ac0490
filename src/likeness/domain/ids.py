"""Typed identifiers. Values are ULIDs made at the edge (see ``services.ports``)."""

from __future__ import annotations

import re
from typing import NewType

PerformerId = NewType("PerformerId", str)
ProductionId = NewType("ProductionId", str)
AccountId = NewType("AccountId", str)
ApiKeyId = NewType("ApiKeyId", str)
RepresentativeId = NewType("RepresentativeId", str)

# Crockford base32, 26 characters, first character at most 7 (128 bits).
_ULID = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")


def is_ulid(text: str) -> bool:
    """True when ``text`` is a canonical (upper-case) ULID."""
    return _ULID.fullmatch(text) is not None
