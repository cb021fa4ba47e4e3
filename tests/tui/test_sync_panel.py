"""Pilot tests of Personalized Data Synchronization on the panel (SYNC-01, 03, 07, 08, 10, 14, 15, 18, 19, 20).

Everything is done on the panel as a person would (touches and typing through :class:`PanelDriver`) and
checked on the engine's state through the fleet facade: the functions really run and the clients really
synchronize over their mutual-TLS links.
"""

from __future__ import annotations

import time

import pytest

from mfp_console.domain.sync_items import PersonalItem, SharingRange
from mfp_console.domain.sync_settings import UserLimitAction
from mfp_console.tui.driver import PanelDriver
from mfp_console.tui.pages.personal import PersonalDataScreen
from mfp_console.tui.pages.sync_remote import RemoteScreen
from tests.samba import PASSWORD, USER, SambaServer
from tests.tui.conftest import SIZE, press, settle

ADMIN = ("7654321", "7654321")


async def _sync_page(d: PanelDriver) -> None:
    assert await d.login(*ADMIN)
    await d.press_path(["Management Settings", "Device Management", "Synchronize Custom Settings"])


async def _start_from_panel(d: PanelDriver, machine: str, button: str) -> None:
    await d.at(machine)
    await _sync_page(d)
    await d._touch(d.app.current_panel.query_one(f"#{button}"))
    if button == "client-start":  # the join preview comes first: <Start> there confirms
        await d.press("Start")
    await d.app.fleet.settle()
    await d.settle()


async def start_server_and_clients(d: PanelDriver, clients: tuple[str, ...] = ("client-a", "client-b")) -> None:
    """Starts the server on host and the client function on each client, all from their panels."""
    await _start_from_panel(d, "host", "server-start")
    for client in clients:
        await _start_from_panel(d, client, "client-start")
    for machine in ("host", *clients):
        await d.at(machine)
        await d.logout()


