"""``likeness extras``: what each extra installs, read from the package's own metadata."""

from __future__ import annotations

import importlib.metadata

import pytest
from typer.testing import CliRunner

from likeness.cli import extras
from likeness.cli.app import app


def test_voice_is_its_requirements_then_resemblyzer_without_dependencies() -> None:
    first, second = extras.pip_commands(extras.BY_NAME["voice"], ["--quiet"])
    assert first[1:5] == ["-m", "pip", "install", "--quiet"]
    for needed in ("torch==2.13.0", "webrtcvad-wheels>=2.0.14", "pocketsphinx>=5.0"):
        assert needed in first
    assert not any(r.lower().startswith("resemblyzer") for r in first)
    assert second[-2:] == ["--no-deps", "resemblyzer==0.1.4"]


def test_other_conditions_of_a_requirement_are_kept_for_pip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    declared = [
        'a==1; extra == "voice"',
        'b>=2; python_version < "3.13" and extra == "voice"',
        "c; extra == 'voice' and sys_platform != 'win32'",
        'd; extra == "face"',
        'e; extra == "voices"',
        "f",
    ]
    monkeypatch.setattr(importlib.metadata, "requires", lambda name: declared)
    assert extras.requirements(extras.BY_NAME["voice"]) == [
        "a==1",
        'b>=2; python_version < "3.13"',
        "c; sys_platform != 'win32'",
    ]


def test_an_unknown_extra_is_refused_with_the_known_ones() -> None:
    result = CliRunner().invoke(app, ["extras", "install", "voicee", "--dry-run"])
    assert result.exit_code == 6
    assert "no extra named 'voicee': choose one of face, voice, media" in result.output


def test_dry_run_prints_both_steps_and_installs_nothing() -> None:
    result = CliRunner().invoke(app, ["extras", "install", "voice", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("$ python -m pip install ") and "torch==2.13.0" in lines[0]
    assert lines[1] == "$ python -m pip install --no-deps resemblyzer==0.1.4"
    assert len(lines) == 2
