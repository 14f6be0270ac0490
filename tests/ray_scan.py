"""Scan files on Ray in a process of its own, and report what it found and which
addresses Ray's processes used (tests/integration/test_scan_models.py).

    python -m tests.ray_scan HOME PRODUCTION_ID USE_DATE FILE...

Prints one JSON object: the report (``ScanReport.to_json``) and the addresses of every
socket of every process Ray started. A process of its own keeps Ray's threads, signal
handlers and child processes out of the test runner's, and its own children are
exactly Ray's.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def run_for_json(*args: str) -> dict[str, Any]:
    """Run ``python ARGS`` in the repository, in a process of its own (Ray and its
    children stay out of the test runner), and read the JSON object it printed last."""
    run = subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    answer: dict[str, Any] = json.loads(run.stdout.splitlines()[-1])
    return answer


def socket_addresses() -> list[str]:
    import psutil

    me = psutil.Process(os.getpid())
    found = set()
    for process in [me, *me.children(recursive=True)]:
        try:
            connections = process.net_connections(kind="inet")
        except psutil.Error:
            continue
        for c in connections:
            for address in (c.laddr, c.raddr):
                if address:
                    found.add(str(ipaddress.ip_address(address.ip.removeprefix("::ffff:"))))
    return sorted(found)


def main(home: str, production_id: str, day: str, files: list[str]) -> None:
    from likeness.bootstrap import build_services
    from likeness.domain.scan import ScanOptions
    from likeness.settings import load_settings

    services = build_services(load_settings(home=home, face_detector="cnn", scan_runner="ray"))
    try:
        options = ScanOptions(production_id=production_id, use_date=date.fromisoformat(day))
        report = services.scans.scan([Path(f) for f in files], options)
        addresses = socket_addresses()
        children = len(__import__("psutil").Process().children(recursive=True))
    finally:
        services.close()
    print(json.dumps({"report": report.to_json(), "addresses": addresses, "children": children}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
