"""The server's maintenance over real TLS links: sharing ranges, malfunctions, backup, replication, server change."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from mfp_console.domain.sync_items import PersonalItem, SharingRange
from mfp_console.domain.sync_settings import BackupMode, BackupSchedule
from mfp_console.engine.fleet import Fleet
from mfp_console.errors import RuleRefusal
from tests.sync.conftest import admin, fleet_spec, start_sync, started

LANG = PersonalItem.DISPLAY_LANGUAGE


def set_language(fleet: Fleet, machine: str, user: str, value: str) -> None:
    fleet.users.login_user(machine, user)
    fleet.users.set_personal_item(machine, user, LANG, {"language": value, "keyboard": "x"})


async def stop_clients(fleet: Fleet, *names: str) -> None:
    for name in names:
        admin(fleet, name)
        fleet.sync.stop_client(name)
    await fleet.settle()


@pytest.mark.rules("SYNC-10")
async def test_sync10_sharing_ranges_change_only_with_clients_stopped(fleet: Fleet) -> None:
    await start_sync(fleet, ["client-a", "client-b"])
    set_language(fleet, "client-a", "lea", "German")
    await fleet.settle()
    assert fleet.sync_server.sharing_ranges("host")[LANG] is SharingRange.SHARED
    with pytest.raises(RuleRefusal) as info:
        fleet.sync_server.set_sharing_range("host", LANG, SharingRange.DEVICE_SPECIFIC)
    assert info.value.rule_id == "SYNC-10" and "client-a" in info.value.reason
    await stop_clients(fleet, "client-a", "client-b")
    fleet.sync_server.set_sharing_range("host", LANG, SharingRange.DEVICE_SPECIFIC)
    # shared → device-specific: the shared value was first copied to every device
    copies = fleet.sync_server.server_copy("host", "lea")
    assert copies["display_language@client-a"] == copies["display_language@client-b"] == {"language": "German", "keyboard": "x"}
    await start_sync(fleet, ["client-a", "client-b"])
    assert fleet.users.personal_data("client-b", "lea").sharing[LANG] is SharingRange.DEVICE_SPECIFIC
    set_language(fleet, "client-b", "lea", "Estonian")
    await fleet.settle()
    assert fleet.users.personal_data("client-b", "lea").display_language == "Estonian"
    assert fleet.users.personal_data("client-a", "lea").display_language == "German"  # each device keeps its own
    assert fleet.sync_server.server_copy("host", "lea")["display_language@client-b"]["language"] == "Estonian"


@pytest.mark.rules("SYNC-11")
async def test_sync11_a_malfunction_loses_device_specific_data(fleet: Fleet) -> None:
    admin(fleet, "host")
    fleet.sync.start_server("host")
    fleet.sync_server.set_sharing_range("host", "home_screen", "device_specific")
    await start_sync(fleet, ["client-a", "client-b"])
    fleet.users.login_user("client-a", "max")
    fleet.users.set_personal_item("client-a", "max", "home_screen", {"layout": "Mine", "timeline": False})
    fleet.users.add_personal_button("client-a", "max", "shared button")
    await fleet.settle()
    assert fleet.sync_server.server_copy("host", "max")["home_screen@client-a"]["layout"] == "Mine"
    assert fleet.sync.malfunction("client-a") == 1
    assert fleet.view("client-a").state.error_code == "E-SYNC"
    fleet.faults.clear_error("client-a")
    await fleet.settle()
    data = fleet.users.personal_data("client-a", "max")
    assert data[PersonalItem.HOME_SCREEN] == PersonalItem.HOME_SCREEN.default()  # back to the default
    assert data.personal_buttons == [{"label": "shared button", "function": "Copy"}]  # shared data comes back
    assert "home_screen@client-a" not in fleet.sync_server.server_copy("host", "max")  # not recoverable from the server
    assert any("SYNC-11" in e.message for e in fleet.sync.log_entries("host", "Warning"))


@pytest.mark.rules("SYNC-18")
async def test_sync18_backup_to_storage_restore_and_schedule(fleet: Fleet) -> None:
    await start_sync(fleet, ["client-a"])
    set_language(fleet, "client-a", "ned", "Italian")
    await fleet.settle()
    local = await fleet.sync_server.backup("host")
    path = Path(local.location)
    assert path.parent == fleet.state_dir / "sync-backup" / "host" and path.name == local.name
    assert not list(path.parent.glob(".*.tmp"))  # written atomically
    assert json.loads(path.read_text())["users"][0]["user"] == "ned"
    assert [f.name for f in await fleet.sync_server.backups("host")] == [local.name]
    fleet.sync_server.delete_user_data("host", ["ned"])
    with pytest.raises(RuleRefusal) as info:
        await fleet.sync_server.restore("host", local)
    assert info.value.rule_id == "SYNC-18"
    await stop_clients(fleet, "client-a")
    assert await fleet.sync_server.restore("host", local) == 1
    assert fleet.sync_server.server_copy("host", "ned")["display_language"]["language"] == "Italian"
    # by schedule: daily at 03:00 (machine time), written by the clock's timer
    nxt = fleet.sync_server.set_backup_schedule("host", BackupSchedule(BackupMode.DAILY, "0300"))
    assert nxt == (fleet.clock.now() + timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)
    await fleet.advance(24 * 3600)
    assert len(await fleet.sync_server.backups("host")) == 2


@pytest.mark.rules("SYNC-18")
async def test_sync18_an_smb_target_needs_a_user_name_and_password(fleet: Fleet) -> None:
    """Without credentials given or saved for the share, nothing is dialled: a refusal names the share."""
    await start_sync(fleet, ["client-a"])
    with pytest.raises(RuleRefusal) as info:
        await fleet.sync_server.backup("host", "smb://127.0.0.1:1/backups/mfp")
    assert info.value.rule_id == "SYNC-18" and "smb://127.0.0.1:1/backups" in info.value.reason
    assert not (fleet.state_dir / "smb").exists()  # the old local stand-in is gone


@pytest.mark.rules("SYNC-18")
async def test_sync18_replication_to_another_machine(tmp_path, clock) -> None:
    fleet = await started(fleet_spec(client_c={"functions": ["sync_server", "distribution_receiver"]}), tmp_path, clock)
    try:
        await start_sync(fleet, ["client-a"])
        set_language(fleet, "client-a", "ola", "Spanish")
        await fleet.settle()
        fleet.sync_server.set_replica("host", "client-c")
        admin(fleet, "client-c")
        fleet.sync_server.set_replica_source("client-c", "host")  # on the replica: whom it replicates
        assert await fleet.sync_server.replicate("host") == 1
        await fleet.settle()
        assert fleet.sync_server.server_copy("client-c", "ola")["display_language"]["language"] == "Spanish"
        with pytest.raises(RuleRefusal):
            fleet.sync_server.set_replica("host", "client-b")  # no server function: cannot hold a replica
    finally:
        await fleet.stop()


@pytest.mark.rules("SYNC-19")
async def test_sync19_server_change_is_enforced_step_by_step(tmp_path, clock) -> None:
    fleet = await started(fleet_spec(client_a={"functions": ["sync_client", "sync_server"]}), tmp_path, clock)
    try:
        await start_sync(fleet, ["client-a", "client-b"])
        set_language(fleet, "client-b", "pat", "Japanese")
        await fleet.settle()
        admin(fleet, "host", "client-a", "client-b")
        with pytest.raises(RuleRefusal, match="SYNC-19"):
            fleet.sync.start_server("client-a")  # one server at a time
        fleet.sync_server.begin_server_change("host", "client-a")

        def refused(step_text: str, action) -> None:
            with pytest.raises(RuleRefusal) as info:
                action()
            assert info.value.rule_id == "SYNC-19" and step_text in info.value.reason, info.value.reason

        with pytest.raises(RuleRefusal, match='step 1 "stop synchronization on every client"'):
            await fleet.sync_server.backup("host")
        refused('step 1 "stop synchronization on every client"', lambda: fleet.sync.stop_server("host"))
        await stop_clients(fleet, "client-a", "client-b")
        refused('step 2 "back up the synchronization data of host"', lambda: fleet.sync.stop_server("host"))
        backup = await fleet.sync_server.backup("host")
        refused('step 3 "stop the server function on host"', lambda: fleet.sync.start_server("client-a"))
        fleet.sync.stop_server("host")
        with pytest.raises(RuleRefusal, match='step 4 "start the server function on client-a"'):
            await fleet.sync_server.restore("client-a")
        refused('step 4', lambda: fleet.sync.start_client("client-b"))
        fleet.sync.start_server("client-a")
        refused('step 5 "restore the backup on client-a"', lambda: fleet.sync.start_client("client-b"))
        assert await fleet.sync_server.restore("client-a") == 1
        assert fleet.sync_server.server_change() is not None and fleet.sync_server.server_change().backup == backup.location
        fleet.sync.start_client("client-b")  # blank address: finds the new server
        await fleet.settle()
        assert fleet.sync_server.server_change() is None
        assert fleet.sync.status("client-b").connected_to == "client-a"
        assert fleet.users.personal_data("client-b", "pat").display_language == "Japanese"
    finally:
        await fleet.stop()
