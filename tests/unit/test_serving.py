"""``serve --workers N`` hands its settings to worker processes through the environment:
what a worker reads back is what the command had."""

from __future__ import annotations

from pathlib import Path

import pytest

from likeness.cli.serving import worker_environment
from likeness.cli.state import CliState
from likeness.settings import Environment, load_settings


def test_a_worker_reads_back_the_commands_home_and_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    state = CliState(home=Path("relative-home"))
    state.configure(  # as flags would: an enum, a tuple, a number, a secret
        environment=Environment.DEVELOPMENT,
        egress_allow=("127.0.0.1/32", "::1/128"),
        scan_workers=3,
        master_key="A" * 43 + "=",
    )
    command = state.settings()
    environment = worker_environment(state)
    assert environment["LIKENESS_HOME"] == str(tmp_path / "relative-home")  # absolute

    monkeypatch.chdir("/")  # a worker's working directory does not matter
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert load_settings() == command


def test_settings_from_the_environment_are_left_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIKENESS_WEBHOOK_MAX_ATTEMPTS", "3")
    state = CliState(home=tmp_path)
    assert worker_environment(state) == {"LIKENESS_HOME": str(tmp_path)}
