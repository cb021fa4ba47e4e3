"""<Register Destinations> and <Auto Search/Register> (DID-02), list order (DID-06)."""

from __future__ import annotations

import pytest

from mfp_console.domain.destinations import Destination, DestinationList, auto_search
from mfp_console.errors import RuleRefusal

A = Destination("client-a", "192.0.2.21")
B = Destination("client-b", "192.0.2.22")


@pytest.mark.rules("DID-02", "DID-06")
def test_did02_register_keeps_order_did06() -> None:
    destinations = DestinationList().add(B).add(A)
    assert destinations.names() == ("client-b", "client-a")
    assert list(destinations) == [B, A] and len(destinations) == 2
    assert "CLIENT-A" in destinations and destinations.get("client-a") is A


@pytest.mark.rules("DID-02")
def test_did02_duplicate_address_refused_naming_the_existing_entry() -> None:
    destinations = DestinationList().add(A)
    with pytest.raises(RuleRefusal) as caught:
        destinations.add(Destination("other", "192.0.2.21"))
    assert caught.value.rule_id == "DID-02"
    assert "already registered as 'client-a'" in caught.value.reason


@pytest.mark.rules("DID-02")
def test_did02_duplicate_name_refused() -> None:
    with pytest.raises(RuleRefusal, match="already used"):
        DestinationList().add(A).add(Destination("Client-A", "192.0.2.99"))


@pytest.mark.rules("DID-02")
def test_did02_same_address_other_port_is_another_machine() -> None:
    destinations = DestinationList().add(Destination("p1", "127.0.0.1", 9001)).add(
        Destination("p2", "127.0.0.1", 9002))
    assert len(destinations) == 2


@pytest.mark.rules("DID-02")
def test_did02_limit_of_100_by_default_and_configurable() -> None:
    destinations = DestinationList()
    for n in range(100):
        destinations = destinations.add(Destination(f"m{n}", f"10.0.0.{n}"))
    with pytest.raises(RuleRefusal, match="At most 100 destinations"):
        destinations.add(Destination("m100", "10.0.1.1"))
    small = DestinationList(limit=1).add(A)
    with pytest.raises(RuleRefusal, match="At most 1 destinations"):
        small.add(B)


@pytest.mark.rules("DID-02")
def test_did02_delete_removes_and_keeps_order() -> None:
    c = Destination("client-c", "192.0.2.23")
    destinations = DestinationList().add(A).add(B).add(c).delete("client-b")
    assert destinations.names() == ("client-a", "client-c")
    with pytest.raises(RuleRefusal, match="No destination named 'client-b'"):
        destinations.delete("client-b")


@pytest.mark.rules("DID-02")
@pytest.mark.parametrize(("name", "address", "port"), [("", "x", 0), ("n", " ", 0), ("n", "x", 70000)])
def test_did02_destination_fields_are_checked(name: str, address: str, port: int) -> None:
    with pytest.raises(RuleRefusal):
        Destination(name, address, port)


@pytest.mark.rules("DID-02")
def test_did02_round_trips_json() -> None:
    destinations = DestinationList(limit=50).add(A).add(Destination("h", "host.example.com", 8443, "h"))
    assert DestinationList.from_json(destinations.to_json()) == destinations


CANDIDATES = [("client-far", "192.0.2.40", 5), ("client-a", "192.0.2.21", 1), ("client-b", "192.0.2.22", 2),
              ("client-c", "192.0.2.23", 1)]


@pytest.mark.rules("DID-02")
def test_did02_auto_search_finds_machines_within_depth_nearest_first() -> None:
    found = auto_search(CANDIDATES, depth=2, display_host_name=True)
    assert [d.name for d in found] == ["client-a", "client-c", "client-b"]
    assert found[0].host_name == "client-a"
    assert [d.name for d in auto_search(CANDIDATES, 8, True)][-1] == "client-far"


@pytest.mark.rules("DID-02")
def test_did02_auto_search_without_host_names_uses_addresses() -> None:
    found = auto_search(CANDIDATES, depth=1, display_host_name=False)
    assert [d.name for d in found] == ["192.0.2.21", "192.0.2.23"]
    assert all(d.host_name == "" for d in found)


@pytest.mark.rules("DID-02")
@pytest.mark.parametrize("depth", [0, 9, -1])
def test_did02_search_depth_is_1_to_8(depth: int) -> None:
    with pytest.raises(RuleRefusal, match="1 to 8"):
        auto_search(CANDIDATES, depth, True)


@pytest.mark.rules("DID-02")
def test_did02_registering_found_machines_skips_duplicates() -> None:
    destinations, skipped = DestinationList().add(A).add_found(auto_search(CANDIDATES, 2, True))
    assert destinations.names() == ("client-a", "client-c", "client-b")
    assert len(skipped) == 1 and "client-a" in skipped[0]
