"""Synchronization sessions over real mutual-TLS links: joins, conflicts, changes both ways, lost server."""

from __future__ import annotations

import pytest

from mfp_console.domain.machine import PowerState
from mfp_console.domain.sync_items import CommonItem, PersonalItem
from mfp_console.domain.sync_settings import SyncClientState
from mfp_console.engine.events import SyncEvent
from mfp_console.engine.fleet import Fleet
from mfp_console.engine.sync.client import RETRY_SECONDS
from mfp_console.errors import AuthError, RuleRefusal
from tests.sync.conftest import admin, start_sync


def language(fleet: Fleet, machine: str, user: str) -> str:
    return fleet.users.personal_data(machine, user).display_language


def set_language(fleet: Fleet, machine: str, user: str, value: str) -> None:
    fleet.users.login_user(machine, user)
    fleet.users.set_personal_item(machine, user, PersonalItem.DISPLAY_LANGUAGE, {"language": value, "keyboard": "x"})


@pytest.mark.rules("SYNC-08")
async def test_sync08_a_user_finds_their_data_on_another_client(fleet: Fleet) -> None:
    await start_sync(fleet, ["client-a", "client-b", "client-c"])
    fleet.users.login_user("client-a", "alice")
    fleet.users.add_personal_address("client-a", "alice", "Bob", "bob@example.com")
    fleet.users.add_personal_button("client-a", "alice", "Scan to me", "Scan and Send")
    set_language(fleet, "client-a", "alice", "French")
    fleet.users.set_personal_item("client-a", "alice", "accessibility", {"key_repeat": "Slow", "invert_colors": True})
    fleet.users.add_group_address("client-a", "alice", "0000101", "Sales", "sales@example.com")
    fleet.users.add_shortcut("client-a", "alice", "2-sided copy")
    fleet.users.set_personal_item("client-a", "alice", "job_defaults", {"copy": {"sides": "2-Sided"}})
    fleet.users.set_personal_item("client-a", "alice", "home_screen", {"layout": "Compact", "timeline": False})
    await fleet.settle()
    # pushed to the other clients at once: no login needed for the data to be there
    for machine in ("client-b", "client-c"):
        data = fleet.users.personal_data(machine, "alice")
        assert data.personal_addresses == [{"name": "Bob", "address": "bob@example.com", "type": "E-Mail"}]
        assert data.personal_buttons == [{"label": "Scan to me", "function": "Scan and Send"}]
        assert data.display_language == "French"
        assert data[PersonalItem.GROUP_ADDRESS_LISTS]["0000101"][0]["name"] == "Sales"
        assert data[PersonalItem.SHORTCUTS][0]["label"] == "2-sided copy"
        assert data[PersonalItem.HOME_SCREEN]["layout"] == "Compact"
    # and a change on client-b flows back to client-a
    fleet.users.login_user("client-b", "alice")
    await fleet.settle()
    fleet.users.add_personal_address("client-b", "alice", "Carol", "carol@example.com")
    await fleet.settle()
    assert [e["name"] for e in fleet.users.personal_data("client-a", "alice").personal_addresses] == ["Bob", "Carol"]
    assert fleet.sync_server.server_copy("host", "alice")["personal_address_list"][1]["name"] == "Carol"


@pytest.mark.rules("SYNC-08")
async def test_sync08_only_the_logged_in_user_changes_their_data(fleet: Fleet) -> None:
    with pytest.raises(AuthError) as info:
        fleet.users.add_personal_button("client-a", "alice", "X")
    assert info.value.rule_id == "SYNC-08"
    fleet.users.login_user("client-a", "bob")
    with pytest.raises(AuthError):
        fleet.users.add_personal_button("client-a", "alice", "X")
    with pytest.raises(RuleRefusal):
        fleet.users.set_personal_item("client-a", "bob", "display_language", {"language": "Klingon"})


@pytest.mark.rules("SYNC-09")
async def test_sync09_shared_non_personal_settings_reach_every_machine(fleet: Fleet) -> None:
    await start_sync(fleet, ["client-a", "client-b"])
    fleet.users.set_common_setting("client-a", CommonItem.GUEST_HOME_SCREEN, {"buttons": ["Copy"]})
    fleet.users.set_common_setting("client-a", CommonItem.GROUP_LIST_PUBLIC_VIEW, {"0000101": True})
    await fleet.settle()
    assert fleet.users.common_setting("client-b", "guest_home_screen") == {"buttons": ["Copy"]}
    assert fleet.users.common_setting("client-b", "group_list_public_view") == {"0000101": True}
    admin(fleet, "client-c")
    fleet.sync.start_client("client-c")  # a client that starts later gets them on joining
    await fleet.settle()
    assert fleet.users.common_setting("client-c", "guest_home_screen") == {"buttons": ["Copy"]}


