"""The egress gate's connections, against servers on 127.0.0.1 (allow-listed): the vetted
address is the one reached, with the URL's Host header, SNI name and certificate check;
one deadline for the whole attempt; the answer read capped; redirects not followed; and
nothing a server sends reaches an error message."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from likeness.egress import Egress, EgressPolicy
from likeness.errors import EgressError, EgressTimeoutError
from likeness.testing import FakeResolver
from tests.loopback_only import watch_connections
from tests.loopback_server import serve_connections

LOOPBACK = EgressPolicy.from_cidrs(["127.0.0.1/32"])


def read_request(conn: socket.socket) -> bytes:
    """A whole request: its head, then as many bytes as its content-length says (a server
    that answered and closed with bytes unread would reset the connection)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@contextmanager
def raw_server(answer: Callable[[socket.socket, bytes], None]) -> Iterator[tuple[int, list[bytes]]]:
    """A TCP server on 127.0.0.1: each connection's request (its first read) is recorded
    and ``answer(connection, request)`` writes whatever the test needs, however slowly."""
    listener = socket.create_server(("127.0.0.1", 0))
    requests: list[bytes] = []
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            request = read_request(conn)
            requests.append(request)
            with suppress(OSError):
                answer(conn, request)

    serve_connections(listener, serve, stop)
    try:
        yield listener.getsockname()[1], requests
    finally:
        stop.set()
        listener.close()


def answers(data: bytes) -> Callable[[socket.socket, bytes], None]:
    return lambda conn, _: conn.sendall(data)


def drips(head: bytes) -> Callable[[socket.socket, bytes], None]:
    def answer(conn: socket.socket, _request: bytes) -> None:
        conn.sendall(head)
        for _ in range(600):  # a byte every 50 ms for 30 s: far past any deadline here
            time.sleep(0.05)
            conn.sendall(b"a")

    return answer


def header(request: bytes, name: str) -> str:
    for line in request.split(b"\r\n")[1:]:
        key, _, value = line.decode().partition(":")
        if key.lower() == name:
            return value.strip()
    raise AssertionError(f"no {name} header in {request!r}")


def test_the_vetted_address_is_the_one_reached_without_a_second_lookup() -> None:
    resolver = FakeResolver({"hooks.example.test": ["127.0.0.1"]})
    egress = Egress(LOOPBACK, resolver=resolver)
    with raw_server(answers(b"HTTP/1.1 204 No Content\r\n\r\n")) as (port, requests):
        target = egress.vet(f"http://hooks.example.test:{port}/hook?v=1")
        resolver.answer("hooks.example.test", "10.0.0.5")  # rebound after vetting
        with watch_connections() as connections:
            answer = egress.request(
                "POST", target, body=b'{"a": 1}', headers={"webhook-id": "msg_1"}
            )
    assert answer.status == 204
    assert resolver.lookups == ["hooks.example.test"]
    assert connections == [("127.0.0.1", port)]
    [request] = requests
    assert request.startswith(b"POST /hook?v=1 HTTP/1.1\r\n")
    assert header(request, "host") == f"hooks.example.test:{port}"
    assert header(request, "webhook-id") == "msg_1"
    assert request.endswith(b'\r\n\r\n{"a": 1}')


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nx-slow: ",  # the head never ends
        b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n",  # the body never ends
    ],
    ids=["head", "body"],
)
def test_a_receiver_that_drips_is_cut_off_at_the_overall_deadline(head: bytes) -> None:
    egress = Egress(LOOPBACK)
    with raw_server(drips(head)) as (port, _):
        target = egress.vet(f"http://127.0.0.1:{port}/")
        started = time.monotonic()
        with pytest.raises(EgressTimeoutError, match=r"no complete answer within 0\.5 s"):
            egress.request("POST", target, body=b"{}", deadline=0.5)
        took = time.monotonic() - started
    assert 0.5 <= took < 1.0  # each byte came well within any per-read timeout


