"""M-09 and M-07: every machine has an address of its own, every address field takes an IPv4 address, a host name
or localhost, and nothing outside loopback is dialled unless the fleet file says so."""

from __future__ import annotations

import asyncio
import errno
import socket
from pathlib import Path

import pytest

from mfp_console.clock import VirtualClock
from mfp_console.domain.device_info import Category
from mfp_console.domain.machine import PowerState
from mfp_console.engine.fleet import Fleet
from mfp_console.errors import ConfigError, RuleRefusal, ShareError
from mfp_console.fleet_file import default_fleet_text
from mfp_console.smb import ShareCredentials
from tests.addresses import AddressBlock

PIN = "7654321"


def network_setting(fleet: Fleet, name: str, item: str) -> str:
    """What the machine's own ``<Network Settings>`` show for ``item`` (``IPv4 Address``, ``Host Name``)."""
    values = fleet.data.device_info(name).settings_values
    return next(v.value for v in values if v.key.endswith(f"Network/{item}"))


def admin(fleet: Fleet, name: str = "host") -> None:
    if not fleet.panel.is_admin(name):
        fleet.panel.login_admin(name, PIN, PIN)


async def distribute(fleet: Fleet, destinations: list[str]) -> dict[str, str]:
    admin(fleet)
    fleet.distribution.start_manual_distribution("host", [Category.ADDRESS_BOOK], destinations)
    await fleet.settle()
    job = fleet.distribution.last_job("host")
    assert job is not None
    return {name: result.text for name, result in job.results.items()}


@pytest.mark.rules("M-09")
async def test_m09_network_settings_show_the_address_the_machine_really_listens_on(fleet: Fleet) -> None:
    rows = {row.name: row for row in fleet.status()}
    for name in fleet.spec.names:
        shown = network_setting(fleet, name, "IPv4 Address")
        assert shown == rows[name].ipv4 and shown.startswith("127.20.0.")
        assert network_setting(fleet, name, "Host Name") == name
        host, _, port = rows[name].address.rpartition(":")
        assert host == shown  # its own address; the port is 8443 unless another fleet on this computer holds it
        assert port == "8443" or "taken" in rows[name].note
        with socket.create_connection((host, int(port)), timeout=2):
            pass  # really listening there


@pytest.mark.rules("M-09")
async def test_m09_an_address_the_fleet_file_changes_shows_in_network_settings_after_a_restart(
        tmp_path: Path, clock: VirtualClock) -> None:
    state = tmp_path / "state"
    first = Fleet.from_file(None, state, clock, handshake_timeout=2.0)
    await first.start(only=["client-a"])
    assert network_setting(first, "client-a", "IPv4 Address") == "127.20.0.12"
    await first.stop()
    path = tmp_path / "fleet.yaml"
    path.write_text(_default_fleet_text().replace("  - name: client-a\n", "  - name: client-a\n    address: 127.31.9.60\n"))
    second = Fleet.from_file(path, state, clock, handshake_timeout=2.0)
    await second.start(only=["client-a"])
    try:
        assert network_setting(second, "client-a", "IPv4 Address") == "127.31.9.60"
        assert second.status()[1].address.startswith("127.31.9.60:")
    finally:
        await second.stop()


@pytest.mark.rules("M-09", "DID-02", "DID-04")
async def test_m09_destinations_registered_by_ipv4_address_and_by_host_name_receive_a_distribution(
        fleet: Fleet) -> None:
    admin(fleet)
    for name in ("client-a", "client-b", "client-c"):
        fleet.distribution.delete_destination("host", name)
    by_ip = fleet.distribution.register_destination("host", "sales", network_setting(fleet, "client-a", "IPv4 Address"))
    fleet.distribution.register_destination("host", "engineering", "CLIENT-B")
    fleet.distribution.register_destination("host", "reception", f"{network_setting(fleet, 'client-c', 'IPv4 Address')}:8443")
    assert by_ip.address == network_setting(fleet, "client-a", "IPv4 Address") and by_ip.port == 0
    assert fleet.distribution.resolve_destination(by_ip) == "client-a"

    assert await distribute(fleet, ["sales", "engineering", "reception"]) == {
        "sales": "OK", "engineering": "OK", "reception": "OK"}
    host_book = fleet.data.device_info("host").address_book
    for name in ("client-a", "client-b", "client-c"):
        assert fleet.data.device_info(name).address_book == host_book


