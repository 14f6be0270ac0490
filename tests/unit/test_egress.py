"""The egress gate's policy and URL vetting: which addresses are refused, what an
allow-list admits, and that a name is resolved once per vetting (no sockets here; the
connection itself is tested in tests/integration/test_egress.py)."""

from __future__ import annotations

import ipaddress
import logging
import time

import pytest

from likeness.egress import Egress, EgressPolicy, SystemResolver, normalise
from likeness.errors import (
    ConfigurationError,
    EgressError,
    EgressRefusedError,
    EgressTimeoutError,
    InvalidInputError,
)
from likeness.testing import FakeResolver
from likeness.testing.resolver import SlowResolver

# Every class of address that is not a public unicast one, with the reason the
# refusal gives (the cloud metadata endpoints among them).
REFUSED = [
    ("10.0.0.1", "private"),
    ("10.255.255.254", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.254", "private"),
    ("192.168.1.1", "private"),
    ("100.64.0.1", "not globally routable"),  # shared address space (carrier-grade NAT)
    ("100.127.255.254", "not globally routable"),
    ("169.254.169.254", "link-local"),  # AWS, GCP, Azure, OpenStack instance metadata
    ("169.254.170.2", "link-local"),  # AWS ECS task metadata
    ("fd00:ec2::254", "private"),  # AWS instance metadata over IPv6 (fc00::/7)
    ("fd00::1", "private"),
    ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local"),
    ("fec0::1", "site-local"),
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped: judged as the IPv4 address
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:169.254.169.254", "link-local"),
    ("2002:7f00:1::1", "carries 127.0.0.1, loopback"),  # 6to4
    ("2002:a9fe:a9fe::1", "carries 169.254.169.254, link-local"),
    ("64:ff9b::a00:1", "carries 10.0.0.1, private"),  # NAT64
    ("192.0.2.1", "private"),  # documentation
    ("198.18.0.1", "private"),  # benchmarking
    ("240.0.0.1", "private"),  # reserved
    ("255.255.255.255", "private"),  # broadcast
    ("2001:db8::1", "private"),  # documentation
]
REFUSED_NAME = "refused: hooks.example.test does not resolve to a public address"
PUBLIC = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


def gate(*allow: str, names: dict[str, list[str]] | None = None) -> tuple[Egress, FakeResolver]:
    resolver = FakeResolver(names)
    return Egress(EgressPolicy.from_cidrs(allow), resolver=resolver), resolver


@pytest.mark.parametrize(("address", "reason"), REFUSED, ids=[a for a, _ in REFUSED])
def test_a_name_that_resolves_to_a_non_public_address_is_refused(
    address: str, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    egress, _ = gate(names={"hooks.example.test": [address]})
    with (
        caplog.at_level(logging.WARNING, "likeness.egress"),
        pytest.raises(EgressRefusedError) as refused,
    ):
        egress.vet("https://hooks.example.test/hook")
    # The caller is told no address (it may be an internal one: the server's DNS
    # is nobody else's business); the server's log says which and why.
    assert refused.value.message == REFUSED_NAME
    assert "LIKENESS_EGRESS_ALLOW" in (refused.value.hint or "")
    assert isinstance(refused.value, InvalidInputError)  # 422 when a subscriber gives it
    shown = normalise(ipaddress.ip_address(address))  # ::ffff:a.b.c.d is told as a.b.c.d
    [logged] = caplog.messages
    assert logged.startswith(f"egress refused 'hooks.example.test': resolves to {shown} (")
    assert f"({reason})" in logged


@pytest.mark.parametrize(("address", "reason"), REFUSED, ids=[a for a, _ in REFUSED])
def test_an_address_written_in_the_url_is_refused_without_a_lookup(
    address: str, reason: str
) -> None:
    egress, resolver = gate()
    host = f"[{address.replace('%', '%25')}]" if ":" in address else address
    with pytest.raises(EgressRefusedError, match=r"^refused: .* is not a public address$"):
        egress.vet(f"http://{host}:8080/hook")
    assert resolver.lookups == []


@pytest.mark.parametrize("address", PUBLIC)
def test_a_public_address_passes_and_is_the_one_to_connect_to(address: str) -> None:
    egress, resolver = gate(names={"hooks.example.test": [address]})
    target = egress.vet("https://Hooks.Example.Test/hook?x=1#frag")
    assert target.host == "hooks.example.test"
    assert target.port == 443 and target.target == "/hook?x=1"
    mapped = ipaddress.IPv6Address(address).ipv4_mapped if ":" in address else None
    assert target.addresses == (mapped or ipaddress.ip_address(address),)
    assert resolver.lookups == ["hooks.example.test"]  # once


def test_one_refused_address_among_public_ones_refuses_the_name(
    caplog: pytest.LogCaptureFixture,
) -> None:
    egress, _ = gate(names={"hooks.example.test": ["93.184.215.14", "10.0.0.1", "8.8.8.8"]})
    with (
        caplog.at_level(logging.WARNING, "likeness.egress"),
        pytest.raises(EgressRefusedError, match=f"^{REFUSED_NAME}$"),
    ):
        egress.vet("http://hooks.example.test/")
    assert "resolves to 10.0.0.1 (private)" in caplog.text


@pytest.mark.parametrize(
    ("network", "admitted", "refused"),
    [
        ("127.0.0.1/32", ["127.0.0.1", "::ffff:127.0.0.1"], ["127.0.0.2", "::1", "10.0.0.1"]),
        ("10.20.0.0/16", ["10.20.0.1", "10.20.255.254"], ["10.21.0.1", "10.19.255.255"]),
        ("169.254.0.0/16", ["169.254.1.1"], ["10.0.0.1", "fe80::1"]),
        ("fd00:1::/64", ["fd00:1::5"], ["fd00:2::5", "fd00::1"]),
    ],
)
def test_an_allow_list_admits_exactly_its_network(
    network: str, admitted: list[str], refused: list[str]
) -> None:
    policy = EgressPolicy.from_cidrs([network])
    for address in admitted:
        assert policy.refusal(ipaddress.ip_address(address)) is None, address
    for address in refused:
        assert policy.refusal(ipaddress.ip_address(address)) is not None, address
    assert policy.refusal(ipaddress.ip_address("8.8.8.8")) is None  # public stays public


def test_nothing_private_is_allowed_by_default() -> None:
    assert EgressPolicy().allow == ()
    assert EgressPolicy.from_cidrs(()).refusal(ipaddress.ip_address("127.0.0.1")) is not None


@pytest.mark.parametrize("cidr", ["10.0.0.1/8", "127.0.0.1/33", "localhost", "", "10.0.0.0/8,"])
def test_a_malformed_allow_list_names_the_setting(cidr: str) -> None:
    with pytest.raises(ConfigurationError, match=r"^LIKENESS_EGRESS_ALLOW: "):
        EgressPolicy.from_cidrs([cidr])


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("ftp://hooks.example.test/", "not an http(s) URL"),
        ("file:///etc/passwd", "not an http(s) URL"),
        ("http:///path-only", "not an http(s) URL"),
        ("hooks.example.test/hook", "not an http(s) URL"),
        ("http://user:pw@hooks.example.test/", "user information"),
        ("http://93.184.215.14@127.0.0.1/", "user information"),
        ("http://hooks.example.test:0/", "port 0"),
        ("http://hooks.example.test:99999/", "not a valid URL"),
        ("http://hooks.example.test/a b", "spaces or control characters"),
        ("http://hooks.example.test/" + "a" * 2000, "longer than 2000"),
    ],
)
def test_a_malformed_url_is_refused_before_any_lookup(url: str, said: str) -> None:
    egress, resolver = gate(names={"hooks.example.test": ["93.184.215.14"]})
    with pytest.raises(EgressRefusedError, match=said.replace("(", r"\(").replace(")", r"\)")):
        egress.vet(url)
    assert resolver.lookups == []


