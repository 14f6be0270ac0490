"""Fakes for ``likeness.services.ports``, and the fake encoders assembled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from likeness.recognition.encoders import Encoders

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class FixedClock:
    """A clock that stands still until told to move."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FixedClock needs a zone-aware datetime")

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


class SequentialIds:
    """Canonical ULID-shaped ids counting up from a prefix: predictable in assertions."""

    def __init__(self, prefix: str = "01J") -> None:
        self._prefix = prefix
        self._count = 0

    def new(self) -> str:
        self._count += 1
        digits = []
        value = self._count
        for _ in range(26 - len(self._prefix)):
            value, remainder = divmod(value, 32)
            digits.append(_CROCKFORD[remainder])
        return self._prefix + "".join(reversed(digits))


def fake_encoders() -> Encoders:
    """The fake face and voice encoders, for ``build_services(..., encoders=...)``."""
    from likeness.testing.encoders import FakeFaceEncoder, FakeVoiceEncoder

    return Encoders(FakeFaceEncoder, FakeVoiceEncoder)
