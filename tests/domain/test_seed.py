"""Deterministic seed data per profile, shaped for the DID rules it demonstrates (DID-13..DID-17)."""

from __future__ import annotations

from collections import Counter

import pytest

from mfp_console.domain.device_info import Category, DeviceInformation
from mfp_console.domain.device_info_json import (
    device_info_from_json,
    device_info_to_json,
)
from mfp_console.domain.distribution_rules import NON_DELIVERABLE_KEYS
from mfp_console.domain.seed import (
    BENCH_MIN_BYTES,
    bundle_size_bytes,
    seed_device_information,
)
from mfp_console.errors import ConfigError


@pytest.fixture(scope="module")
def host() -> DeviceInformation:
    return seed_device_information("host", "host")


@pytest.fixture(scope="module")
def client() -> DeviceInformation:
    return seed_device_information("client", "client-a")


def test_seed_is_deterministic_and_varies_with_seed_and_name() -> None:
    assert seed_device_information("host", "host") == seed_device_information("host", "host")
    assert seed_device_information("host", "host", 1) != seed_device_information("host", "host")
    assert seed_device_information("host", "host-2") != seed_device_information("host", "host")


def test_seed_does_not_touch_the_global_random() -> None:
    import random

    random.seed(12345)
    expected = random.random()
    random.seed(12345)
    seed_device_information("client", "client-a")
    assert random.random() == expected


@pytest.mark.rules("DID-13")
def test_did13_host_address_book_is_realistic(host: DeviceInformation) -> None:
    book = host.address_book
    assert 50 <= len(book.entries) <= 80
    kinds = Counter(e.kind for e in book.entries)
    assert set(kinds) == {"e-mail", "fax", "i-fax", "file", "group"}
    assert [e.number for e in book.entries] == list(range(1, len(book.entries) + 1))
    numbers = {e.number for e in book.entries}
    for entry in book.entries:
        if entry.kind == "group":
            assert {int(m) for m in entry.address.split(",")} <= numbers
        if entry.kind == "e-mail":
            assert entry.address.split("@")[1].endswith(("example.com", "example.net", "example.org"))
    assert 4 <= len(book.forwarding) <= 6 and all(f.destination in numbers for f in book.forwarding)
    assert 6 <= len(book.favourites) <= 10


@pytest.mark.rules("DID-14")
def test_did14_departments_overlap_partly(host: DeviceInformation, client: DeviceInformation) -> None:
    host_ids = {d.dept_id for d in host.department_ids.departments}
    client_ids = {d.dept_id for d in client.department_ids.departments}
    assert len(host.department_ids.departments) == 6
    assert host_ids & client_ids and client_ids - host_ids and host_ids - client_ids
    for dept in host.department_ids.departments:
        assert dept.password_hash.startswith("sha256:") and len(dept.dept_id) == 7
        assert dept.counters.total == dept.counters.color + dept.counters.black > 0
    assert host.department_ids.system_manager.name


@pytest.mark.rules("DID-15")
def test_did15_printer_settings_and_paper_types(host: DeviceInformation, client: DeviceInformation) -> None:
    assert 35 <= len(host.printer_settings) <= 45
    assert 10 <= len(host.paper_types) <= 14
    assert len(client.printer_settings) < len(host.printer_settings)
    assert {p.name for p in host.paper_types}.isdisjoint({p.name for p in client.paper_types})


@pytest.mark.rules("DID-16")
def test_did16_settings_values_flags(host: DeviceInformation) -> None:
    values = host.settings_values
    assert 280 <= len(values) <= 340
    keys = [s.key for s in values]
    assert len(keys) == len(set(keys))
    assert NON_DELIVERABLE_KEYS <= set(keys)
    for item in values:
        if item.key in NON_DELIVERABLE_KEYS:
            assert not item.deliverable
    groups = {k.split("/")[1] for k in keys if k.startswith("Preferences/")}
    assert {"Timer", "Display", "Network", "Paper Settings"} <= groups
    network = [s for s in values if s.network]
    assert len(network) >= 30 and all(s.key.startswith("Preferences/Network/") for s in network)
    assert host.setting("Management Settings/Device Management/Device Name") == "host"


@pytest.mark.rules("DID-16")
def test_did16_client_is_different_and_smaller(host: DeviceInformation, client: DeviceInformation) -> None:
    assert len(client.address_book.entries) < len(host.address_book.entries)
    assert len(client.settings_values) < len(host.settings_values)
    host_values = host.settings_map()
    differing = [s for s in client.settings_values
                 if s.key in host_values and host_values[s.key].value != s.value]
    assert len(differing) > 50
    assert client.setting("Management Settings/Device Management/Device Name") == "client-a"


@pytest.mark.rules("DID-17")
def test_did17_inbox_url_send_is_set(host: DeviceInformation, client: DeviceInformation) -> None:
    assert host.inbox_url_send.enabled and len(host.inbox_url_send.entries) == 2
    assert not client.inbox_url_send.is_clear


def test_empty_profile_has_nothing() -> None:
    assert seed_device_information("empty", "x") == DeviceInformation()


def test_bench_profile_weighs_more_than_1_1_mib() -> None:
    bench = seed_device_information("bench", "host")
    assert bundle_size_bytes(bench) >= BENCH_MIN_BYTES
    assert len(bench.address_book.entries) >= 1000


def test_seed_round_trips_the_shared_json_encoding(host: DeviceInformation) -> None:
    assert device_info_from_json(device_info_to_json(host)) == host
    assert set(device_info_to_json(host)) == {c.value for c in Category} | {"inbox_url_send"}


def test_unknown_profile_suggests_the_nearest() -> None:
    with pytest.raises(ConfigError, match="did you mean 'client'"):
        seed_device_information("clinet", "x")
