"""Shared fixtures: a fresh data home per test, services built through the composition root."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from likeness.bootstrap import Services, build_services, initialise
from likeness.cli.state import CliState
from likeness.recognition.encoders import Encoders
from likeness.settings import Settings, load_settings
from likeness.testing import FixedClock, fake_encoders
from tests.store_server import fresh_database, server_url


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="where the store tests keep their data (postgresql: scripts/postgres start)",
    )
    parser.addoption("--store-url", default=None, help="the PostgreSQL server for --store")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of PostgreSQL itself (marked ``postgresql``) run with ``--store postgresql``
    (CI's second run) and are deselected, not skipped, on SQLite."""
    if config.getoption("--store") == "postgresql":
        return
    keep = [item for item in items if item.get_closest_marker("postgresql") is None]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


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


@pytest.fixture(autouse=True)
def _store_database(
    _isolated_environment: None,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[None]:
    """With ``--store postgresql``, every data home a test makes without naming a
    database (``load_settings(home=...)``, the CLI, a server it starts) uses a fresh
    database on the PostgreSQL server: LIKENESS_DATABASE_URL names it. Integration
    and interop tests only: unit tests have no store."""
    if request.config.getoption("--store") == "sqlite" or not (
        {"integration", "interop"} & set(request.node.path.parts)
    ):
        yield
        return
    with fresh_database(server_url(request.config.getoption("--store-url"))) as url:
        monkeypatch.setenv("LIKENESS_DATABASE_URL", url)
        yield


@pytest.fixture
def another_database(request: pytest.FixtureRequest) -> Iterator[Callable[[], str | None]]:
    """For a test's second data home (a replica, a copy): None on SQLite (the home's own
    file), else the URL of another fresh database on the PostgreSQL server."""
    with ExitStack() as stack:

        def make() -> str | None:
            if request.config.getoption("--store") == "sqlite":
                return None
            server = server_url(request.config.getoption("--store-url"))
            return stack.enter_context(fresh_database(server))

        yield make


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(home=tmp_path / "home")


def _home_with_services(
    settings: Settings, clock: FixedClock, encoders: Encoders | None = None
) -> Iterator[Services]:
    initialise(settings, clock=clock)
    built = build_services(settings, clock=clock, encoders=encoders)
    yield built
    built.close()


@pytest.fixture
def services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    yield from _home_with_services(settings, clock)


@pytest.fixture
def fake_services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    """Services whose face and voice encoders are the fakes of ``likeness.testing``:
    recognition and scans without dlib or torch (the fast tier)."""
    yield from _home_with_services(settings, clock, fake_encoders())


def fake_cli(clock: FixedClock | None = None) -> CliState:
    """CLI state whose services use the fake encoders: ``runner.invoke(app, args,
    obj=fake_cli())`` (one per invocation; the CLI closes its services at the end)."""
    return CliState(build=lambda s: build_services(s, clock=clock, encoders=fake_encoders()))
