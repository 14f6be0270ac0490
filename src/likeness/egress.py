"""The one egress gate: every outbound HTTP request of the package goes through here.

Webhook deliveries use it today; watched sources and witness clients are to use it
too. A request is made in two steps, so that the address that was checked is the
address that is reached (no second DNS answer, no rebinding between them):

1. ``Egress.vet(url)`` parses the URL (``http`` or ``https``, a host name, no user
   information), resolves the host **once** through the injected ``Resolver`` (waiting
   for it at most the deadline: a slow name server cannot hold the caller) and
   refuses it when *any* of its addresses is not public (``EgressPolicy``): every
   address that Python's ``ipaddress`` does not mark ``is_global``, and multicast,
   reserved, link-local, site-local and unspecified ones; an IPv6 address that
   carries an IPv4 one (IPv4-mapped, 6to4, Teredo, NAT64's 64:ff9b::/96) is judged
   as the IPv4 address it carries too. Only networks an operator allow-lists
   (``LIKENESS_EGRESS_ALLOW``) are exempt, in development too.
2. ``Egress.request(method, target, ...)`` connects to the vetted
   addresses only (the host name is never looked up again), sends the ``Host`` header
   and, over TLS, the SNI name of the URL and verifies the certificate against it (the
   system's trust store, or the ``ssl_context`` given); redirects are never
   followed (a 3xx is returned as it came); the whole attempt (connect, TLS, send,
   read) runs under one wall-clock deadline, so a receiver that drips its answer a
   byte at a time is cut off; at most ``max_body`` bytes of the answer are read.

``Egress.send(method, url, ...)`` does both under **one** deadline, the lookup included:
what a caller with a URL (a webhook attempt, a watched source) should use. Every way a
request may not happen is an ``EgressRefusedError`` (refused before any connection:
the URL, its address, or a name that does not resolve to public addresses only; an
``InvalidInputError``, 422) or an ``EgressError`` (the connection or the answer failed;
``EgressTimeoutError`` when the deadline passed, the lookup's included; 502);
``EGRESS_FAILURES`` names both for a caller that treats them alike.

Errors carry no byte of the answer: a misbehaving server's text never reaches a
message, a log or the database through this module. Nor do they tell what a name
resolves to: a name that resolves to a refused address and a name that does not resolve
get the same refusal ("refused: <host> does not resolve to a public address"), since
the URL may come from anyone (a subscriber) and the answers would otherwise map the
server's internal DNS for them. The detail (which address, and why it is refused) goes
to this module's log (``likeness.egress``), for the operator. An address written in the
URL is named in its refusal: the caller wrote it.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpcore

from likeness.errors import (
    ConfigurationError,
    EgressError,
    EgressRefusedError,
    EgressTimeoutError,
)

# The two unrelated error types an outbound request may end in (see the module's doc).
EGRESS_FAILURES: tuple[type[Exception], ...] = (EgressRefusedError, EgressError)

_log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_SETTING = "LIKENESS_EGRESS_ALLOW"
DEFAULT_DEADLINE = 10.0  # seconds for a whole attempt
DEFAULT_MAX_BODY = 64 * 1024
MAX_URL_LENGTH = 2000
MAX_LOOKUPS = 32  # name lookups in flight at once per gate (each on its own thread)
_WRITE_CHUNK = 16 * 1024
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052's well-known prefix


class Resolver(Protocol):
    """Names to addresses; the default asks the system (``socket.getaddrinfo``)."""

    def resolve(self, host: str, port: int) -> Sequence[IPAddress]: ...


class SystemResolver:
    """The operating system's resolver: every TCP address ``getaddrinfo`` answers."""

    def resolve(self, host: str, port: int) -> Sequence[IPAddress]:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        found: list[IPAddress] = []
        for family, _, _, _, sockaddr in infos:
            if family not in (socket.AF_INET, socket.AF_INET6):
                continue
            address = ipaddress.ip_address(str(sockaddr[0]))
            if address not in found:
                found.append(address)
        return found