@pytest.mark.rules("SYNC-01")
async def test_sync01_server_keeps_its_own_settings_apart_until_its_client_runs(fleet: Fleet) -> None:
    await start_sync(fleet, ["client-a"])
    set_language(fleet, "host", "hana", "Japanese")  # on the server machine's own panel
    set_language(fleet, "client-a", "alice", "German")
    await fleet.settle()
    assert "hana" not in fleet.sync_server.users("host")  # server data holds clients' data only
    assert language(fleet, "client-a", "hana") == "English"
    assert "alice" not in fleet.users.users_on("host")  # and the clients' data is not the server's own settings
    fleet.sync.set_client_settings("host", "localhost:8443")
    fleet.sync.start_client("host")  # a server/client machine: its own settings synchronize too
    await fleet.settle()
    assert "hana" in fleet.sync_server.users("host")
    assert language(fleet, "client-a", "hana") == "Japanese"
    assert language(fleet, "host", "alice") == "German"
    rows = {r.device_name: r.role for r in fleet.sync_server.device_list("host")}
    assert rows == {"client-a": "Client", "host": "Server/Client"}


@pytest.mark.rules("SYNC-01")
async def test_sync01_blank_address_searches_and_a_stopped_server_is_not_found(fleet: Fleet) -> None:
    admin(fleet, "host", "client-a")
    fleet.sync.start_client("client-a")
    await fleet.settle()
    assert fleet.sync.status("client-a").client_state is SyncClientState.DISCONNECTED
    assert "no sync server found" in fleet.sync.log_entries("client-a", "Warning")[0].message
    fleet.sync.start_server("host")
    await fleet.advance(RETRY_SECONDS)
    assert fleet.sync.status("client-a").connected_to == "host"
    with pytest.raises(RuleRefusal) as info:
        fleet.sync.set_client_settings("client-a", "host:443")
    assert info.value.rule_id == "SYNC-01"


@pytest.mark.rules("SYNC-05")
async def test_sync05_on_start_the_servers_copy_replaces_the_clients(fleet: Fleet) -> None:
    await start_sync(fleet, ["client-a"])
    set_language(fleet, "client-a", "alice", "Italian")
    await fleet.settle()
    set_language(fleet, "client-b", "alice", "Spanish")  # client-b does not synchronize yet
    fleet.users.add_personal_button("client-b", "alice", "only on b")
    admin(fleet, "client-b")
    fleet.sync.start_client("client-b")
    await fleet.settle()
    assert language(fleet, "client-b", "alice") == "Italian"
    assert fleet.users.personal_data("client-b", "alice").personal_buttons == []  # deleted, replaced by the server's
    assert language(fleet, "client-a", "alice") == "Italian"


@pytest.mark.rules("SYNC-06")
async def test_sync06_users_the_server_lacks_come_from_the_first_client(fleet: Fleet) -> None:
    set_language(fleet, "client-a", "dora", "German")
    set_language(fleet, "client-b", "dora", "Estonian")
    set_language(fleet, "client-b", "eve", "Spanish")
    await start_sync(fleet, ["client-a"])
    admin(fleet, "client-b")
    fleet.sync.start_client("client-b")
    await fleet.settle()
    assert fleet.sync_server.server_copy("host", "dora")["display_language"]["language"] == "German"
    assert language(fleet, "client-b", "dora") == "German"  # the later client gets the first one's copy
    assert language(fleet, "client-a", "eve") == "Spanish"  # client-b registered eve, passed to client-a


@pytest.mark.rules("SYNC-07")
async def test_sync07_deleting_on_the_server_lets_a_starting_clients_copy_survive(fleet: Fleet) -> None:
    await start_sync(fleet, ["client-a"])
    set_language(fleet, "client-a", "fred", "French")
    await fleet.settle()
    set_language(fleet, "client-b", "fred", "Japanese")
    fleet.sync_server.delete_user_data("host", ["fred"])
    assert "fred" not in fleet.sync_server.users("host")
    assert language(fleet, "client-a", "fred") == "French"  # clients keep their copies
    admin(fleet, "client-b")
    fleet.sync.start_client("client-b")
    await fleet.settle()
    assert fleet.sync_server.server_copy("host", "fred")["display_language"]["language"] == "Japanese"
    assert language(fleet, "client-b", "fred") == "Japanese"
    assert language(fleet, "client-a", "fred") == "Japanese"


