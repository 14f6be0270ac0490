"""The suite runs whole: a missing extra or a skipped test fails the run instead of
passing quietly (tests/strict_skips.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def pytest_run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(REPO / "pyproject.toml"), "--rootdir",
         str(REPO), "-p", "no:cacheprovider", "-q", *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip


def test_a_skipped_test_fails_the_run(tmp_path: Path) -> None:
    case = tmp_path / "test_partial.py"
    case.write_text(
        "import pytest\n\n"
        "def test_needs_an_extra():\n"
        "    pytest.importorskip('no_such_extra_module')\n\n"
        "def test_plain():\n"
        "    assert True\n"
    )
    strict = pytest_run(str(case))
    assert strict.returncode == pytest.ExitCode.TESTS_FAILED, strict.stdout
    assert "skipped tests fail the run" in strict.stdout
    assert (
        "::test_needs_an_extra: Skipped: could not import 'no_such_extra_module'" in strict.stdout
    )
    allowed = pytest_run(str(case), "--allow-skips")
    assert allowed.returncode == pytest.ExitCode.OK, allowed.stdout
    assert "1 passed, 1 skipped" in allowed.stdout


@pytest.mark.slow
def test_the_voice_tests_fail_without_the_voice_extra(tmp_path: Path) -> None:
    """As if `resemblyzer` were uninstalled: a package of that name that cannot import is
    put ahead of site-packages. The voice model tests fail and name the install."""
    shim = tmp_path / "shim" / "resemblyzer"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError('resemblyzer is not installed')\n")
    run = pytest_run(
        "tests/integration/test_voice.py",
        "-m",
        "model",
        "--tb=line",
        env={"PYTHONPATH": str(shim.parent)},
    )
    assert run.returncode == pytest.ExitCode.TESTS_FAILED, run.stdout
    assert "voice recognition needs the optional 'voice' dependencies" in run.stdout
    summary = run.stdout.splitlines()[-1]
    assert "failed" in summary and "skipped" not in summary
