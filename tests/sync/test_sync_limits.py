"""Limits and restrictions of synchronization over real TLS links (SYNC-02…04, 12, 13, 15…17)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mfp_console.domain.device_info import DepartmentId
from mfp_console.domain.machine import PowerState
from mfp_console.domain.sync_items import PersonalItem
from mfp_console.domain.sync_settings import (
    DeviceState,
    SyncClientState,
    UserLimitAction,
)
from mfp_console.engine.fleet import Fleet
from mfp_console.engine.sync.server import SyncServer
from mfp_console.errors import RuleRefusal
from mfp_console.store.user_data import Sharing, UserItem
from tests.sync.conftest import admin, fleet_spec, start_sync, started


@pytest.mark.rules("SYNC-02")
async def test_sync02_an_eleventh_machine_is_refused_and_off_clients_still_count(tmp_path, clock) -> None:
    fleet = await started(fleet_spec(extra_clients=6), tmp_path, clock)
    try:
        clients = [n for n in fleet.spec.names if n != "host"]  # 10 clients + the server = 11 machines
        assert len(clients) == 10
        await start_sync(fleet, clients[:9])
        assert len(fleet.sync_server.device_list("host")) == 9
        admin(fleet, clients[9])
        fleet.sync.start_client(clients[9])
        await fleet.settle()
        error = fleet.sync.log_entries(clients[9], "Error")[0].message
        assert "E-LIMIT" in error and "at most 10 machines" in error
        assert "refused" in fleet.sync.log_entries("host", "Error")[0].message
        # a client that is off still counts until its synchronization is stopped
        fleet.faults.power(clients[0], PowerState.OFF)
        await fleet.settle()
        rows = {r.device_name: r.state for r in fleet.sync_server.device_list("host")}
        assert rows[clients[0]] is DeviceState.DISCONNECTED and len(rows) == 9
        fleet.faults.restart(clients[9])  # tries again: still refused
        await fleet.settle()
        assert fleet.sync.status(clients[9]).client_state is SyncClientState.ERROR
        # stopping it from the server (it is broken) frees the place
        admin(fleet, "host")
        fleet.sync_server.stop_client("host", clients[0])
        admin(fleet, clients[9])
        fleet.sync.stop_client(clients[9])
        fleet.sync.start_client(clients[9])
        await fleet.settle()
        assert fleet.sync.status(clients[9]).client_state is SyncClientState.SYNCHRONIZED
    finally:
        await fleet.stop()


@pytest.mark.rules("SYNC-03")
async def test_sync03_past_1000_users_the_oldest_is_deleted_and_the_action_is_fixed(fleet: Fleet) -> None:
    admin(fleet, "client-a")
    fleet.users.set_personal_settings_action("client-a", UserLimitAction.DISCARD_NEW)  # allowed before sync
    assert fleet.users.personal_settings_action("client-a") is UserLimitAction.DISCARD_NEW
    server = fleet.live_machine("host").functions.get(SyncServer)
    admin(fleet, "host")
    fleet.sync.start_server("host")
    data, now = server.data, fleet.clock.now()
    for i in range(1000):
        language = UserItem({"language": "English", "keyboard": "x"}, 1, Sharing.SHARED, now)
        data.put_user(f"user{i:04d}", {"display_language": language}, now, now - timedelta(days=1000 - i))
    await start_sync(fleet, ["client-a", "client-b"])
    assert fleet.users.personal_settings_action("client-a") is UserLimitAction.DELETE_OLDEST
    with pytest.raises(RuleRefusal) as info:
        fleet.users.set_personal_settings_action("client-a", UserLimitAction.DISCARD_NEW)
    assert info.value.rule_id == "SYNC-03"
    assert "user0000" in fleet.users.users_on("client-b")
    fleet.users.login_user("client-a", "newcomer")
    fleet.users.add_personal_button("client-a", "newcomer", "mine")
    await fleet.settle()
    users = fleet.sync_server.users("host")
    assert len(users) == 1000 and "user0000" not in users and "newcomer" in users
    assert "user0000" not in fleet.users.users_on("client-b")  # deleted everywhere
    assert any("SYNC-03" in e.message for e in fleet.sync.log_entries("client-b", "Error"))


@pytest.mark.rules("SYNC-04")
async def test_sync04_different_group_management_settings_are_refused(fleet: Fleet) -> None:
    admin(fleet, "host", "client-a")
    fleet.sync.set_user_group_management("host", True)
    fleet.sync.set_user_group_management("client-a", True)  # groups by Department ID, but other IDs than host's
    await start_sync(fleet, ["client-a"])
    assert fleet.sync.status("client-a").client_state is SyncClientState.ERROR
    assert "SYNC-04" in fleet.sync.log_entries("client-a", "Error")[0].message
    # the same Department IDs on both: accepted
    for dept in fleet.data.device_info("host").department_ids.departments:
        fleet.data.set_department("client-a", dept)
    host_ids = {d.dept_id for d in fleet.data.device_info("host").department_ids.departments}
    for dept in fleet.data.device_info("client-a").department_ids.departments:
        if dept.dept_id not in host_ids:
            fleet.data.delete_department("client-a", dept.dept_id)
    fleet.faults.restart("client-a")
    await fleet.settle()
    assert fleet.sync.status("client-a").client_state is SyncClientState.SYNCHRONIZED
    assert isinstance(DepartmentId, type)


@pytest.mark.rules("SYNC-12")
async def test_sync12_import_export_refused_while_the_client_synchronizes(fleet: Fleet) -> None:
    fleet.sync.import_export_guard("client-a")
    await start_sync(fleet, ["client-a"])
    with pytest.raises(RuleRefusal) as info:
        fleet.sync.import_export_guard("client-a")
    assert info.value.rule_id == "SYNC-12" and "Address Book" in info.value.reason
    fleet.sync.stop_client("client-a")
    fleet.sync.import_export_guard("client-a")
    # the server/client machine's [Prepare for User Data Export] opens a 15-minute window
    await start_sync(fleet, ["host"])
    with pytest.raises(RuleRefusal):
        fleet.sync.import_export_guard("host")
    fleet.sync.prepare_user_data_export("host")
    fleet.sync.import_export_guard("host")
    await fleet.advance(16 * 60)
    with pytest.raises(RuleRefusal):
        fleet.sync.import_export_guard("host")


@pytest.mark.rules("SYNC-13", "M-10")
async def test_sync13_the_server_refuses_sleep_while_clients_operate_and_says_why(fleet: Fleet) -> None:
    """SYNC-13: no Sleep while a client operates; the Energy Saver key (M-10) is refused with the reason."""
    await start_sync(fleet, ["client-a", "client-b"])
    assert "client-a" in fleet.sync.sleep_refusal("host")
    with pytest.raises(RuleRefusal) as info:
        fleet.panel.energy_saver("host")
    assert info.value.rule_id == "SYNC-13" and "client-a, client-b" in info.value.reason
    assert "SYNC-13" not in info.value.reason  # the panel shows the reason without the rule ID
    with pytest.raises(RuleRefusal):
        fleet.faults.power("host", PowerState.SLEEP)  # the sleep timer too
    assert fleet.view("host").state.power is PowerState.ON
    assert fleet.panel.energy_saver("client-a") is PowerState.SLEEP  # a client may sleep
    await fleet.settle()
    assert "client-b" in fleet.sync.sleep_refusal("host") and "client-a" not in fleet.sync.sleep_refusal("host")
    fleet.sync.stop_client("client-b")
    await fleet.settle()
    assert fleet.view("host").state.power is PowerState.ON  # a refused Sleep is not remembered
    assert fleet.sync.sleep_refusal("host") == ""
    assert fleet.panel.energy_saver("host") is PowerState.SLEEP
    assert fleet.panel.energy_saver("host") is PowerState.ON  # the key wakes it again


@pytest.mark.rules("SYNC-13")
async def test_sync13_the_servers_own_client_through_a_proxy_keeps_it_awake(fleet: Fleet) -> None:
    """SYNC-13: with only its own client (localhost) connected, the server sleeps — unless Use Proxy is On."""
    await start_sync(fleet, ["host"])
    assert fleet.sync.status("host").connected_to == "host"
    assert fleet.sync.sleep_refusal("host") == ""
    fleet.data.set_setting_value("host", "Preferences/Network/Use Proxy", "On")
    assert "proxy" in fleet.sync.sleep_refusal("host")
    with pytest.raises(RuleRefusal, match="proxy"):
        fleet.panel.energy_saver("host")
    fleet.data.set_setting_value("host", "Preferences/Network/Use Proxy", "Off")
    assert fleet.panel.energy_saver("host") is PowerState.SLEEP


@pytest.mark.rules("SYNC-15")
async def test_sync15_the_server_lists_its_devices(fleet: Fleet) -> None:
    await start_sync(fleet, ["client-a", "client-b"])
    fleet.faults.power("client-b", PowerState.OFF)
    await fleet.settle()
    rows = {r.device_name: r for r in fleet.sync_server.device_list("host")}
    a = rows["client-a"]
    assert (a.product_name, a.location, a.role, a.state) == ("iR-ADV C5535", "2F Sales", "Client", DeviceState.SYNCHRONIZED)
    assert a.address == "127.20.0.12:8443" and a.last_sync == fleet.clock.now()  # its own address (M-09)
    assert rows["client-b"].state is DeviceState.DISCONNECTED


@pytest.mark.rules("SYNC-16")
async def test_sync16_keychain_destination_order_reaches_the_wrong_server(fleet: Fleet) -> None:
    admin(fleet, "host", "client-a", "client-b")
    for machine, order in (("host", ["fs-sales", "fs-eng"]), ("client-a", ["fs-sales", "fs-eng"]),
                           ("client-b", ["fs-eng", "fs-sales"])):
        for destination in order:
            fleet.users.register_connection_destination(machine, destination)
    await start_sync(fleet, ["client-a", "client-b"])
    fleet.users.login_user("client-a", "ivy")
    fleet.users.add_keychain_entry("client-a", "ivy", "fs-eng", "ivy.smb")
    await fleet.settle()
    assert fleet.users.keychain_targets("client-a", "ivy") == [(2, "ivy.smb", "fs-eng")]
    assert fleet.users.keychain_targets("client-b", "ivy") == [(2, "ivy.smb", "fs-sales")]  # the wrong server
    notes = {r.device_name: r.notes for r in fleet.sync_server.device_list("host")}
    assert notes["client-a"] == ()
    assert "#2 reaches fs-sales here but fs-eng on host" in notes["client-b"][0] and "SYNC-16" in notes["client-b"][0]


@pytest.mark.rules("SYNC-17")
async def test_sync17_old_firmware_does_not_synchronize_shortcuts_and_keychain(tmp_path, clock) -> None:
    spec = fleet_spec(client_d={"sync_min_firmware": "90.00"})
    fleet = await started(spec, tmp_path, clock)
    try:
        await start_sync(fleet, ["client-a", "client-d"])
        fleet.users.login_user("client-a", "jo")
        fleet.users.add_shortcut("client-a", "jo", "Copy 2-sided")
        fleet.users.add_personal_button("client-a", "jo", "Home")
        admin(fleet, "client-a")
        fleet.users.register_connection_destination("client-a", "fs-1")
        fleet.users.add_keychain_entry("client-a", "jo", 1, "jo")
        fleet.users.login_user("client-d", "kim")
        fleet.users.add_shortcut("client-d", "kim", "local shortcut")
        await fleet.settle()
        on_d = fleet.users.personal_data("client-d", "jo")
        assert on_d.personal_buttons == [{"label": "Home", "function": "Copy"}]
        assert on_d[PersonalItem.SHORTCUTS] == [] and on_d[PersonalItem.KEYCHAIN] == []
        assert on_d.withheld == {PersonalItem.SHORTCUTS, PersonalItem.KEYCHAIN}
        assert "shortcuts" not in fleet.sync_server.server_copy("host", "kim")
        assert fleet.users.personal_data("client-d", "kim")[PersonalItem.SHORTCUTS][0]["label"] == "local shortcut"
        notes = {r.device_name: r.notes for r in fleet.sync_server.device_list("host")}
        assert any("SYNC-17" in note for note in notes["client-d"])
    finally:
        await fleet.stop()