@pytest.mark.rules("M-09", "DID-02")
async def test_m09_one_machine_is_registered_once_however_its_address_is_written(fleet: Fleet) -> None:
    admin(fleet)
    ip = network_setting(fleet, "client-c", "IPv4 Address")
    for text in (ip, f"{ip}:8443", "Client-C"):
        with pytest.raises(RuleRefusal) as info:
            fleet.distribution.register_destination("host", "again", text)
        assert info.value.rule_id == "DID-02" and "already registered as 'client-c'" in info.value.reason
    with pytest.raises(RuleRefusal) as info:
        fleet.distribution.register_destination("host", "bad", "client c")
    assert info.value.rule_id == "M-09"
    assert "again" not in fleet.distribution.destinations("host")


@pytest.mark.rules("M-09", "M-07", "DID-05")
async def test_m09_an_address_no_machine_has_ends_e_unreach_and_only_loopback_is_dialled(
        fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    from mfp_console.engine.net import transport

    dialled: list[tuple[str, int]] = []
    real_connect = transport._connect

    async def recording(host: str, port: int, peer: str, timeout: float) -> socket.socket:
        dialled.append((host, port))
        return await real_connect(host, port, peer, timeout)

    monkeypatch.setattr(transport, "_connect", recording)
    # Something that accepts on a loopback address no machine has, and hangs up: dialled, and no machine there.
    stranger = socket.create_server(("127.20.99.99", 0))
    stranger.setblocking(False)
    port = stranger.getsockname()[1]

    async def hang_up() -> None:
        conn, _ = await asyncio.get_running_loop().sock_accept(stranger)
        conn.close()

    answering = asyncio.create_task(hang_up())
    admin(fleet)
    for name, address in (("stranger", f"127.20.99.99:{port}"), ("nobody", "127.20.99.98"),
                          ("outside", "192.0.2.99"), ("unknown-name", "printer.example.com")):
        fleet.distribution.register_destination("host", name, address)
    try:
        results = await distribute(fleet, ["stranger", "nobody", "outside", "unknown-name"])
        await asyncio.wait_for(answering, 5)
    finally:
        stranger.close()
    assert results == {name: "NG E-UNREACH" for name in ("stranger", "nobody", "outside", "unknown-name")}
    assert dialled == [("127.20.99.99", port), ("127.20.99.98", 8443)]  # never 192.0.2.99, never a DNS name
    log = {e.peer: e.detail for e in fleet.distribution.communication_log("host", kind="Delivered")}
    assert "not dialled (M-07)" in log["outside"] and "not looked up" in log["unknown-name"]


@pytest.mark.rules("DID-02", "M-09")
async def test_did02_display_host_name_names_the_found_machines_by_host_name_or_by_address(fleet: Fleet) -> None:
    admin(fleet)
    by_name = fleet.distribution.search_destinations("host", 1, display_host_name=True)
    by_address = fleet.distribution.search_destinations("host", 1, display_host_name=False)
    ip = network_setting(fleet, "client-a", "IPv4 Address")
    assert [(d.name, d.address, d.host_name) for d in by_name] == [("client-a", ip, "client-a")]
    assert [(d.name, d.address, d.host_name) for d in by_address] == [(ip, ip, "")]
    # client-a is registered already (by host name): found by its address, it is skipped, not added twice.
    skipped = fleet.distribution.register_found("host", by_address)
    assert skipped == (f"{ip} is already registered as 'client-a'",)
    assert len(fleet.distribution.destinations("host")) == 4


@pytest.mark.rules("M-09", "SYNC-01", "SYNC-20")
async def test_m09_sync_server_typed_as_the_hosts_ipv4_address_with_8443_synchronizes(
        fleet_sync_stopped: Fleet) -> None:
    fleet = fleet_sync_stopped
    for name in ("host", "client-a", "client-b"):
        admin(fleet, name)
    fleet.sync.start_server("host")
    server = network_setting(fleet, "host", "IPv4 Address")
    fleet.sync.set_client_settings("client-a", f"{server}:8443")
    fleet.sync.set_client_settings("client-b", "192.0.2.56:8443")  # no machine there, outside loopback
    fleet.sync.start_client("client-a")
    fleet.sync.start_client("client-b")
    await fleet.settle()
    assert fleet.sync.status("client-a").connected_to == "host"
    assert fleet.sync.status("host").clients == ("client-a",)
    assert fleet.sync.status("client-b").connected_to == ""
    warning = fleet.sync.log_entries("client-b", "Warning")[0]
    assert "192.0.2.56:8443" in warning.message and "M-07" in warning.message


@pytest.mark.rules("M-09")
async def test_m09_a_second_fleet_on_the_same_addresses_takes_other_ports_and_says_so(
        tmp_path: Path, clock: VirtualClock, address_block: AddressBlock) -> None:
    """Two test workers, or a panel and a test, may run one fleet file at once: neither fails to start, and
    each fleet's typed addresses reach its own machines."""
    block = address_block  # addresses of this test's own: no other fleet holds their port 8443
    path = tmp_path / "fleet.yaml"
    path.write_text(_default_fleet_text().replace("fleet:\n", f"fleet:\n  first_address: {block.address(11)}\n", 1))
    first = Fleet.from_file(path, tmp_path / "first", clock, handshake_timeout=2.0)
    second = Fleet.from_file(path, tmp_path / "second", clock, handshake_timeout=2.0)
    await first.start()
    try:
        await second.start()
        first_rows = {r.name: r for r in first.status()}
        assert all(r.address == f"{r.ipv4}:8443" and r.note == "" for r in first_rows.values())
        for row in second.status():
            assert row.ipv4 == first_rows[row.name].ipv4 and row.address != first_rows[row.name].address
            assert row.address.rpartition(":")[0] == row.ipv4 and "port 8443" in row.note and "taken" in row.note
        admin(second)
        second.distribution.delete_destination("host", "client-c")
        second.distribution.register_destination("host", "by-ip", block.address(14))
        book = first.data.device_info("client-c").address_book
        assert await distribute(second, ["by-ip"]) == {"by-ip": "OK"}
        assert second.data.device_info("client-c").address_book == second.data.device_info("host").address_book
        assert first.data.device_info("client-c").address_book == book  # the other fleet's machine: untouched
    finally:
        await second.stop()
        await first.stop()


@pytest.mark.rules("M-06", "M-09", "DID-05")
async def test_m06_a_machine_switched_off_keeps_its_port_from_the_other_fleet(
        tmp_path: Path, clock: VirtualClock, address_block: AddressBlock) -> None:
    """The CI flake of faults-from-the-panel: client-b of the first fleet was off, the second fleet started
    meanwhile, its client-b took the freed 127.x:8443 and answered in its place (NG E-TLS instead of E-UNREACH);
    the first fleet's client-b then could not come back on its own address."""
    path = tmp_path / "fleet.yaml"
    path.write_text(_default_fleet_text().replace("fleet:\n", f"fleet:\n  first_address: {address_block.address(11)}\n", 1))
    first = Fleet.from_file(path, tmp_path / "first", clock, handshake_timeout=2.0)
    second = Fleet.from_file(path, tmp_path / "second", clock, handshake_timeout=2.0)
    await first.start()
    try:
        port = {r.name: r.address for r in first.status()}["client-b"]
        first.faults.power("client-b", PowerState.OFF)
        await first.settle()
        await second.start()  # its client-b tries 8443 of the same address first
        assert {r.name: r.address for r in second.status()}["client-b"] != port
        admin(first)
        assert await distribute(first, ["client-b"]) == {"client-b": "NG E-UNREACH"}
        first.faults.power("client-b", PowerState.ON)
        await first.settle()
        assert {r.name: r.address for r in first.status()}["client-b"] == port
        assert await distribute(first, ["client-b"]) == {"client-b": "OK"}
    finally:
        await second.stop()
        await first.stop()


@pytest.mark.rules("M-09")
async def test_m09_without_own_loopback_addresses_each_address_is_mapped_to_a_port_of_127_0_0_1(
        tmp_path: Path, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS and Windows answer only for 127.0.0.1: the fleet maps each machine's address and says so."""
    from mfp_console.engine.net import transport

    real = socket.create_server

    def only_127_0_0_1(address: tuple[str, int], **kwargs: object) -> socket.socket:
        if address[0] != "127.0.0.1":
            raise OSError(errno.EADDRNOTAVAIL, "Can't assign requested address")
        return real(address, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(transport.socket, "create_server", only_127_0_0_1)
    fleet = Fleet.from_file(None, tmp_path / "state", clock, handshake_timeout=2.0)
    await fleet.start()
    try:
        for row in fleet.status():
            assert row.address.startswith("127.0.0.1:") and row.ipv4.startswith("127.20.0.")
            assert f"no address {row.ipv4} of its own" in row.note and "mapped to 127.0.0.1" in row.note
            assert network_setting(fleet, row.name, "IPv4 Address") == row.ipv4
        admin(fleet)
        fleet.distribution.delete_destination("host", "client-b")
        fleet.distribution.register_destination("host", "by-ip", network_setting(fleet, "client-b", "IPv4 Address"))
        assert await distribute(fleet, ["by-ip", "client-a"]) == {"by-ip": "OK", "client-a": "OK"}
    finally:
        await fleet.stop()


@pytest.mark.rules("M-07")
async def test_m07_a_machine_placed_on_another_computer_is_not_started_here(
        tmp_path: Path, clock: VirtualClock) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text(
        "fleet: {first_address: 127.31.7.11}\n"
        "hosts: {lab-b: 192.0.2.20}\n"
        "machines:\n"
        "  - {name: host, model: m, series: s, functions: [distribution_sender], seed: host}\n"
        "  - {name: far, model: m, series: s, functions: [distribution_receiver], runs_on: lab-b}\n")
    fleet = Fleet.from_file(path, tmp_path / "state", clock, handshake_timeout=2.0)
    await fleet.start()
    try:
        assert fleet.running == ("host",)
        far = {r.name: r for r in fleet.status()}["far"]
        assert far.address == "192.0.2.20:8443" and far.note == "runs on lab-b" and far.power == "?"
        with pytest.raises(ConfigError, match="far cannot listen on 192.0.2.20:8443: it is not an address of this"):
            await fleet.start(only=["far"])
        assert fleet.running == ("host",)
    finally:
        await fleet.stop()


@pytest.mark.rules("M-07", "SYNC-18")
async def test_m07_an_smb_server_is_dialled_only_on_loopback_or_where_the_fleet_file_names_it(
        tmp_path: Path, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    from mfp_console.engine.sync import backup

    dialled: list[str] = []
    monkeypatch.setattr(backup, "SmbShare", lambda location, *a, **k: dialled.append(location.host) or _Refusing())
    path = tmp_path / "fleet.yaml"  # the default machines, plus a named NAS
    path.write_text(_default_fleet_text().replace("machines:", "hosts: {nas: 198.51.100.7}\nmachines:", 1))
    fleet = Fleet.from_file(path, tmp_path / "state", clock, handshake_timeout=2.0)
    await fleet.start()
    try:
        admin(fleet)
        fleet.sync.start_server("host")
        account = ShareCredentials("backup", "secret")
        with pytest.raises(ShareError) as info:
            await fleet.sync_server.backup("host", "smb://203.0.113.9/backups", credentials=account)
        assert "not dialled" in str(info.value) and "M-07" in str(info.value)
        for target in ("smb://nas/backups", "smb://198.51.100.7/backups", "smb://localhost:1445/backups"):
            with pytest.raises(ShareError, match="stand-in"):
                await fleet.sync_server.backup("host", target, credentials=account)
        assert dialled == ["198.51.100.7", "198.51.100.7", "localhost"]  # a named host by its address
        assert "not dialled" in fleet.sync.log_entries("host", "Error")[-1].message
    finally:
        await fleet.stop()


class _Refusing:
    """Stands in for the SMB client once the address was allowed: no packet leaves this test."""

    def write_atomically(self, *args: object, **kwargs: object) -> None:
        raise ShareError("the stand-in share refuses", "unreachable")


def _default_fleet_text() -> str:
    return default_fleet_text()
