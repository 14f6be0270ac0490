"""Schemathesis against /openapi.json of a real ``likeness serve``: thousands of generated
requests (valid and invalid) with zero server errors and zero schema violations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from likeness.bootstrap import build_services, initialise
from likeness.settings import load_settings
from tests.api_world import build_world
from tests.server import running_server

pytestmark = [pytest.mark.slow, pytest.mark.server]


def test_generated_requests_cause_no_server_errors_or_schema_violations(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    initialise(settings)
    services = build_services(settings)
    world = build_world(services)
    services.close()
    st = Path(sys.executable).with_name("st")
    with running_server(settings.home) as base:
        run = subprocess.run(
            [
                str(st),
                "run",
                f"{base}/openapi.json",
                "--checks",
                "not_a_server_error,response_schema_conformance,content_type_conformance",
                "--header",
                f"Authorization: Bearer {world.tokens['admin']}",
                "--max-examples",
                "25",
                "--seed",
                "20261129",
                "--no-color",
                "--report",
                "junit",
                "--report-dir",
                str(tmp_path / "report"),
            ],
            capture_output=True,
            text=True,
            timeout=900,
            cwd=tmp_path,
        )
    summary = run.stdout[-3000:]
    assert run.returncode == 0, summary
    assert "Tested: 53" in run.stdout, summary  # every operation was exercised
    assert " passed" in run.stdout and "failed" not in run.stdout.split("SUMMARY")[-1], summary