# -- the policy ------------------------------------------------------------------------


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (and would reach through a gateway)."""
    found: list[ipaddress.IPv4Address] = []
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    return found


def _not_public(address: IPAddress) -> str | None:
    """Why ``address`` is not a public unicast address, or None when it is one."""
    if isinstance(address, ipaddress.IPv6Address) and address in _NAT64:
        inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)  # DNS64 synthesises these
        reason = _not_public(inner)
        return None if reason is None else f"carries {inner}, {reason}"
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_multicast:
        return "multicast"
    if address.is_link_local:
        return "link-local"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "not globally routable"
    if address.is_reserved:
        return "reserved"
    if isinstance(address, ipaddress.IPv6Address):
        for inner in _embedded_ipv4(address):
            reason = _not_public(inner)
            if reason is not None:
                return f"carries {inner}, {reason}"
    return None


def normalise(address: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address (``::ffff:a.b.c.d``) is the IPv4 address it maps; the
    zone of a scoped address is kept."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class EgressPolicy:
    """Public addresses, plus the networks an operator allow-lists; nothing else.

    An empty allow-list (the default) admits public addresses only: a receiver on
    this machine or a private network must be allow-listed, in development too."""

    allow: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_cidrs(cls, cidrs: Iterable[str]) -> EgressPolicy:
        """The policy of ``LIKENESS_EGRESS_ALLOW``; a malformed network is a
        ``ConfigurationError`` that names the setting."""
        networks: list[IPNetwork] = []
        for text in cidrs:
            try:
                networks.append(ipaddress.ip_network(text.strip(), strict=True))
            except ValueError as exc:
                raise ConfigurationError(
                    f"{ALLOW_SETTING}: {text!r} is not a network in CIDR notation ({exc})",
                    hint=f'give a JSON list such as ["127.0.0.1/32", "10.20.0.0/16"] in'
                    f" {ALLOW_SETTING}",
                ) from None
        return cls(tuple(networks))

    def refusal(self, address: IPAddress) -> str | None:
        """Why this policy refuses ``address``, or None when it may be reached."""
        plain = normalise(address)
        if any(plain in network or address in network for network in self.allow):
            return None
        reason = _not_public(plain)
        return None if reason is None else f"{plain} ({reason})"


# -- vetting a URL -----------------------------------------------------------------------


@dataclass(frozen=True)
class VettedTarget:
    """A URL whose host was resolved once and found reachable under the policy: the
    only addresses a request to it connects to."""

    url: str
    scheme: str  # http or https
    host: str  # ASCII (IDNA), lower case; the Host header, the SNI name, the certificate's
    port: int
    target: str  # path and query, as sent in the request line
    addresses: tuple[IPAddress, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True)
class EgressResponse:
    """What came back: the status, how long the attempt took, and at most ``max_body``
    bytes of the body (``truncated`` when there was more, which was not read)."""

    status: int
    elapsed: float  # seconds, from the start (of the lookup, with send) to the last byte read
    body: bytes
    truncated: bool
    content_type: str = ""  # the Content-Type header, lower case ("" when absent)

    @property
    def elapsed_ms(self) -> int:
        return round(self.elapsed * 1000)


@dataclass(frozen=True)
class _Parsed:
    scheme: str
    host: str
    port: int
    target: str


def _parse(url: str) -> _Parsed:
    if len(url) > MAX_URL_LENGTH:
        raise EgressRefusedError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise EgressRefusedError(f"{url!r} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EgressRefusedError(f"{url!r} is not an http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise EgressRefusedError(
            "the URL carries user information (user:password@); refused",
            hint="authenticate the receiver by the signature, not by credentials in the URL",
        )
    if port == 0:
        raise EgressRefusedError(f"{url!r} names port 0")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise EgressRefusedError(f"{parts.hostname!r} is not a valid host name") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in target):
        raise EgressRefusedError("the URL's path holds spaces or control characters")
    default = 443 if parts.scheme == "https" else 80
    return _Parsed(parts.scheme, host.rstrip(".") or host, port or default, target)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


# -- the connection ----------------------------------------------------------------------


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.started = time.monotonic()
        self.at = self.started + seconds
        self.seconds = seconds

    def left(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def clamp(self, timeout: float | None, expired: type[Exception]) -> float:
        """The time one operation may wait: its own timeout, never past the deadline."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise expired("the deadline passed")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read, write and TLS handshake ends by the deadline:
    per-operation timeouts alone let a receiver that sends a byte a second go on forever."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        for start in range(0, len(buffer), _WRITE_CHUNK):
            chunk = buffer[start : start + _WRITE_CHUNK]
            self._inner.write(chunk, self._deadline.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        wait = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, wait), self._deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects to the vetted addresses, whatever host httpcore asks for: the name is
    never resolved a second time."""

    def __init__(self, addresses: Sequence[IPAddress], deadline: _Deadline) -> None:
        self._addresses = addresses
        self._deadline = deadline
        self._system = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        failure: Exception = httpcore.ConnectError("no address to connect to")
        for address in self._addresses:
            wait = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
            try:
                stream = self._system.connect_tcp(
                    str(address), port, wait, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
                continue
            return _DeadlineStream(stream, self._deadline)
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("egress never connects to a Unix socket")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


# What each transport failure is called: fixed texts, so that nothing a server sends
# (h11 quotes malformed lines in its messages) can reach a stored error.
_FAILURES: tuple[tuple[type[Exception], str], ...] = (
    (httpcore.ConnectTimeout, "no connection within the deadline"),
    (httpcore.TimeoutException, "no complete answer within the deadline"),
    (httpcore.ConnectError, "the connection failed"),
    (httpcore.RemoteProtocolError, "the answer was not valid HTTP"),
    (httpcore.ReadError, "the connection broke while reading the answer"),
    (httpcore.WriteError, "the connection broke while sending"),
)


@contextmanager
def _mapped_failures(target: VettedTarget, deadline: _Deadline) -> Iterator[None]:
    try:
        yield
    except (httpcore.TimeoutException, TimeoutError):
        raise EgressTimeoutError(
            f"{target.host}: no complete answer within {deadline.seconds:g} s"
        ) from None
    except (httpcore.ConnectError, ssl.SSLError) as exc:
        cause = exc if isinstance(exc, ssl.SSLError) else (exc.__cause__ or exc.__context__)
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = f"certificate not trusted ({cause.verify_message})"
        elif isinstance(cause, ssl.SSLError):
            reason = "the TLS handshake failed"
        elif isinstance(cause, OSError) and cause.strerror:
            reason = f"the connection failed ({cause.strerror.lower()})"
        else:
            reason = "the connection failed"
        raise EgressError(f"{target.host}: {reason}") from None
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
        reason = next((text for kind, text in _FAILURES if isinstance(exc, kind)), "failed")
        raise EgressError(f"{target.host}: {reason}") from None
    except OSError as exc:
        reason = (exc.strerror or "os error").lower()
        raise EgressError(f"{target.host}: the connection failed ({reason})") from None


# -- the gate --------------------------------------------------------------------------

_REFUSED_HINT = (
    "outbound requests reach public addresses only; check the host name, or an operator"
    f" can allow-list a network with {ALLOW_SETTING}"
)


def _refused_name(host: str) -> EgressRefusedError:
    """The one refusal of a name, whether it resolves to a refused address or not at
    all: no address, no difference between the two (see the module's doc)."""
    return EgressRefusedError(
        f"refused: {host} does not resolve to a public address", hint=_REFUSED_HINT
    )


class Egress:
    """The egress gate: vet a URL, then request it at the vetted addresses only."""

    def __init__(
        self,
        policy: EgressPolicy,
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
        user_agent: str = "likeness-ledger",
    ) -> None:
        self.policy = policy
        self._resolver = resolver or SystemResolver()
        self._ssl_context = ssl_context
        self._user_agent = user_agent
        # Bounds the lookup threads: a name server that never answers strands at most
        # this many; further lookups wait for a slot, and time out, within their deadline.
        self._lookups = threading.BoundedSemaphore(MAX_LOOKUPS)

    def vet(self, url: str, *, deadline: float = DEFAULT_DEADLINE) -> VettedTarget:
        """Parse ``url``, resolve its host once (waiting at most ``deadline`` seconds),
        refuse it unless every address is allowed.

        Raises ``EgressRefusedError`` (a bad URL, an address in the URL that is refused,
        or a name that does not resolve to public addresses only: one message whether it
        resolves to a refused address or not at all, naming no address; the detail is
        logged) or ``EgressTimeoutError`` (no answer from the resolver in time)."""
        return self._vet(url, _Deadline(deadline))

    def send(
        self,
        method: str,
        url: str,
        *,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        deadline: float = DEFAULT_DEADLINE,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> EgressResponse:
        """``vet`` then ``request``, under one deadline of ``deadline`` seconds for the
        lookup, the connection and the answer together."""
        clock = _Deadline(deadline)
        target = self._vet(url, clock)
        return self._request(method, target, clock, body, headers, max_body)

    def _vet(self, url: str, clock: _Deadline) -> VettedTarget:
        parsed = _parse(url)
        literal = _literal(parsed.host)
        if literal is not None:
            addresses: Sequence[IPAddress] = [literal]
        else:
            try:
                addresses = self._resolve(parsed.host, parsed.port, clock)
            except (OSError, UnicodeError):
                addresses = []
            if not addresses:
                _log.warning("egress refused %r: it does not resolve", parsed.host)
                raise _refused_name(parsed.host)
        for address in addresses:
            reason = self.policy.refusal(address)
            if reason is None:
                continue
            if literal is not None:  # the caller wrote the address: nothing to hide
                raise EgressRefusedError(
                    f"refused: {reason} is not a public address", hint=_REFUSED_HINT
                )
            _log.warning("egress refused %r: resolves to %s", parsed.host, reason)
            raise _refused_name(parsed.host)
        return VettedTarget(
            url=url,
            scheme=parsed.scheme,
            host=parsed.host,
            port=parsed.port,
            target=parsed.target,
            addresses=tuple(normalise(a) for a in addresses),
        )

    def _resolve(self, host: str, port: int, clock: _Deadline) -> Sequence[IPAddress]:
        """The resolver's answer, waited for until the deadline at most. The lookup runs
        on a thread of its own, since ``getaddrinfo`` cannot be interrupted; one that
        answers too late is left to finish, its answer dropped."""
        late = EgressTimeoutError(
            f"{host}: no answer from the resolver within {clock.seconds:g} s",
            hint="the name server is slow or unreachable; the attempt is retried",
        )
        if not self._lookups.acquire(timeout=clock.left()):
            raise late
        answer: Future[Sequence[IPAddress]] = Future()

        def lookup() -> None:
            try:
                answer.set_result(self._resolver.resolve(host, port))
            except BaseException as exc:  # handed to the waiting caller, if still waiting
                answer.set_exception(exc)
            finally:
                self._lookups.release()

        threading.Thread(target=lookup, name="likeness-resolve", daemon=True).start()
        try:
            return answer.result(timeout=clock.left())
        except TimeoutError:
            raise late from None

    def request(
        self,
        method: str,
        target: VettedTarget,
        *,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        deadline: float = DEFAULT_DEADLINE,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> EgressResponse:
        """One request to ``target``'s vetted addresses, within ``deadline`` seconds in all.

        Raises ``EgressTimeoutError`` when the deadline passes and ``EgressError`` when the
        connection fails or the answer is not HTTP; a 3xx is returned, never followed."""
        return self._request(method, target, _Deadline(deadline), body, headers, max_body)

    def _request(
        self,
        method: str,
        target: VettedTarget,
        clock: _Deadline,
        body: bytes,
        headers: Mapping[str, str] | None,
        max_body: int,
    ) -> EgressResponse:
        deadline = clock.left()
        sent = [(k.lower(), v) for k, v in (headers or {}).items()]
        names = {k for k, _ in sent}
        sent = [(k, v) for k, v in sent if k not in ("host", "content-length", "connection")]
        sent += [
            ("host", target.host_header),
            ("content-length", str(len(body))),
            ("connection", "close"),
        ]
        if "user-agent" not in names:
            sent.append(("user-agent", self._user_agent))
        url = httpcore.URL(
            scheme=target.scheme.encode(),
            host=target.host.encode(),
            port=target.port,
            target=target.target.encode(),
        )
        pool = httpcore.ConnectionPool(
            ssl_context=self._tls() if target.scheme == "https" else None,
            max_connections=1,
            retries=0,
            network_backend=_PinnedBackend(target.addresses, clock),
        )
        timeouts = {"connect": deadline, "read": deadline, "write": deadline, "pool": deadline}
        with pool, _mapped_failures(target, clock):
            with pool.stream(
                method.upper().encode(),
                url,
                headers=[(k.encode(), v.encode()) for k, v in sent],
                content=body,
                extensions={"timeout": timeouts},
            ) as answer:
                kept, truncated = _read_capped(answer.iter_stream(), max_body)
            return EgressResponse(
                status=answer.status,
                elapsed=time.monotonic() - clock.started,
                body=kept,
                truncated=truncated,
                content_type=_header(answer.headers, b"content-type").lower(),
            )

    def _tls(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context


def _header(headers: Sequence[tuple[bytes, bytes]], name: bytes) -> str:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return ""


def _read_capped(chunks: Iterable[bytes], max_body: int) -> tuple[bytes, bool]:
    """At most ``max_body`` bytes; the rest is neither read nor waited for."""
    kept = bytearray()
    for chunk in chunks:
        room = max_body - len(kept)
        kept += chunk[:room]
        if len(chunk) > room:
            return bytes(kept), True
    return bytes(kept), False
