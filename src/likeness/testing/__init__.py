"""Deterministic fakes for every port, shipped for tests (ours and integrators')."""

from likeness.testing.fakes import FixedClock, SequentialIds

__all__ = ["FixedClock", "SequentialIds"]
