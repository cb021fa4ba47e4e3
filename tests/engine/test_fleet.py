"""The fleet engine: machines as real mutual-TLS peers with durable data (M-01, M-04, M-05, M-06)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from mfp_console.clock import VirtualClock
from mfp_console.domain.device_info import AddressEntry
from mfp_console.domain.machine import Activity, PowerState
from mfp_console.engine.events import ConnectionRefused, MachineStateChanged
from mfp_console.engine.fleet import Fleet
from mfp_console.errors import AuthError, LockedOut


@pytest.mark.rules("M-01", "M-07", "M-09")
async def test_every_machine_listens_on_loopback_with_its_own_certificate(fleet: Fleet) -> None:
    """M-07: every listener is on loopback; M-09: each on an address of its own; M-01: its own identity."""
    rows = fleet.status()
    assert [r.name for r in rows] == list(fleet.spec.names)
    assert [r.ipv4 for r in rows] == ["127.20.0.11", "127.20.0.12", "127.20.0.13", "127.20.0.14", "127.20.0.15"]
    assert all(r.address.rpartition(":")[0] == r.ipv4 for r in rows)
    assert len({r.fingerprint for r in rows}) == len(rows)
    assert all(r.power == "On" and r.activity == "Idle" for r in rows)


@pytest.mark.rules("M-05")
async def test_ping_from_host_is_mutual_tls_13_to_every_machine(fleet: Fleet) -> None:
    """M-05: every connection is TLS 1.3 with mutual certificate authentication."""
    results = await fleet.ping_all()
    assert [r.target for r in results] == ["client-a", "client-b", "client-c", "client-d"]
    for result in results:
        assert result.ok, result.reason
        assert result.tls_version == "TLSv1.3"
        assert result.target in result.peer_subject


@pytest.mark.rules("DID-09")
async def test_machine_without_tls_key_cannot_complete_a_handshake(fleet: Fleet) -> None:
    """DID-09 groundwork: removing the TLS key and certificate makes every handshake fail (E-TLS)."""
    refused: list[ConnectionRefused] = []
    fleet.bus.subscribe(ConnectionRefused, refused.append)
    fleet.faults.remove_tls_key("client-b")
    result = await fleet.ping("host", "client-b")
    assert not result.ok and result.code == "E-TLS"
    assert any(e.machine == "client-b" for e in refused)
    fleet.faults.regenerate_tls_key("client-b")
    assert (await fleet.ping("host", "client-b")).ok


@pytest.mark.rules("M-06")
async def test_off_or_cut_machine_is_unreachable_and_sleep_wakes(fleet: Fleet) -> None:
    """M-06: Off or cut off cannot be reached; a machine in Sleep wakes when a connection arrives."""
    fleet.faults.power("client-a", PowerState.OFF)
    assert (await fleet.ping("host", "client-a")).code == "E-UNREACH"
    fleet.faults.power("client-a", PowerState.ON)
    assert (await fleet.ping("host", "client-a")).ok
    fleet.faults.cut_network("client-c")
    assert (await fleet.ping("host", "client-c")).code == "E-UNREACH"
    fleet.faults.cut_network("client-c", False)
    fleet.faults.power("client-d", PowerState.SLEEP)
    assert (await fleet.ping("host", "client-d")).ok
    assert fleet.view("client-d").state.power is PowerState.ON


async def test_state_changes_are_published(fleet: Fleet) -> None:
    changes: list[MachineStateChanged] = []
    fleet.bus.subscribe(MachineStateChanged, changes.append)
    fleet.faults.set_activity("client-a", Activity.PRINTING)
    assert changes[-1].what == "activity" and changes[-1].new == "Printing"


@pytest.mark.rules("M-04")
async def test_data_and_state_survive_a_restart_of_the_whole_program(tmp_path: Path, clock: VirtualClock) -> None:
    """M-04: every machine's data survives a restart; keys are written with mode 0600."""
    state = tmp_path / "state"
    first = Fleet.from_file(None, state, clock)
    await first.start()
    entry = first.data.add_address_entry("client-a", AddressEntry(0, "Survivor", "e-mail", "s@example.com"))
    first.faults.power("client-c", PowerState.OFF)
    fingerprint = first.status()[0].fingerprint
    await first.stop()
    second = Fleet.from_file(None, state, clock)
    await second.start()
    try:
        book = second.data.device_info("client-a").address_book
        assert any(e.number == entry.number and e.name == "Survivor" for e in book.entries)
        assert second.view("client-c").state.power is PowerState.OFF
        assert second.status()[0].fingerprint == fingerprint
    finally:
        await second.stop()
    keys = [p for p in (state / "pki").rglob("*") if p.is_file() and "key" in p.name]
    assert keys, "no key files written"
    for key in keys:
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key


@pytest.mark.rules("M-02", "M-03")
async def test_admin_login_pads_ids_and_locks_after_five_wrong_pins(fleet: Fleet, clock: VirtualClock) -> None:
    """M-02: entering a value without its leading zeros matches; M-03: 5 wrong PINs lock for 5 minutes."""
    fleet.faults.change_pin("client-a", "321", manager_id="4321")
    fleet.panel.login_admin("client-a", "0004321", "0000321")
    assert fleet.panel.is_admin("client-a")
    fleet.panel.logout("client-a")
    for _ in range(4):
        with pytest.raises(AuthError):
            fleet.panel.login_admin("client-a", "4321", "999")
    with pytest.raises(LockedOut):
        fleet.panel.login_admin("client-a", "4321", "999")
    with pytest.raises(LockedOut) as locked:
        fleet.panel.login_admin("client-a", "4321", "321")  # even the right PIN is refused while locked
    assert 0 < locked.value.seconds_left <= 300
    await fleet.advance(301)
    fleet.panel.login_admin("client-a", "4321", "321")
    assert fleet.panel.is_admin("client-a")
