"""The machine around the panel (issue 13): the keys beside the screen (M-10, SYNC-13), the Remote UI window
with Canon's labels (UI-06), the real machine's other menu entries greyed out (UI-01) and the note on
``<Network>`` when this computer moved the machine's port."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from mfp_console.domain.machine import PowerState
from mfp_console.tui.driver import PanelDriver, PanelDriverError
from mfp_console.tui.pages.remote_ui import RemotePortal
from mfp_console.tui.pages.sync_remote import DeviceListScreen
from tests.tui.conftest import SIZE

ADMIN = ("7654321", "7654321")


async def _started(app: object, pilot: object) -> PanelDriver:
    driver = PanelDriver(app, pilot)  # type: ignore[arg-type]
    await driver.wait_until(lambda: driver.app.started, "the panel did not start")
    return driver


async def _sync_running(driver: PanelDriver, clients: tuple[str, ...] = ("client-a",)) -> None:
    fleet = driver.app.fleet
    fleet.panel.login_admin("host", *ADMIN)
    fleet.sync.start_server("host")
    fleet.panel.logout("host")
    for client in clients:
        fleet.panel.login_admin(client, *ADMIN)
        fleet.sync.start_client(client)
        fleet.panel.logout(client)
    await fleet.settle()
    await driver.settle()


@pytest.mark.rules("M-10", "SYNC-13", "UI-06")
async def test_m10_sync13_energy_saver_is_refused_by_a_server_with_operating_clients_and_says_why(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = await _started(app, pilot)
        await _sync_running(d)
        await d.press("Energy Saver")
        text = d.visible_text()
        assert "The machine cannot enter Sleep mode now: synchronization clients" in text
        assert "are operating (client-a)." in text
        assert "SYNC-13" not in text  # UI-06: the machine's words, no rule ID
        assert app.fleet.view("host").state.power is PowerState.ON
        await d.press("OK")
        await d.key("f10")  # instructor mode names the rule
        await d.press("Energy Saver")
        assert "Energy Saver (SYNC-13)" in d.visible_text()


@pytest.mark.rules("M-10")
async def test_m10_energy_saver_puts_the_machine_to_sleep_and_wakes_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = await _started(app, pilot)
        await d.at("client-a")
        await d.press("Energy Saver")
        assert app.fleet.view("client-a").state.power is PowerState.SLEEP
        assert "Sleep mode" in d.visible_text()
        assert "Home" not in d.visible_labels()  # the other keys wait for the machine to wake up
        await d.press("Energy Saver")
        assert app.fleet.view("client-a").state.power is PowerState.ON
        assert "<Management Settings>" in d.visible_labels()


async def test_reset_ends_the_login_and_home_returns_to_the_top(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = await _started(app, pilot)
        assert await d.login(*ADMIN)
        await d.press_path(["Management Settings", "Device Management"])
        await d.press("Home")
        assert d.current_path() == ("Settings/Registration",)
        await d.press_path(["Management Settings", "User Management"])
        await d.press("Reset")
        assert not app.fleet.panel.is_admin("host")
        assert d.current_path() == ("Settings/Registration",)
        assert "Not logged in" in d.visible_text()


@pytest.mark.rules("DID-04", "DID-05")
async def test_status_monitor_shows_the_hosts_distribution_and_the_sync_functions(make_app) -> None:
    from mfp_console.domain.device_info import Category

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = await _started(app, pilot)
        fleet = app.fleet
        await d.press("Status Monitor")
        assert "Device information distribution: no job yet" in d.visible_text()
        await d.press("OK")
        fleet.panel.login_admin("host", *ADMIN)
        fleet.distribution.start_manual_distribution("host", [Category.PAPER_INFORMATION], ["client-a"])
        await fleet.settle()  # the engine's work (real TLS conversations), not the app's, ends the job
        await d.settle()
        assert not fleet.distribution.last_job("host").running
        await d.press("Status Monitor")
        text = d.visible_text()
        assert "Status Monitor — host" in text
        assert "job 1 (manual)" in text and "Finished" in text
        assert "client-a     OK" in text
        assert "Synchronize Custom Settings (Server): Stopped" in text


@pytest.mark.rules("M-01", "M-09")
async def test_counter_device_information_shows_who_the_machine_is(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = await _started(app, pilot)
        await d.at("client-a")
        await d.press("Counter/Device Information")
        identity = app.fleet.view("client-a").identity
        text = d.visible_text()
        for line in (f"Product Name: {identity.model}", f"Serial Number: {identity.serial}",
                     f"Firmware Version: {identity.firmware}", "IPv4 Address: 127.20.0.12", "Host Name: client-a"):
            assert line in text


@pytest.mark.rules("UI-06", "SYNC-15")
async def test_ui06_remote_ui_is_a_window_of_its_own_with_canons_labels(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = await _started(app, pilot)
        await _sync_running(d)
        assert await d.login(*ADMIN)
        await d.press_path(["Management Settings", "Device Management", "Synchronize Custom Settings"])
        labels = d.visible_labels()
        assert not [label for label in labels if label.startswith("[")]  # no Remote UI buttons on the panel
        await d.press("Remote UI")
        assert isinstance(app.screen, RemotePortal)
        text = d.visible_text()
        assert "Remote UI — host — Portal" in text
        for group in ("[Synchronize Custom Settings]", "[Synchronize Custom Settings (Server)] › [User Data]",
                      "[Synchronize Custom Settings (Server)] › [Device]"):
            assert group in text
        for label in ("[Change Connection Destination]", "[Synchronization Log]", "[Delete User Data]",
                      "[Prepare for User Data Export]", "[Check Device Information]", "[Data Sharing Details]",
                      "[Backup/Restore]", "[Change Server]"):
            assert label in d.visible_labels()
        await d.press("Check Device Information")
        assert isinstance(app.screen, DeviceListScreen)
        assert "client-a" in d.visible_text()
        await d.press("Close")
        assert isinstance(app.screen, RemotePortal)  # back on the portal
        await d.press("Close")
        await d.at("client-a")
        await d.press("Remote UI")
        assert "[Check Device Information]" not in d.visible_labels()  # no server pages on a client-only machine
        assert "[Change Connection Destination]" in d.visible_labels()


@pytest.mark.rules("SYNC-12", "SYNC-21")
async def test_prepare_for_user_data_export_from_the_remote_ui(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = await _started(app, pilot)
        fleet = app.fleet
        fleet.panel.login_admin("host", *ADMIN)
        fleet.sync.start_server("host")
        fleet.sync.set_client_settings("host", "localhost:8443", 1)
        fleet.sync.start_client("host")
        await fleet.settle()
        await d.press("Remote UI")
        await d.press("Prepare for User Data Export")
        assert "allowed until 09:15" in d.visible_text()


@pytest.mark.rules("UI-01")
async def test_ui01_the_real_machines_other_entries_are_greyed_out_and_open_nothing(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = await _started(app, pilot)
        assert "<Adjustment/Maintenance>" in d.visible_text()
        with pytest.raises(PanelDriverError, match="disabled"):
            await d.press("Adjustment/Maintenance")
        assert await d.login(*ADMIN)
        await d.press_path(["Management Settings"])
        for label in ("<License/Other>", "<Security Settings>"):
            assert label in d.visible_text() and label not in d.visible_labels()
        await d.press("Device Management")
        assert "<Device Information Settings>" in d.visible_text()
        assert "<Device Information Settings>" not in d.visible_labels()
        assert not await app.current_panel.go_to("device.limited_functions")


@pytest.fixture
def host_port_taken() -> Iterator[None]:
    """Port 8443 of the host's planned address held by someone else (another fleet on this computer)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a closed listener's TIME_WAIT does not count
    try:
        sock.bind(("127.20.0.11", 8443))
        sock.listen()
    except OSError:
        pass  # another listener has it (a fleet of another test): taken all the same
    yield
    sock.close()


@pytest.mark.rules("M-09")
async def test_m09_network_settings_say_when_this_computer_moved_the_machines_port(make_app, host_port_taken) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = await _started(app, pilot)
        await d.press_path(["Preferences", "Network", "TCP/IP Settings", "IPv4 Settings"])
        text = d.visible_text()
        assert "IPv4 Address" in text and "127.20.0.11" in text
        assert "Note (this computer, not the machine): it listens on 127.20.0.11:" in text
        assert "port 8443 of 127.20.0.11 is taken" in text