def test_a_name_that_does_not_resolve_is_told_as_a_refused_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An internal name and a name that does not exist get the same answer (message,
    hint, type): otherwise the answers map the server's internal DNS for whoever asks."""
    egress, _ = gate(names={"vault.corp.internal": ["10.20.30.40"]})
    answers = []
    with caplog.at_level(logging.WARNING, "likeness.egress"):
        for host in ("vault.corp.internal", "nosuch.corp.internal"):
            with pytest.raises((EgressError, EgressRefusedError)) as failed:
                egress.vet(f"https://{host}/x")
            answers.append((type(failed.value), failed.value.message, failed.value.hint))
    (kind, vault, hint), nosuch = answers
    assert kind is EgressRefusedError
    assert vault == "refused: vault.corp.internal does not resolve to a public address"
    assert nosuch == (kind, vault.replace("vault", "nosuch"), hint)
    assert "10.20.30.40" not in vault + (hint or "")
    assert "resolves to 10.20.30.40 (private)" in caplog.text  # the operator's detail
    assert "'nosuch.corp.internal': it does not resolve" in caplog.text


def test_each_vetting_resolves_again_and_sees_a_changed_answer() -> None:
    egress, resolver = gate("127.0.0.1/32", names={"hooks.example.test": ["127.0.0.1"]})
    assert egress.vet("http://hooks.example.test/").addresses == (
        ipaddress.IPv4Address("127.0.0.1"),
    )
    resolver.answer("hooks.example.test", "10.0.0.5")
    with pytest.raises(EgressRefusedError, match=f"^{REFUSED_NAME}$"):
        egress.vet("http://hooks.example.test/")
    assert resolver.lookups == ["hooks.example.test", "hooks.example.test"]


def test_host_headers_and_international_names() -> None:
    egress, _ = gate("127.0.0.1/32", names={"xn--bcher-kva.example": ["93.184.215.14"]})
    target = egress.vet("https://bücher.example:8443/")
    assert target.host == "xn--bcher-kva.example"
    assert target.host_header == "xn--bcher-kva.example:8443"
    assert egress.vet("http://127.0.0.1/").host_header == "127.0.0.1"
    literal = Egress(EgressPolicy.from_cidrs(["::1/128"])).vet("http://[::1]:8080/")
    assert literal.host_header == "[::1]:8080"


def test_the_system_resolver_answers_for_this_machine() -> None:
    found = SystemResolver().resolve("localhost", 80)
    assert found and all(address.is_loopback for address in found)


@pytest.mark.parametrize("how", ["vet", "send"])
def test_a_slow_resolver_is_cut_off_at_the_deadline(how: str) -> None:
    resolver = SlowResolver(5.0)
    egress = Egress(EgressPolicy.from_cidrs(["127.0.0.1/32"]), resolver=resolver)
    started = time.monotonic()
    try:
        with pytest.raises(EgressTimeoutError) as failed:
            if how == "vet":
                egress.vet("http://slow.example.test/hook", deadline=0.3)
            else:
                egress.send("POST", "http://slow.example.test/hook", deadline=0.3)
        took = time.monotonic() - started
    finally:
        resolver.release.set()
    assert 0.3 <= took < 0.8  # the deadline, not the resolver's 5 s
    assert failed.value.message == "slow.example.test: no answer from the resolver within 0.3 s"
