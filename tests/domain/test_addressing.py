"""M-09: what an operator may type where a machine asks for an address, and the fleet's own loopback addresses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfp_console.domain.addressing import (
    AddressKind,
    TypedAddress,
    is_loopback,
    nth_address,
)
from mfp_console.errors import RuleRefusal


@pytest.mark.rules("M-09")
@pytest.mark.parametrize("text, host, port, kind", [
    ("127.20.0.11", "127.20.0.11", None, AddressKind.IPV4),
    (" 192.168.18.138:8443 ", "192.168.18.138", 8443, AddressKind.IPV4),
    ("client-a", "client-a", None, AddressKind.HOST_NAME),
    ("CLIENT-A.", "client-a", None, AddressKind.HOST_NAME),  # host names ignore case and a final dot
    ("v4.server.canon.com:8443", "v4.server.canon.com", 8443, AddressKind.HOST_NAME),
    ("localhost", "localhost", None, AddressKind.LOCALHOST),
    ("LocalHost:8443", "localhost", 8443, AddressKind.LOCALHOST),
    ("fe80::65f0:82cb:b3d6:e6bc", "fe80::65f0:82cb:b3d6:e6bc", None, AddressKind.IPV6),
    ("[::1]:8443", "::1", 8443, AddressKind.IPV6),
])
def test_m09_an_ipv4_address_a_host_name_or_localhost_with_an_optional_port(
        text: str, host: str, port: int | None, kind: AddressKind) -> None:
    typed = TypedAddress.parse(text)
    assert (typed.host, typed.port, typed.kind) == (host, port, kind)


@pytest.mark.rules("M-09")
@pytest.mark.parametrize("text, words", [
    ("", "Enter an IPv4 address"),
    ("256.1.1.1", "not an IPv4 address"),
    ("10.1", "not an IPv4 address"),  # no guessing what a short form means
    ("a b", "not an IPv4 address, a host name or localhost"),
    ("-client", "not an IPv4 address, a host name or localhost"),
    ("smb://host/share", "without a scheme"),
    ("client-a:0", "1 to 65535"),
    ("client-a:65536", "1 to 65535"),
    ("client-a:８４４３", "1 to 65535"),  # full-width digits are not a port
    (":8443", "no host"),
    ("[::1", "IPv6"),
    ("[client-a]:8443", "not an IPv6 address"),
])
def test_m09_anything_else_is_refused_with_the_reason(text: str, words: str) -> None:
    with pytest.raises(RuleRefusal) as info:
        TypedAddress.parse(text)
    assert info.value.rule_id == "M-09" and words in info.value.reason


def test_a_screen_names_its_own_rule_in_the_refusal() -> None:
    with pytest.raises(RuleRefusal) as info:
        TypedAddress.parse("no good", "SYNC-01")
    assert info.value.rule_id == "SYNC-01"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_read_or_refused_never_an_exception(text: str) -> None:
    try:
        typed = TypedAddress.parse(text)
    except RuleRefusal:
        return
    assert TypedAddress.parse(str(typed)) == typed  # what is read can be written back and read the same


@pytest.mark.rules("M-07")
@pytest.mark.parametrize("host, loopback", [
    ("localhost", True), ("127.0.0.1", True), ("127.20.0.11", True), ("::1", True), ("[::1]", True),
    ("192.0.2.1", False), ("client-a", False), ("128.0.0.1", False),
])
def test_m07_loopback_is_localhost_127_8_and_v6_one(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.rules("M-09")
def test_m09_the_fleet_numbers_its_own_addresses_skipping_0_and_255() -> None:
    assert [nth_address("127.20.0.11", i) for i in range(3)] == ["127.20.0.11", "127.20.0.12", "127.20.0.13"]
    assert nth_address("127.20.0.11", 243) == "127.20.0.254"
    assert nth_address("127.20.0.11", 244) == "127.20.1.1"  # .255 and .0 are never a machine's
    assert nth_address("127.20.0.11", 10_000) == "127.20.39.105"  # (10 + 10,000) = 39 × 254 + 104


@pytest.mark.rules("M-07")
@pytest.mark.parametrize("first", ["10.0.0.1", "127.0.0.0", "127.1.2.255", "not-an-address"])
def test_m07_the_first_address_lies_in_127_8(first: str) -> None:
    with pytest.raises(RuleRefusal) as info:
        nth_address(first, 0)
    assert info.value.rule_id == "M-07"


def test_a_fleet_cannot_run_past_the_end_of_127_8() -> None:
    with pytest.raises(RuleRefusal, match="too many machines"):
        nth_address("127.255.255.250", 10)