def test_the_answer_is_read_up_to_the_cap_and_no_further() -> None:
    def endless(conn: socket.socket, _: bytes) -> None:
        conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\n\r\n")  # read to close
        while True:
            conn.sendall(b"x" * 16384)

    egress = Egress(LOOPBACK)
    with raw_server(endless) as (port, _):
        target = egress.vet(f"http://127.0.0.1:{port}/")
        answer = egress.request("POST", target, body=b"{}", max_body=65536, deadline=5)
    assert answer.status == 500
    assert len(answer.body) == 65536 and answer.truncated
    assert answer.elapsed < 5


def test_a_redirect_is_returned_not_followed() -> None:
    egress = Egress(LOOPBACK)
    with raw_server(answers(b"HTTP/1.1 204 No Content\r\n\r\n")) as (elsewhere, reached):
        moved = (
            f"HTTP/1.1 307 Temporary Redirect\r\nlocation: http://127.0.0.1:{elsewhere}/\r\n"
            "content-length: 0\r\n\r\n"
        )
        with raw_server(answers(moved.encode())) as (port, _):
            answer = egress.request("POST", egress.vet(f"http://127.0.0.1:{port}/"), body=b"{}")
    assert answer.status == 307
    assert reached == []


def test_what_a_broken_server_sends_never_reaches_the_error() -> None:
    egress = Egress(LOOPBACK)
    garbage = b"HTTP/1.1 200 OK\r\ninternal-admin-token 7f3c9a1e\r\n\r\n"  # not a header
    with raw_server(answers(garbage)) as (port, _), pytest.raises(EgressError) as failed:
        egress.request("POST", egress.vet(f"http://127.0.0.1:{port}/"), body=b"{}")
    assert failed.value.message == "127.0.0.1: the answer was not valid HTTP"
    assert "7f3c9a1e" not in failed.value.diagnostics()


def test_a_refused_connection_is_an_egress_error() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # nobody listens here once it is closed
    egress = Egress(LOOPBACK)
    with pytest.raises(EgressError, match="the connection failed"):
        egress.request("POST", egress.vet(f"http://127.0.0.1:{port}/"), body=b"{}")


# -- TLS: the name of the URL is the one verified, the vetted address the one reached -----


def certificate_authority(tmp_path: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A fresh CA and a server certificate for ``name``: (server context, client context
    that trusts only that CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def issue(
        subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, signer: object, ca: bool
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())  # type: ignore[arg-type]

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Likeness test CA")])
    ca = issue("Likeness test CA", ca_key, ca_name, ca_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = issue(name, leaf_key, ca_name, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (tmp_path / "leaf.key").write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "leaf.key")
    client = ssl.create_default_context(cadata=ca.public_bytes(pem).decode())
    return server, client


@contextmanager
def tls_server(context: ssl.SSLContext) -> Iterator[tuple[int, list[str | None]]]:
    """An HTTPS server on 127.0.0.1 answering 200; lists the SNI name of each handshake."""
    names: list[str | None] = []
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)

    def answer(conn: socket.socket, _: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")

    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        try:
            with context.wrap_socket(conn, server_side=True) as tls:
                answer(tls, read_request(tls))
        except (OSError, ssl.SSLError):
            return

    serve_connections(listener, serve, stop)
    try:
        yield listener.getsockname()[1], names
    finally:
        stop.set()
        listener.close()


def test_tls_verifies_the_urls_name_while_connecting_to_the_vetted_address(
    tmp_path: Path,
) -> None:
    server, client = certificate_authority(tmp_path, "hooks.example.test")
    resolver = FakeResolver(
        {"hooks.example.test": ["127.0.0.1"], "other.example.test": ["127.0.0.1"]}
    )
    egress = Egress(LOOPBACK, resolver=resolver, ssl_context=client)
    with tls_server(server) as (port, names):
        answer = egress.request(
            "POST", egress.vet(f"https://hooks.example.test:{port}/"), body=b"{}"
        )
        assert answer.status == 200 and answer.body == b"ok"
        assert names == ["hooks.example.test"]  # SNI: the URL's name, not the address
        with pytest.raises(EgressError, match="certificate not trusted"):
            egress.request("POST", egress.vet(f"https://other.example.test:{port}/"), body=b"{}")
    assert (
        ipaddress.ip_address("127.0.0.1")
        in egress.vet(f"https://hooks.example.test:{port}/").addresses
    )
