"""A pytest plugin (loaded by ``addopts`` in pyproject.toml): tests reach loopback only.

Every connection a Python socket makes (``socket.socket.connect`` and ``connect_ex``,
which ``socket.create_connection``, http.client, urllib, httpx/httpcore and asyncio's
selector loop all go through), every datagram sent with ``sendto``, and every name
lookup (``getaddrinfo``, ``gethostbyname``, ``gethostbyname_ex``, ``gethostbyaddr``) is
checked. Loopback (127.0.0.0/8, ::1, and ::ffff:127.0.0.0/104), Unix sockets and other
non-IP families pass; so do lookups answered on this machine (numeric addresses,
``localhost`` and this machine's own name). Anything else is refused with an
``OSError`` *before* a packet leaves, and fails the test that tried it at teardown,
even when the code under test caught the error (a webhook worker records it and goes on).

Out of its reach: sockets opened in C (uvloop's libuv, Ray's gRPC) and subprocesses
(``likeness serve``, Chromium, Ray's raylets), which the tests bind to 127.0.0.1 by
their own settings.

``watch_connections()`` lists the connections tried while it is open (allowed or not),
for tests that assert that no connection was made at all; ``expect_refusals()`` takes
the refusals made inside it off the failing list, for the test of this guard itself.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

_REFUSED: list[str] = []
_WATCHERS: list[list[tuple[str, int]]] = []
_LOCK = threading.Lock()
_ORIGINAL: dict[str, Any] = {}
_IP_FAMILIES = (socket.AF_INET, socket.AF_INET6)


def is_loopback(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _local_name(host: str | bytes | None) -> bool:
    """A lookup this machine answers without asking anyone: a numeric address, loopback
    names, this machine's own name."""
    if host is None:
        return True
    name = (host.decode() if isinstance(host, bytes) else host).lower().rstrip(".")
    if name in ("", "localhost") or name.endswith(".localhost"):
        return True
    if name == socket.gethostname().lower():
        return True
    try:
        ipaddress.ip_address(name.split("%")[0])
    except ValueError:
        return False
    return True


def _refuse(what: str, error: type[OSError] = ConnectionRefusedError) -> OSError:
    with _LOCK:
        _REFUSED.append(what)
    return error(errno.ECONNREFUSED, f"tests reach loopback only: {what} (tests/loopback_only.py)")


def _check(sock: socket.socket, address: Any, verb: str) -> None:
    if sock.family not in _IP_FAMILIES or not isinstance(address, tuple):
        return
    host = address[0].decode() if isinstance(address[0], bytes) else str(address[0])
    with _LOCK:
        for seen in _WATCHERS:
            seen.append((host, int(address[1])))
    if not is_loopback(host):
        raise _refuse(f"{verb} {host} port {address[1]}")


def _connect(self: socket.socket, address: Any) -> None:
    _check(self, address, "connect to")
    _ORIGINAL["connect"](self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    _check(self, address, "connect to")
    return int(_ORIGINAL["connect_ex"](self, address))


def _sendto(self: socket.socket, data: Any, *args: Any) -> int:
    _check(self, args[-1], "send a datagram to")
    return int(_ORIGINAL["sendto"](self, data, *args))


def _lookup(name: str) -> Callable[..., Any]:
    original = _ORIGINAL[name]

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _local_name(host):
            raise _refuse(f"look up {host!r}", socket.gaierror)
        return original(host, *args, **kwargs)

    return lookup


_LOOKUPS = ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr")


def pytest_configure(config: pytest.Config) -> None:
    _ORIGINAL.update(
        connect=socket.socket.connect,
        connect_ex=socket.socket.connect_ex,
        sendto=socket.socket.sendto,
        **{name: getattr(socket, name) for name in _LOOKUPS},
    )
    socket.socket.connect = _connect  # type: ignore[method-assign, assignment]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign, assignment]
    socket.socket.sendto = _sendto  # type: ignore[method-assign, assignment]
    for name in _LOOKUPS:
        setattr(socket, name, _lookup(name))


def pytest_unconfigure(config: pytest.Config) -> None:
    if not _ORIGINAL:
        return
    socket.socket.connect = _ORIGINAL["connect"]  # type: ignore[method-assign]
    socket.socket.connect_ex = _ORIGINAL["connect_ex"]  # type: ignore[method-assign]
    socket.socket.sendto = _ORIGINAL["sendto"]  # type: ignore[method-assign]
    for name in _LOOKUPS:
        setattr(socket, name, _ORIGINAL[name])


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with _LOCK:
        start = len(_REFUSED)
    yield
    with _LOCK:
        refused = _REFUSED[start:]
    if refused:
        pytest.fail(
            "the test reached beyond loopback (refused before sending): " + "; ".join(refused),
            pytrace=False,
        )


@contextmanager
def watch_connections() -> Iterator[list[tuple[str, int]]]:
    """The (host, port) of every connection tried while open, from any thread."""
    seen: list[tuple[str, int]] = []
    with _LOCK:
        _WATCHERS.append(seen)
    try:
        yield seen
    finally:
        with _LOCK:
            _WATCHERS.remove(seen)


@contextmanager
def expect_refusals() -> Iterator[list[str]]:
    """The refusals made while open, which then do not fail the test."""
    found: list[str] = []
    with _LOCK:
        start = len(_REFUSED)
    try:
        yield found
    finally:
        with _LOCK:
            found.extend(_REFUSED[start:])
            del _REFUSED[start:]
