"""A stand-in for DNS (the ``likeness.egress.Resolver`` port): answers from a table the
test sets, and records every lookup. It sends no packet."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Mapping, Sequence


class FakeResolver:
    """Names to addresses from a table; a name not in it does not resolve. ``answer``
    changes a name's addresses (DNS rebinding, in a test); ``lookups`` lists the names
    asked, in order."""

    def __init__(self, answers: Mapping[str, Sequence[str]] | None = None) -> None:
        self._answers: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        self.lookups: list[str] = []
        for name, addresses in (answers or {}).items():
            self.answer(name, *addresses)

    def answer(self, name: str, *addresses: str) -> None:
        for address in addresses:
            ipaddress.ip_address(address)  # a typo fails here, not as "does not resolve"
        with self._lock:
            self._answers[name.lower().rstrip(".")] = addresses

    def resolve(
        self, host: str, port: int
    ) -> Sequence[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        with self._lock:
            self.lookups.append(host)
            addresses = self._answers.get(host.lower().rstrip("."))
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: not in the fake resolver's table")
        return [ipaddress.ip_address(a) for a in addresses]


class SlowResolver:
    """A name server that answers 127.0.0.1 only after ``seconds`` (or once ``release``
    is set): a slow or hanging DNS server."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.release = threading.Event()

    def resolve(self, host: str, port: int) -> list[ipaddress.IPv4Address]:
        self.release.wait(self.seconds)
        return [ipaddress.IPv4Address("127.0.0.1")]
