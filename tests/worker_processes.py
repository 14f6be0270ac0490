"""``likeness serve --workers N`` as a real process, and which worker holds what, read
from ``/proc`` (the server exposes nothing about its processes).

A connection to the server is answered by the worker that accepted it; which one did is
found as the kernel sees it: the server's end of the connection (``/proc/net/tcp``)
is a socket inode, and the worker is the process with a descriptor on that inode.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.server import free_port

LISTEN = "0A"


@dataclass
class Served:
    base: str
    port: int
    process: subprocess.Popen[bytes]
    workers: int
    _open: list[http.client.HTTPConnection] = field(default_factory=list)

    def worker_pids(self) -> set[int]:
        """The worker processes: children of the server holding its listening socket
        (with one worker, the server process itself)."""
        if self.workers == 1:
            return {self.process.pid}
        listening = _listening_inode(self.port)
        return {
            pid
            for pid in _children(self.process.pid)
            if listening is not None and listening in _socket_inodes(pid)
        }

    def connection(self, source: str | None = None) -> tuple[int, http.client.HTTPConnection]:
        """A new keep-alive connection (from the loopback address ``source``), after one
        request on it: the worker answering it, and the connection (every later request
        on it goes to that worker)."""
        connection = http.client.HTTPConnection(
            "127.0.0.1",
            self.port,
            timeout=30,
            source_address=None if source is None else (source, 0),
        )
        self._open.append(connection)
        connection.request("GET", "/healthz")
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 200
        client = connection.sock.getsockname()
        pid = holder_of(local_port=self.port, remote=client)
        assert pid is not None, "no process holds the server's end of the connection"
        return pid, connection

    def one_per_worker(
        self, *, source: str | None = None, tries: int = 300
    ) -> dict[int, http.client.HTTPConnection]:
        """A connection answered by each worker (new connections until every worker
        has taken one: the kernel hands each to whichever worker accepts first)."""
        workers = self.worker_pids()
        found: dict[int, http.client.HTTPConnection] = {}
        for _ in range(tries):
            pid, connection = self.connection(source)
            found.setdefault(pid, connection)
            if set(found) >= workers:
                return found
        raise AssertionError(f"connections reached only {sorted(found)} of {sorted(workers)}")

    def close_connections(self) -> None:
        for connection in self._open:
            connection.close()
        self._open.clear()


@contextmanager
def serving_workers(
    home: Path, workers: int, *, env: Mapping[str, str] | None = None
) -> Iterator[Served]:
    """``likeness serve --workers N`` on a free port, once every worker is up."""
    port = free_port()
    command = [sys.executable, "-m", "likeness", "--home", str(home), "serve"]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(os.environ) | dict(env or {}),
    )
    served = Served(f"http://127.0.0.1:{port}", port, process, workers)
    try:
        _wait_until_up(served)
        yield served
    finally:
        served.close_connections()
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(served: Served, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            stderr = served.process.stderr.read().decode() if served.process.stderr else ""
            raise RuntimeError(f"likeness serve --workers stopped: {stderr}")
        try:
            urllib.request.urlopen(f"{served.base}/healthz", timeout=2).read()
            if len(served.worker_pids()) == served.workers:
                served.one_per_worker()  # every worker answers: every one has started
                served.close_connections()
                return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.1)
    raise RuntimeError("likeness serve --workers did not start in time")


def holder_of(*, local_port: int, remote: tuple[str, int]) -> int | None:
    """The process holding the TCP socket from 127.0.0.1:``local_port`` to ``remote``
    (a loopback address and port)."""
    inode = _connection_inode(local_port, remote)
    if inode is None:
        return None
    for pid in _pids():
        if inode in _socket_inodes(pid):
            return pid
    return None


def flock_holder(path: Path) -> int | None:
    """The process holding an ``flock`` on the file at ``path`` (from ``/proc/locks``)."""
    inode = path.stat().st_ino
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if parts[1] == "FLOCK" and int(parts[5].rsplit(":", 1)[1]) == inode:
            return int(parts[4])
    return None


def _tcp_rows() -> Iterator[tuple[str, str, str, int]]:
    """(local, remote, state, inode) of each IPv4 TCP socket, addresses as ip:port hex."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        yield parts[1], parts[2], parts[3], int(parts[9])


def _address(host: str, port: int) -> str:
    """``host:port`` as ``/proc/net/tcp`` writes it (the address's bytes reversed)."""
    ip = "".join(f"{int(b):02X}" for b in reversed(host.split(".")))
    return f"{ip}:{port:04X}"


def _listening_inode(port: int) -> int | None:
    for local, _, state, inode in _tcp_rows():
        if local.endswith(f":{port:04X}") and state == LISTEN:
            return inode
    return None


def _connection_inode(local_port: int, remote: tuple[str, int]) -> int | None:
    wanted = (_address("127.0.0.1", local_port), _address(*remote))
    for local, far, _, inode in _tcp_rows():
        if (local, far) == wanted and inode:
            return inode
    return None


def _pids() -> Iterator[int]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            yield int(entry.name)


def _children(parent: int) -> list[int]:
    children = []
    for pid in _pids():
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == parent:
            children.append(pid)
    return children


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    try:
        entries = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return inodes
    for entry in entries:
        try:
            target = str(entry.readlink())
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes
