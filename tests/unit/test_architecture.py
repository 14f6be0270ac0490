"""The layering in docs/architecture.md, checked two ways: statically and at run time."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import likeness

PACKAGE = Path(likeness.__file__).parent
REPO = PACKAGE.parent.parent
PURE = [PACKAGE / "domain", PACKAGE / "errors.py"]
PURE_MAY_IMPORT = {"likeness.domain", "likeness.errors"}
HEAVY = ["sqlalchemy", "alembic", "fastapi", "numpy", "torch", "dlib", "av", "pydantic", "typer"]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def pure_files() -> list[Path]:
    return [f for p in PURE for f in ([p] if p.is_file() else sorted(p.rglob("*.py")))]


@pytest.mark.parametrize("path", pure_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_modules_import_only_the_standard_library(path: Path) -> None:
    outside = {
        name
        for name in imported_modules(path)
        if name.split(".")[0] not in sys.stdlib_module_names
        and not any(name == ok or name.startswith(ok + ".") for ok in PURE_MAY_IMPORT)
    }
    assert outside == set(), f"{path.name} imports {sorted(outside)}"


def loaded_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in json.loads(out.stdout)}


def test_domain_loads_no_third_party_package_at_run_time() -> None:
    loaded = loaded_after(
        "import likeness.domain.performer, likeness.domain.production, likeness.domain.account"
    )
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)


def test_the_cli_starts_without_heavy_extras() -> None:
    loaded = loaded_after("import likeness.cli.app")
    assert loaded.isdisjoint({"numpy", "torch", "dlib", "av", "fastapi", "ray"})


def test_importing_and_asking_for_help_writes_nothing(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "likeness", "--help"], cwd=tmp_path, capture_output=True, check=True
    )
    assert list(tmp_path.iterdir()) == []


def test_import_linter_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None, "import-linter is part of the dev extra"
    result = subprocess.run([lint], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
