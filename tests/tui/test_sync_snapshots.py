"""Snapshot tests (``snap_compare``) of every screen of Personalized Data Synchronization (SYNC-01…SYNC-20).

Deterministic like ``test_snapshots.py``: a virtual clock that never moves unless a step moves it, the
fixed fleet PKI, ``for_tests=True``, a fixed terminal size, and clients started one after the other so logs
and device lists always come in the same order. The fleet view and event log are hidden (F7): the event
log's order of concurrent TLS events is not part of what these screens show. The Remote UI device list
shows IP addresses, not the emulator's loopback ports, which change from run to run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from mfp_console.domain.sync_items import PersonalItem
from mfp_console.tui.driver import PanelDriver
from tests.tui.conftest import SIZE, settle

Steps = Callable[[PanelDriver], Awaitable[None]]
ADMIN = ("7654321", "7654321")


def _before(steps: Steps) -> Callable[[Pilot[int]], Awaitable[None]]:
    async def run_before(pilot: Pilot[int]) -> None:
        driver = PanelDriver(pilot.app, pilot)  # type: ignore[arg-type]
        await driver.wait_until(lambda: driver.app.started, "the panel did not start")
        await driver.key("f7")
        await steps(driver)
        await pilot.app.fleet.settle()  # type: ignore[attr-defined]
        await settle(pilot)
        refresh = getattr(pilot.app.screen, "refresh_data", None)
        if callable(refresh):
            refresh()
        await settle(pilot)

    return run_before


async def _sync_page(d: PanelDriver, machine: str) -> None:
    await d.at(machine)
    assert await d.login(*ADMIN)
    await d.press_path(["Management Settings", "Device Management", "Synchronize Custom Settings"])


async def _started(d: PanelDriver, clients: tuple[str, ...] = ("client-a", "client-b")) -> None:
    """Server on host and the clients, started through the facade one after the other, then settled."""
    fleet = d.app.fleet
    fleet.panel.login_admin("host", *ADMIN)
    fleet.sync.start_server("host")
    fleet.panel.logout("host")
    for client in clients:
        fleet.panel.login_admin(client, *ADMIN)
        fleet.sync.start_client(client)
        fleet.panel.logout(client)
        await fleet.settle()


async def _alice_with_data(d: PanelDriver) -> None:
    fleet = d.app.fleet
    await _started(d)
    fleet.users.login_user("client-a", "alice")
    fleet.users.add_personal_address("client-a", "alice", "Bob Jones", "bob@example.com")
    fleet.users.add_personal_address("client-a", "alice", "Sales fax", "0312345678", "Fax")
    fleet.users.add_personal_button("client-a", "alice", "Scan to Bob", "Scan and Send")
    await fleet.settle()


class TestSyncPanel:
    """The panel's screens: the functions, the personal settings action, the user login and personal data."""

    @pytest.mark.rules("SYNC-01")
    def test_sync01_server_page_with_clients(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await _started(d)
            await _sync_page(d, "host")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("SYNC-20")
    def test_sync20_client_page_with_settings_waiting_for_a_restart(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await _started(d, ("client-a",))
            await _sync_page(d, "client-a")
            d.app.fleet.sync.set_client_settings("client-a", "host:8443")
            d.app.current_panel.refresh_data()

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("SYNC-03")
    def test_sync03_manage_personal_settings_fixed_action(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await _started(d, ("client-a",))
            await d.at("client-a")
            assert await d.login(*ADMIN)
            await d.press_path(["Management Settings", "Device Management", "Manage Personal Settings"])

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("SYNC-08")
    def test_sync08_user_login_dialog(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await d.at("client-a")
            await d.key("f5")
            await d.type_into("User Name", "alice")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("SYNC-08")
    def test_sync08_personal_address_list_on_another_client(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await _alice_with_data(d)
            await d.at("client-b")
            assert await d.user_login("alice")
            await d.press("Personal Address List")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("SYNC-08")
    def test_sync08_personal_buttons(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await _alice_with_data(d)
            await d.at("client-b")
            assert await d.user_login("alice")
            await d.press("Personal Buttons")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("SYNC-08")
    def test_sync08_job_default_settings(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await d.at("client-a")
            assert await d.user_login("alice")
            await d.press("Job Default Settings")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("SYNC-16", "SYNC-17")
    def test_sync16_sync17_keychain_on_old_firmware(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            fleet = d.app.fleet
            fleet.panel.login_admin("client-b", *ADMIN)
            fleet.users.register_connection_destination("client-b", "fs-sales")
            fleet.panel.logout("client-b")
            await _started(d, ("client-b",))
            fleet.users.login_user("client-b", "jo")
            fleet.users.add_keychain_entry("client-b", "jo", "fs-sales", "jo-sales")
            fleet.users.add_keychain_entry("client-b", "jo", 2, "jo-space")
            await d.at("client-b")
            await d.key("f5")  # jo is logged in already: F5 opens the personal settings
            await d.press("Keychain")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))


class TestSyncRemoteUI:
    """The Remote UI pages, opened from the portal of the ``Remote UI`` key (UI-06)."""

    @pytest.mark.rules("SYNC-01")
    def test_sync01_connection_settings(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await _started(d, ("client-a",))
            await _sync_page(d, "client-a")
            await d.press("Remote UI")
            await d.press("Change Connection Destination")
            await d.type_into("Destination Server Address", "host:8443")
            await d.press("OK")
            d.app.clear_notifications()

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("SYNC-01")
    def test_sync01_port_rule_refusal(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await _sync_page(d, "client-a")
            await d.press("Remote UI")
            await d.press("Change Connection Destination")
            await d.type_into("Destination Server Address", "host:9000")
            await d.press("OK")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("SYNC-15", "SYNC-16")
    def test_sync15_sync16_device_list(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            fleet = d.app.fleet
            for name, order in (("host", ["fs-sales", "space-1"]), ("client-a", ["fs-sales", "space-1"]),
                                ("client-b", ["space-1", "fs-sales"])):
                fleet.panel.login_admin(name, *ADMIN)
                for dest in order:
                    fleet.users.register_connection_destination(name, dest)
                fleet.panel.logout(name)
            await _started(d)
            await _sync_page(d, "host")
            await d.press("Remote UI")
            await d.press("Check Device Information")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("SYNC-10")
    def test_sync10_data_sharing_details(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            fleet = d.app.fleet
            fleet.panel.login_admin("host", *ADMIN)
            fleet.sync.start_server("host")
            fleet.sync_server.set_sharing_range("host", PersonalItem.KEYCHAIN, "device_specific")
            fleet.panel.logout("host")
            await _sync_page(d, "host")
            await d.press("Remote UI")
            await d.press("Data Sharing Details")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("SYNC-10")
    def test_sync10_refused_while_a_client_runs(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await _started(d, ("client-a",))
            await _sync_page(d, "host")
            await d.press("Remote UI")
            await d.press("Data Sharing Details")
            await d.press("[Device-Specific (Not Shared)]")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("SYNC-07")
    def test_sync07_delete_user_data(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            fleet = d.app.fleet
            await _started(d, ("client-a",))
            for user in ("alice", "bob", "carol"):
                fleet.users.login_user("client-a", user)
                await fleet.settle()
            await _sync_page(d, "host")
            await d.press("Remote UI")
            await d.press("Delete User Data")
            await d.tick(["bob"])

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("SYNC-18")
    def test_sync18_backup_and_restore(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await _alice_with_data(d)
            await _sync_page(d, "host")
            await d.press("Remote UI")
            await d.press("Backup/Restore")
            await d.press("Back Up Now")
            await d.press("Weekly")
            await d.type_into("Start Time (HHMM)", "0230")
            await d.type_into("Day of Week (Sun/Mon/Tue/Wed/Thu/Fri/Sat)", "Mon")
            await d.press("Save Schedule")
            d.app.clear_notifications()

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("SYNC-14")
    def test_sync14_log_with_warning_and_error(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            fleet = d.app.fleet
            fleet.panel.login_admin("client-a", *ADMIN)
            fleet.sync.start_client("client-a")  # no server yet: Warning, retried
            await fleet.settle()
            fleet.sync.set_user_group_management("client-a", True)  # SYNC-04 mismatch once a server answers
            fleet.sync.stop_client("client-a")
            fleet.panel.logout("client-a")
            await _started(d, ())
            fleet.panel.login_admin("client-a", *ADMIN)
            fleet.sync.start_client("client-a")
            fleet.panel.logout("client-a")
            await fleet.settle()
            await _sync_page(d, "client-a")
            await d.press("Remote UI")
            await d.press("Synchronization Log")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("SYNC-19")
    def test_sync19_server_change_in_progress(self, snap_compare, tmp_path) -> None:
        async def steps(d: PanelDriver) -> None:
            fleet = d.app.fleet
            await _started(d, ("client-c",))
            fleet.panel.login_admin("client-c", *ADMIN)
            fleet.sync.stop_client("client-c")
            fleet.panel.logout("client-c")
            await _sync_page(d, "host")
            await d.press("Remote UI")
            await d.press("Change Server")
            await d.type_into("New Server (machine)", "client-a")
            await d.press("Begin Server Change")
            await d.press("Stop Server Function")  # refused: step 2 (back up) comes first

        assert snap_compare(_two_server_app(tmp_path), terminal_size=SIZE, run_before=_before(steps))


def _two_server_app(tmp_path):
    """The default fleet where client-a can be a server too (for the server change, SYNC-19)."""
    from mfp_console.clock import VirtualClock
    from mfp_console.engine.fleet import Fleet
    from mfp_console.tui.app import create_app
    from tests.sync.conftest import fleet_spec
    from tests.tui.conftest import START, prepare_state_dir

    spec = fleet_spec(client_a={"functions": ["distribution_receiver", "sync_server", "sync_client"]})
    return create_app(fleet=Fleet(spec, prepare_state_dir(tmp_path), VirtualClock(START)), for_tests=True)
