"""Typed identifiers. Values are ULIDs made at the edge (see ``services.ports``)."""

from __future__ import annotations

from typing import NewType

PerformerId = NewType("PerformerId", str)
ProductionId = NewType("ProductionId", str)
AccountId = NewType("AccountId", str)
ApiKeyId = NewType("ApiKeyId", str)
RepresentativeId = NewType("RepresentativeId", str)