@pytest.mark.rules("SYNC-14")
async def test_sync14_a_client_that_loses_the_server_keeps_working_and_catches_up(fleet: Fleet) -> None:
    await start_sync(fleet, ["client-a", "client-b"])
    set_language(fleet, "client-a", "gus", "German")
    await fleet.settle()
    warnings: list[SyncEvent] = []
    fleet.bus.subscribe(SyncEvent, lambda e: warnings.append(e) if e.level == "Warning" else None)
    fleet.faults.power("host", PowerState.OFF)
    await fleet.settle()
    assert fleet.sync.status("client-a").client_state is SyncClientState.DISCONNECTED
    assert {e.machine for e in warnings} >= {"client-a", "client-b"}
    assert "cached data" in fleet.sync.log_entries("client-a", "Warning")[0].message
    # users go on working with the cached data; changes wait
    assert language(fleet, "client-b", "gus") == "German"
    set_language(fleet, "client-b", "gus", "Spanish")
    await fleet.advance(RETRY_SECONDS)  # still off: another try, still a Warning state
    assert fleet.sync.status("client-b").client_state is SyncClientState.DISCONNECTED
    assert fleet.sync.status("client-b").pending_changes == 1
    fleet.faults.power("host", PowerState.ON)
    await fleet.advance(RETRY_SECONDS)
    assert fleet.sync.status("client-b").client_state is SyncClientState.SYNCHRONIZED
    assert language(fleet, "client-a", "gus") == "Spanish"  # client-b's change made while away went up
    assert fleet.sync_server.server_copy("host", "gus")["display_language"]["language"] == "Spanish"
    assert fleet.sync.status("client-b").pending_changes == 0


@pytest.mark.rules("SYNC-14")
async def test_sync14_a_refused_client_logs_error(tmp_path, clock) -> None:
    from tests.sync.conftest import fleet_spec, started

    fleet = await started(fleet_spec(client_b={"user_authentication": False}), tmp_path, clock)
    try:
        await start_sync(fleet, ["client-b"])
        assert fleet.sync.status("client-b").client_state is SyncClientState.ERROR
        assert "E-SETTINGS" in fleet.sync.log_entries("client-b", "Error")[0].message
    finally:
        await fleet.stop()


@pytest.mark.rules("SYNC-20")
async def test_sync20_connection_settings_take_effect_after_a_restart(fleet: Fleet) -> None:
    await start_sync(fleet, ["client-a"])
    fleet.sync.set_client_settings("client-a", "client-b:8443")  # wrong on purpose
    assert fleet.sync.status("client-a").settings_pending
    fleet.users.login_user("client-a", "hal")
    fleet.users.add_personal_button("client-a", "hal", "still synchronizing")
    await fleet.settle()
    assert "hal" in fleet.sync_server.users("host")  # the old settings still apply
    fleet.faults.restart("client-a")
    await fleet.settle()
    status = fleet.sync.status("client-a")
    assert not status.settings_pending and status.client_state is SyncClientState.DISCONNECTED
    admin(fleet, "client-a")
    fleet.sync.set_client_settings("client-a", "host")
    await fleet.settle()
    assert fleet.sync.status("client-a").client_state is SyncClientState.DISCONNECTED  # saved, not yet in effect
    fleet.faults.restart("client-a")
    await fleet.settle()
    assert fleet.sync.status("client-a").connected_to == "host"


@pytest.mark.rules("M-04", "SYNC-20")
async def test_sync20_m04_a_program_restart_resumes_synchronization(tmp_path, clock) -> None:
    from tests.sync.conftest import fleet_spec, started

    fleet = await started(fleet_spec(), tmp_path, clock)
    try:
        await start_sync(fleet, ["client-a", "client-b"])
        set_language(fleet, "client-a", "quinn", "Italian")
        await fleet.settle()
    finally:
        await fleet.stop()
    fleet = await started(fleet_spec(), tmp_path, clock)
    try:
        await fleet.settle()
        assert fleet.sync.status("client-b").client_state is SyncClientState.SYNCHRONIZED
        assert language(fleet, "client-b", "quinn") == "Italian"
        set_language(fleet, "client-b", "quinn", "German")
        await fleet.settle()
        assert language(fleet, "client-a", "quinn") == "German"
        assert await fleet.sync_server.backups("host") == []
    finally:
        await fleet.stop()
