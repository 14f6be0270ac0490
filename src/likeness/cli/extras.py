"""``likeness extras``: which optional parts are installed, and one command to install one.

pip alone cannot install the voice extra: Resemblyzer requires ``webrtcvad``, whose
source release no longer builds or imports on current setuptools, so Resemblyzer goes in
without its dependencies, after the extra (which brings ``webrtcvad-wheels``, the same
module prebuilt). ``likeness extras install voice`` runs both steps; every hint for a
missing extra names it (errors.MissingExtraError).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from typing import Annotated

import typer

from likeness.cli import render
from likeness.errors import ConfigurationError, InvalidInputError

DISTRIBUTION = "likeness-ledger"

app = typer.Typer(
    help="The optional parts (face, voice, media, ...): which are installed; install one.",
    no_args_is_help=True,
)


@dataclass(frozen=True)
class Extra:
    name: str
    feature: str
    modules: tuple[str, ...]  # importable once the extra is installed
    # installed with --no-deps after the extra: their own requirements cannot be met
    without_dependencies: tuple[str, ...] = ()


EXTRAS = (
    # torch runs dlib's descriptor network ~6x faster (recognition/dlib_resnet.py)
    Extra(
        "face",
        "face recognition (dlib)",
        ("dlib", "face_recognition_models", "numpy", "PIL", "torch"),
    ),
    Extra(
        "voice",
        "voice recognition (Resemblyzer, PocketSphinx)",
        ("resemblyzer", "webrtcvad", "torch", "librosa", "av", "pocketsphinx"),
        without_dependencies=("resemblyzer==0.1.4",),
    ),
    Extra("media", "video and audio decoding (PyAV)", ("av",)),
    Extra("scale", "approximate index and Ray workers", ("usearch", "ray")),
    Extra("postgres", "PostgreSQL as the store", ("psycopg",)),
    Extra("provenance", "C2PA credentials and provenance", ("c2pa",)),
)
BY_NAME = {extra.name: extra for extra in EXTRAS}

# "extra == 'voice'" inside a requirement's marker, alone or joined by "and" to others
_EXTRA = re.compile(r"""\s*\bextra\s*==\s*["']([^"']+)["']\s*""")


def requirements(extra: Extra) -> list[str]:
    """The extra's requirements as this installed package declares them (its metadata:
    after a change to pyproject.toml, reinstall the package for it to show)."""
    try:
        declared = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        raise ConfigurationError(
            f"the {DISTRIBUTION} package metadata is missing",
            hint="install Likeness Ledger with pip (pip install -e . in a checkout)",
        ) from None
    wanted = []
    for line in declared:
        requirement, _, marker = line.partition(";")
        named = _EXTRA.search(marker)
        if named is None or named.group(1) != extra.name:
            continue
        # the other conditions stay, for pip to evaluate: "x; python_version < '3.13'"
        rest = _EXTRA.sub(" ", marker).strip()
        rest = re.sub(r"^and\b|\band$", "", rest).strip()
        wanted.append(f"{requirement.strip()}; {rest}" if rest else requirement.strip())
    if not wanted:
        raise ConfigurationError(f"the installed {DISTRIBUTION} declares no '{extra.name}' extra")
    return wanted


def missing_modules(extra: Extra) -> list[str]:
    return [name for name in extra.modules if importlib.util.find_spec(name) is None]


def pip_commands(extra: Extra, pip_options: list[str]) -> list[list[str]]:
    pip = [sys.executable, "-m", "pip", "install", *pip_options]
    commands = [[*pip, *requirements(extra)]]
    if extra.without_dependencies:
        commands.append([*pip, "--no-deps", *extra.without_dependencies])
    return commands


def _extra(name: str) -> Extra:
    try:
        return BY_NAME[name]
    except KeyError:
        known = ", ".join(BY_NAME)
        raise InvalidInputError(f"no extra named {name!r}: choose one of {known}") from None


@app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for programs.")] = False,
) -> None:
    """Each extra, what it gives, and whether it is installed (what is missing if not)."""
    states = [(extra, missing_modules(extra)) for extra in EXTRAS]
    if as_json:
        render.emit_json(
            [
                {"extra": e.name, "feature": e.feature, "installed": not m, "missing": m}
                for e, m in states
            ]
        )
        return
    for extra, missing in states:
        state = "missing " + ", ".join(missing) if missing else "installed"
        typer.echo(f"{extra.name:<11} {state:<40} {extra.feature}")


@app.command(
    "install",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def install(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The extra: face, voice, media, scale, ...")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the pip commands, run nothing.")
    ] = False,
) -> None:
    """Install an extra into this Python environment with pip (voice: in its two steps).

    Options after '--' go to pip, e.g. '-- --no-index --find-links ./wheels' offline.
    """
    extra = _extra(name)
    commands = pip_commands(extra, list(ctx.args))
    for command in commands:
        typer.echo("$ python " + shlex.join(command[1:]))  # command[0] is this interpreter
        if dry_run:
            continue
        # pip with this interpreter and the extra's own requirements: no user text in it
        if subprocess.run(command, check=False).returncode != 0:  # noqa: S603
            raise ConfigurationError(
                f"pip could not install the '{extra.name}' extra (its output is above)",
                hint="fix what pip reports, then run this command again",
            )
    if dry_run:
        return
    missing = _missing_after_install(extra)
    if missing:
        raise ConfigurationError(
            f"the '{extra.name}' extra is installed but {', '.join(missing)} cannot be imported",
        )
    typer.echo(f"{extra.feature}: installed")


def _missing_after_install(extra: Extra) -> list[str]:
    """Import each module in a fresh interpreter: this one cached what was missing."""
    missing = []
    for module in extra.modules:
        probe = subprocess.run(  # noqa: S603 (a module name of ours)
            [sys.executable, "-c", f"import {module}"], capture_output=True, check=False
        )
        if probe.returncode != 0:
            missing.append(module)
    return missing
