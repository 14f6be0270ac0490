"""Documentation that must not drift: every setting and every CLI command is described."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import typer

from likeness.cli.app import EXIT_CODES, app
from likeness.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented() -> None:
    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`LIKENESS_{name.upper()}`" not in text]
    assert missing == []


def command_paths(group: object, prefix: str = "likeness") -> Iterator[str]:
    commands = getattr(group, "commands", {})
    for name, command in commands.items():
        path = f"{prefix} {name}"
        if getattr(command, "commands", None):
            yield from command_paths(command, path)
        else:
            yield path


def test_every_cli_command_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    paths = list(command_paths(typer.main.get_command(app)))
    assert "likeness performer import" in paths  # the walk found the nested groups
    assert [path for path in paths if f"`{path}" not in readme] == []


def test_every_exit_code_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert [code for code in EXIT_CODES.values() if f"\n| {code} |" not in readme] == []
