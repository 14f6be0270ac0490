"""Shared fixtures: a fresh data home per test, services built through the composition root."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from likeness.bootstrap import Services, build_services, initialise
from likeness.settings import Settings, load_settings
from likeness.testing import FixedClock


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may read a developer's LIKENESS_* variables or write into the checkout."""
    import os

    for name in list(os.environ):
        if name.startswith("LIKENESS_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(home=tmp_path / "home")


@pytest.fixture
def services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    initialise(settings, clock=clock)
    built = build_services(settings, clock=clock)
    yield built
    built.close()
