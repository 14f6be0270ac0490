"""Deterministic fakes for every port, shipped for tests (ours and integrators')."""

from likeness.testing.encoders import FakeFaceEncoder, FakeVoiceEncoder
from likeness.testing.fakes import FixedClock, SequentialIds, fake_encoders
from likeness.testing.resolver import FakeResolver

__all__ = [
    "FakeFaceEncoder",
    "FakeResolver",
    "FakeVoiceEncoder",
    "FixedClock",
    "SequentialIds",
    "fake_encoders",
]
