"""A pytest plugin (loaded by ``addopts`` in pyproject.toml): the suite runs whole.

A test that skips, for a missing extra, a missing system package or any other reason,
fails the run: a skip must never read as a pass in CI. Developers leave tiers out by
deselecting them (``-m "not slow"``), which is not a skip; ``--allow-skips`` lets a
developer run a partial environment knowingly. Expected failures (xfail) are not skips.
"""

from __future__ import annotations

import pytest

_SKIPPED: list[str] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--allow-skips",
        action="store_true",
        help="do not fail the run when tests skip (a partial environment, knowingly)",
    )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _SKIPPED.append(f"{report.nodeid}: {reason}")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _SKIPPED and not session.config.getoption("--allow-skips"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _SKIPPED or terminalreporter.config.getoption("--allow-skips"):
        return
    terminalreporter.section("skipped tests fail the run", sep="=", red=True, bold=True)
    for line in _SKIPPED:
        terminalreporter.line(line, red=True)
    terminalreporter.line(
        "the suite runs whole: install what ./scripts/test installs (extras, Debian packages),"
        " deselect a tier with -m, or pass --allow-skips knowingly"
    )
