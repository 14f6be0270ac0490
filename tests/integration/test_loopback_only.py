"""Tests reach loopback only (tests/loopback_only.py): a connection, a datagram or a name
lookup beyond this machine is refused before a packet leaves, and fails the test that tried
it even when the code under test swallowed the error."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.loopback_only import expect_refusals, watch_connections

REPO = Path(__file__).resolve().parents[2]


def test_a_connection_beyond_loopback_is_refused_before_it_is_made() -> None:
    with expect_refusals() as refused:
        with pytest.raises(ConnectionRefusedError, match="tests reach loopback only"):
            socket.create_connection(("192.0.2.1", 9), timeout=1)  # TEST-NET-1
        with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
            sock.connect_ex(("10.0.0.5", 80))
        with socket.socket(socket.AF_INET6) as sock, pytest.raises(ConnectionRefusedError):
            sock.connect(("::ffff:10.0.0.5", 80))  # IPv4-mapped is judged as IPv4
        with (
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock,
            pytest.raises(ConnectionRefusedError),
        ):
            sock.sendto(b"x", ("8.8.8.8", 53))
    assert refused == [
        "connect to 192.0.2.1 port 9",
        "connect to 10.0.0.5 port 80",
        "connect to ::ffff:10.0.0.5 port 80",
        "send a datagram to 8.8.8.8 port 53",
    ]


def test_a_name_lookup_beyond_this_machine_is_refused() -> None:
    with expect_refusals() as refused, pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.com", 443)
    assert refused == ["look up 'example.com'"]
    assert socket.getaddrinfo("localhost", 80)  # answered on this machine
    assert socket.getaddrinfo("10.0.0.5", 80)  # a numeric address is not looked up


def test_loopback_and_unix_sockets_pass(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server, watch_connections() as seen:
        port = server.getsockname()[1]
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert seen == [("127.0.0.1", port)]
    path = str(tmp_path / "s")
    with socket.socket(socket.AF_UNIX) as listener, socket.socket(socket.AF_UNIX) as client:
        listener.bind(path)
        listener.listen()
        client.connect(path)


def test_a_swallowed_refusal_still_fails_the_test(tmp_path: Path) -> None:
    case = tmp_path / "test_swallows.py"
    case.write_text(
        "import socket\n\n"
        "def test_swallows():\n"
        "    try:\n"
        "        socket.create_connection(('192.0.2.1', 80), timeout=1)\n"
        "    except OSError:\n"
        "        pass\n\n"
        "def test_stays_home():\n"
        "    socket.getaddrinfo('localhost', 80)\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.loopback_only", "-p", "no:cacheprovider",
         "-q", "--rootdir", str(tmp_path), str(case)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), *sys.path])},
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert run.returncode == pytest.ExitCode.TESTS_FAILED, run.stdout
    assert "2 passed, 1 error" in run.stdout  # it passed, and its teardown failed it
    assert "ERROR test_swallows.py::test_swallows" in run.stdout
    assert "reached beyond loopback (refused before sending): connect to 192.0.2.1" in run.stdout