@pytest.mark.rules("SYNC-08")
@pytest.mark.slow
async def test_sync08_a_user_finds_their_address_and_button_on_another_client(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = PanelDriver(app, pilot)
        fleet = app.fleet
        await start_server_and_clients(d)
        assert fleet.sync.status("host").server_running
        assert sorted(fleet.sync.status("host").clients) == ["client-a", "client-b"]
        assert fleet.sync.status("client-a").connected_to == "host"
        # a user logs in on client-a and adds an address list entry and a personal button
        await d.at("client-a")
        assert await d.user_login("alice")
        assert isinstance(app.screen, PersonalDataScreen)
        assert str(app.current_panel.query_one("#role").render()) == "User alice"
        await d.press("Personal Address List")
        await d.type_into("Name", "Bob Jones")
        await d.type_into("Address", "bob@example.com")
        await d.press("Add")
        await d.press("Personal Buttons")
        await d.type_into("Button Label", "Scan to Bob")
        await d.type_into("Function", "Scan and Send")
        await d.press("Add")
        assert "Scan to Bob" in d.visible_text()
        await d.press("Log Out")
        assert fleet.users.logged_in_user("client-a") == ""
        await fleet.settle()
        # walk to client-b (F3), log in as the same user: the data is there
        await press(pilot, "f3")
        assert app.machine == "client-b"
        assert await d.user_login("alice")
        await d.press("Personal Address List")
        assert "Bob Jones" in d.visible_text()
        await d.press("Personal Buttons")
        assert "Scan to Bob" in d.visible_text()
        on_b = fleet.users.personal_data("client-b", "alice")
        assert on_b.personal_addresses == [{"name": "Bob Jones", "address": "bob@example.com", "type": "E-Mail"}]
        assert on_b.personal_buttons == [{"label": "Scan to Bob", "function": "Scan and Send"}]
        assert fleet.sync_server.server_copy("host", "alice")["personal_address_list"][0]["name"] == "Bob Jones"


@pytest.mark.rules("SYNC-08")
@pytest.mark.slow
async def test_sync08_settings_items_change_through_a_value_dialog(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = PanelDriver(app, pilot)
        await start_server_and_clients(d, ("client-a", "client-c"))
        await d.at("client-a")
        assert await d.user_login("kim")
        await d.press("Display Language/Keyboard")
        await d.press("Change")  # the first row: language
        await d.press("French")
        await d.press("OK")
        assert app.fleet.users.personal_data("client-a", "kim").display_language == "French"
        await d.press("Accessibility")
        table = app.screen.query_one("#item-table")
        table.move_cursor(row=1)  # invert colors
        await d.press("Change")
        await d.set_toggle("invert_colors", True)
        await d.press("OK")
        assert app.fleet.users.personal_data("client-a", "kim")[PersonalItem.ACCESSIBILITY]["invert_colors"] is True
        await d.press("User Group Address Lists")
        await d.type_into("Group ID", "Sales")
        await d.type_into("Name", "Team")
        await d.type_into("Address", "sales@example.com")
        await d.press("Add")
        await d.press("Shortcuts")
        await d.type_into("Shortcut Label", "Copy 2-sided")
        await d.press("Add")
        await d.press("Delete")
        assert app.fleet.users.personal_data("client-a", "kim")[PersonalItem.SHORTCUTS] == []
        await app.fleet.settle()
        assert app.fleet.users.personal_data("client-c", "kim").display_language == "French"
        assert "Sales" in app.fleet.users.personal_data("client-c", "kim")[PersonalItem.GROUP_ADDRESS_LISTS]


@pytest.mark.rules("SYNC-16")
@pytest.mark.slow
async def test_sync16_keychain_entry_on_the_panel_names_where_it_leads(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = PanelDriver(app, pilot)
        fleet = app.fleet
        for name, order in (("client-a", ["fs-sales", "space-1"]), ("client-b", ["space-1", "fs-sales"])):
            fleet.panel.login_admin(name, *ADMIN)
            for dest in order:
                fleet.users.register_connection_destination(name, dest)
            fleet.panel.logout(name)
        await start_server_and_clients(d)
        await d.at("client-a")
        assert await d.user_login("jo")
        await d.press("Keychain")
        await d.type_into("Destination (name or No.)", "fs-sales")
        await d.type_into("Account", "jo-sales")
        await d.press("Add")
        assert "fs-sales" in d.visible_text()
        await d.press("Close")
        await fleet.settle()
        assert fleet.users.keychain_targets("client-b", "jo") == [(1, "jo-sales", "space-1")]  # SYNC-16: wrong server
        await d.at("host")
        await _sync_page(d)
        await d.press("Remote UI")
        await d.press("Check Device Information")
        assert "Keychain entries may reach the wrong server" in d.visible_text()


@pytest.mark.rules("SYNC-01", "SYNC-20")
async def test_sync01_sync20_connection_settings_wait_for_a_restart(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = PanelDriver(app, pilot)
        fleet = app.fleet
        await start_server_and_clients(d, ("client-a",))
        await _sync_page(d)
        await d.press("Remote UI")
        await d.press("Change Connection Destination")
        assert isinstance(app.screen, RemoteScreen)
        await d.type_into("Destination Server Address", "host:9000")
        await d.press("OK")
        assert "Refused" in d.visible_text() and "8443" in d.visible_text()
        await d.press("OK")  # closes the message
        await d.type_into("Destination Server Address", "host:8443")
        await d.press("OK")
        assert fleet.sync.client_settings("client-a").address == "host:8443"
        assert fleet.sync.status("client-a").settings_pending
        assert "take effect when the machine restarts" in d.visible_text()
        await d.press("Restart Machine")
        await fleet.settle()
        await settle(pilot)
        assert not fleet.sync.status("client-a").settings_pending
        assert fleet.sync.status("client-a").connected_to == "host"


@pytest.mark.rules("SYNC-03")
async def test_sync03_the_action_is_fixed_while_synchronizing(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = PanelDriver(app, pilot)
        await d.at("client-a")
        assert await d.login(*ADMIN)
        await d.press_path(["Management Settings", "Device Management", "Manage Personal Settings"])
        await d.press("Discard New User Settings")
        assert app.fleet.users.personal_settings_action("client-a") is UserLimitAction.DISCARD_NEW
        await start_server_and_clients(d, ("client-a",))
        assert await d.login(*ADMIN)
        await d.press_path(["Management Settings", "Device Management", "Manage Personal Settings"])
        assert app.fleet.users.personal_settings_action("client-a") is UserLimitAction.DELETE_OLDEST
        assert "it cannot be changed" in d.visible_text()
        await d.press("Discard New User Settings")
        assert "Refused" in d.visible_text()


@pytest.mark.rules("SYNC-07", "SYNC-10", "SYNC-18")
@pytest.mark.slow
async def test_sync10_sync07_sync18_server_remote_ui(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = PanelDriver(app, pilot)
        fleet = app.fleet
        await start_server_and_clients(d, ("client-a",))
        fleet.users.login_user("client-a", "ann")
        fleet.users.add_personal_button("client-a", "ann", "Mine")
        await fleet.settle()
        await d.at("host")
        await _sync_page(d)
        await d.press("Remote UI")
        # SYNC-10: refused while a client runs
        await d.press("Data Sharing Details")
        await d.press("[Device-Specific (Not Shared)]")
        assert "Refused" in d.visible_text()
        await d.press("OK")
        await d.press("Close")
        fleet.panel.login_admin("client-a", *ADMIN)
        fleet.sync.stop_client("client-a")
        fleet.panel.logout("client-a")
        await fleet.settle()
        await d.press("Data Sharing Details")
        table = app.screen.query_one("#sharing-table")
        table.move_cursor(row=list(PersonalItem).index(PersonalItem.KEYCHAIN))
        await d.press("[Device-Specific (Not Shared)]")
        assert fleet.sync_server.sharing_ranges("host")[PersonalItem.KEYCHAIN] is SharingRange.DEVICE_SPECIFIC
        await d.press("Close")
        # SYNC-18: back up to the device; an SMB destination asks for the SMB server's account
        await d.press("Backup/Restore")
        assert "User Name" not in d.visible_text()
        await d.press("Back Up Now")
        assert len(await fleet.sync_server.backups("host")) == 1
        await d.type_into("Backup Destination (device or smb://host/share/folder)", "smb://127.0.0.1:1/backups/mfp")
        await d.type_into("Password", "typed-secret")
        await d.press("Back Up Now")
        assert "enter the SMB server's user name" in d.visible_text()  # a password without a user name
        assert "typed-secret" not in d.visible_text()  # masked
        await d.press("OK")
        await d.type_into("Backup Destination (device or smb://host/share/folder)", "device")
        await d.press("Daily")
        await d.type_into("Start Time (HHMM)", "0230")
        await d.press("Save Schedule")
        assert fleet.sync_server.backup_schedule("host").start == "0230"
        await d.press("Close")
        # SYNC-07: delete a user on the server
        await d.press("Delete User Data")
        await d.tick(["ann"])
        await d.press("Delete")
        await d.press("Yes")
        assert "ann" not in fleet.sync_server.users("host")


@pytest.mark.rules("SYNC-19")
@pytest.mark.slow
async def test_sync19_server_change_step_by_step_with_refusals(tmp_path) -> None:
    from mfp_console.clock import VirtualClock
    from mfp_console.engine.fleet import Fleet
    from mfp_console.tui.app import create_app
    from tests.sync.conftest import fleet_spec
    from tests.tui.conftest import START, prepare_state_dir

    spec = fleet_spec(client_a={"functions": ["distribution_receiver", "sync_server", "sync_client"]})
    fleet = Fleet(spec, prepare_state_dir(tmp_path), VirtualClock(START))
    app = create_app(fleet=fleet, for_tests=True)
    async with app.run_test(size=SIZE) as pilot:
        d = PanelDriver(app, pilot)
        await start_server_and_clients(d, ("client-c",))
        await d.at("host")
        await _sync_page(d)
        await d.press("Remote UI")
        await d.press("Change Server")
        await d.type_into("New Server (machine)", "client-a")
        await d.press("Begin Server Change")
        assert "→ 1. stop synchronization on every client" in d.visible_text()
        await d.press("Back Up")
        assert "Refused" in d.visible_text() and "client-c" in d.visible_text()
        await d.press("OK")
        fleet.panel.login_admin("client-c", *ADMIN)
        fleet.sync.stop_client("client-c")
        await fleet.settle()
        await d.press("Back Up")
        await d.press("Stop Server Function")
        assert "✓ 3. stop the server function on host" in d.visible_text()
        await d.press("Close")
        await d.press("Close")  # the Remote UI portal too
        await d.at("client-a")
        await _sync_page(d)
        await d.press("Remote UI")
        await d.press("Change Server")
        await d.press("Restore Backup")
        assert "Refused" in d.visible_text() and "step 4" in d.visible_text()
        await d.press("OK")
        await d.press("Start Server Function")
        await d.press("Restore Backup")
        assert "→ 6. start synchronization on the clients" in d.visible_text()
        fleet.sync.start_client("client-c")
        await fleet.settle()
        assert fleet.sync_server.server_change() is None
        assert fleet.sync.status("client-c").connected_to == "client-a"


@pytest.mark.rules("SYNC-14")
async def test_sync14_log_shows_warning_and_error_levels(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = PanelDriver(app, pilot)
        fleet = app.fleet
        await _start_from_panel(d, "client-a", "client-start")  # no server runs: Warning
        await d.press("Remote UI")
        await d.press("Synchronization Log")
        await d.press("Warning")
        assert "Warning" in d.visible_text()
        assert fleet.sync.log_entries("client-a", "Warning")


@pytest.mark.rules("SYNC-18")
@pytest.mark.xdist_group("samba")
async def test_sync18_back_up_to_a_real_smb_server_from_the_remote_ui(make_app, samba: SambaServer) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = PanelDriver(app, pilot)
        fleet = app.fleet
        await start_server_and_clients(d, ())
        await d.at("host")
        await _sync_page(d)
        await d.press("Remote UI")
        await d.press("Backup/Restore")
        target = samba.url("backups", "panel")
        await d.type_into("Backup Destination (device or smb://host/share/folder)", target)
        await d.type_into("User Name", USER)
        await d.type_into("Password", PASSWORD)
        assert PASSWORD not in d.visible_text()  # masked
        await d.press("Back Up Now")
        folder = samba.shares["backups"] / "panel"

        def backup_listed() -> bool:
            return app.screen.query_one("#backup-table").row_count == 1

        deadline = time.monotonic() + 20  # over a real network share: wait for the state, bounded
        while not backup_listed() and time.monotonic() < deadline:
            await pilot.pause(0.02)
        assert backup_listed()
        written = sorted(p.name for p in folder.iterdir())
        assert len(written) == 1 and written[0] in d.visible_text()
        await d.type_into("Password", "not-the-password")
        await d.press("Back Up Now")
        deadline = time.monotonic() + 20
        while "STATUS_LOGON_FAILURE" not in d.visible_text() and time.monotonic() < deadline:
            await pilot.pause(0.02)
        assert "refused the user name or password" in d.visible_text()
        assert "not-the-password" not in d.visible_text()
        assert any("STATUS_LOGON_FAILURE" in e.message for e in fleet.sync.log_entries("host", "Error"))


@pytest.mark.rules("SYNC-21", "SYNC-12")
async def test_sync21_personal_data_exported_on_the_panel_before_synchronizing(make_app) -> None:
    """<Import/Export> offers the users' personalized data; once the client synchronizes it is refused."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = PanelDriver(app, pilot)
        fleet = app.fleet
        fleet.users.login_user("client-a", "ann")
        fleet.users.add_personal_address("client-a", "ann", "Kept", "k@example.com")
        await d.at("client-a")
        assert await d.login(*ADMIN)
        await d.press_path(["Management Settings", "Data Management", "Import/Export"])
        await d.press("Export Personal Data")
        await fleet.settle()
        await pilot.pause()
        assert any(p.name.startswith("client-a-personal-data") for p in app.screenshot_dir.iterdir())
        await d.press("OK")
        fleet.panel.login_admin("host", *ADMIN)
        fleet.sync.start_server("host")
        fleet.sync.start_client("client-a")
        await fleet.settle()
        await d.press("Export Personal Data")
        await fleet.settle()
        await pilot.pause()
        assert "synchronizes personalized data" in d.visible_text()


@pytest.mark.rules("SYNC-22")
async def test_sync22_the_personal_screen_says_what_this_machine_does_not_show(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = PanelDriver(app, pilot)
        await d.at("client-b")  # no fax board
        assert await d.user_login("ann")
        await d.press("Job Default Settings")
        assert "(no fax board) is not shown on this machine" in d.visible_text()  # the note wraps after this


@pytest.mark.rules("SYNC-18")
async def test_sync18_a_spare_server_takes_replicas_only_from_the_server_named_on_its_panel(tmp_path) -> None:
    from mfp_console.clock import VirtualClock
    from mfp_console.engine.fleet import Fleet
    from mfp_console.errors import RuleRefusal
    from mfp_console.tui.app import create_app
    from tests.sync.conftest import fleet_spec
    from tests.tui.conftest import START, prepare_state_dir

    spec = fleet_spec(client_a={"functions": ["distribution_receiver", "sync_server", "sync_client"]})
    fleet = Fleet(spec, prepare_state_dir(tmp_path), VirtualClock(START))
    app = create_app(fleet=fleet, for_tests=True)
    async with app.run_test(size=SIZE) as pilot:
        d = PanelDriver(app, pilot)
        fleet.panel.login_admin("host", *ADMIN)
        fleet.sync.start_server("host")
        with pytest.raises(RuleRefusal, match="not set to replicate"):
            await fleet.sync_server.replicate("host", "client-a")
        await d.at("client-a")
        await _sync_page(d)
        await d.press("Remote UI")
        await d.press("Backup/Restore")
        await d.type_into("Replicate to (machine)", "host")
        await d.press("Take Replicas From")
        assert fleet.sync_server.replica_source("client-a") == "host"
        assert await fleet.sync_server.replicate("host", "client-a") == 0
