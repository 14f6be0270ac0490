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


# -- the table in docs/architecture.md is the rule ---------------------------------------

PACKAGES = sorted(
    p.stem if p.is_file() else p.name
    for p in PACKAGE.iterdir()
    if (p.suffix == ".py" and p.stem not in ("__init__", "__main__"))
    or (p.is_dir() and (p / "__init__.py").exists())
)


def allowed_imports() -> dict[str, set[str]]:
    """Each package's row of the table: the ``likeness`` packages it may import."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows: dict[str, set[str]] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`likeness."):
            package = cells[0].strip("`").removeprefix("likeness.")
            rows[package] = {c.strip("` ") for c in cells[1].split(",")} - {"nothing"}
    return rows


def test_the_table_names_every_package() -> None:
    rows = allowed_imports()
    assert sorted(rows) == PACKAGES
    for package, allowed in rows.items():
        assert allowed <= set(PACKAGES), (package, allowed - set(PACKAGES))


@pytest.mark.parametrize("package", PACKAGES)
def test_every_import_is_allowed_by_the_table(package: str) -> None:
    allowed = allowed_imports()[package] | {package}
    root = PACKAGE / package
    files = sorted(root.rglob("*.py")) if root.is_dir() else [PACKAGE / f"{package}.py"]
    found = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in files
        for name in imported_modules(path)
        if name.startswith("likeness.") and name.split(".")[1] not in allowed
    }
    assert found == set()


def contracts() -> list[dict[str, object]]:
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["importlinter"]["contracts"])


@pytest.mark.parametrize("package", PACKAGES)
def test_a_contract_states_each_row_of_the_table(package: str) -> None:
    allowed = allowed_imports()[package] | {package}
    forbidden = sorted(f"likeness.{p}" for p in PACKAGES if p not in allowed)
    matching = [
        c
        for c in contracts()
        if c["type"] == "forbidden"
        and c["source_modules"] == [f"likeness.{package}"]
        and str(c["name"]).endswith("imports only what docs/architecture.md allows")
    ]
    assert len(matching) == 1, f"no contract for likeness.{package}"
    listed = [m for m in matching[0]["forbidden_modules"] if m.startswith("likeness.")]  # type: ignore[attr-defined]
    assert sorted(listed) == forbidden
