"""Pilot tests of what surrounds the panel: walking between machines (UI-02), the fleet view and event log
fed by the bus (UI-03), the fault panel (UI-04), the clock (UI-05), and the covered panel while a machine
updates (DID-11) or shows an error (DID-12)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import DataTable

from mfp_console.domain.machine import Activity, PowerState
from mfp_console.engine.events import DestinationStatusChanged
from mfp_console.tui.driver import PanelDriver
from mfp_console.tui.widgets.fleet_views import EventLog, FleetView
from tests.tui.conftest import SIZE, START, settle


def _cell(app, machine: str, column: str) -> str:
    table: DataTable[str] = app.query_one(FleetView)
    return str(table.get_cell(machine, column))


class TestWalkingBetweenMachines:
    """UI-02: each machine's own panel, in its own state; login state comes from the engine."""

    @pytest.mark.rules("UI-02")
    async def test_ui02_each_machine_keeps_its_own_panel_and_login(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            assert await driver.login("7654321", "7654321")
            await driver.press_path(["Set Destination", "Register Destinations"])
            host_book = app.fleet.data.device_info("host").address_book.entries

            await driver.at("client-a")
            text = driver.visible_text()
            assert "client-a · iR-ADV C5535" in text and "Not logged in" in text
            assert driver.current_path() == ("Settings/Registration",)
            await driver.press_path(["Set Destination", "Register Destinations"])
            client_book = app.fleet.data.device_info("client-a").address_book.entries
            assert client_book != host_book
            assert f"{len(client_book)} destinations" in driver.visible_text()
            assert client_book[0].name[:20] in driver.visible_text()

            await driver.at("host")
            assert app.fleet.panel.is_admin("host") and "Administrator" in driver.visible_text()
            assert driver.current_path()[-1] == "Register Destinations"
            assert f"{len(host_book)} destinations" in driver.visible_text()


class TestFaultsAndFleetView:
    """UI-04 faults change engine state; UI-03 the fleet view and the log follow the bus."""

    @pytest.mark.rules("UI-04")
    async def test_ui04_fault_panel_changes_engine_state(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            await driver.at("client-a")
            state = lambda: app.fleet.view("client-a").state  # noqa: E731

            await driver.press("Power Off")
            assert state().power is PowerState.OFF
            assert "Main power is off" in driver.visible_text()
            assert _cell(app, "client-a", "power") == "Off"
            await driver.press("Power On")
            assert state().power is PowerState.ON

            await driver.press("Start Printing")
            assert state().activity is Activity.PRINTING
            await driver.press("Stop Printing")
            await driver.press("Cut Network")
            assert state().network_cut and _cell(app, "client-a", "network") == "cut"
            await driver.press("Restore Network")
            await driver.press("Remove TLS Key")
            assert not state().tls_configured and app.fleet.data.certificate_info("client-a") is None
            assert "Regenerate TLS Key" in driver.visible_labels()

    @pytest.mark.rules("M-02", "UI-04")
    async def test_ui04_m02_change_pin_then_log_in_without_leading_zeros(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            await driver.press("Change PIN…")
            await driver.type_into("New System Manager PIN", "0")
            await driver.press("OK")
            assert "Refused" in driver.visible_text()
            await driver.press("OK")
            await driver.press("Change PIN…")
            await driver.type_into("New System Manager PIN", "0000321")
            await driver.press("OK")
            assert not await driver.login("7654321", "7654321")
            assert await driver.login("7654321", "321")

    @pytest.mark.rules("UI-03")
    async def test_ui03_fleet_view_and_event_log_follow_the_bus(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            app.fleet.faults.power("client-b", PowerState.OFF)  # an engine change, not a panel action
            app.fleet.faults.cut_network("client-c", True)
            await settle(pilot)
            assert _cell(app, "client-b", "power") == "Off"
            assert _cell(app, "client-c", "network") == "cut"
            log = "\n".join(text for _, text in app.query_one(EventLog).entries)  # whole, however wrapped
            assert "client-b: power On → Off" in log and "client-c: network connected → cut" in log

            # Links in use follow the destinations' status cells (DID-04).
            publish = app.fleet.bus.publish
            publish(DestinationStatusChanged(at=START, machine="host", job_id=1, destination="client-a",
                                             status="Distributing"))
            await settle(pilot)
            assert (_cell(app, "host", "links"), _cell(app, "client-a", "links")) == ("→client-a", "←host")
            publish(DestinationStatusChanged(at=START, machine="host", job_id=1, destination="client-a", status="OK"))
            await settle(pilot)
            assert _cell(app, "host", "links") == ""


class TestCoveredPanels:
    """DID-11: the setting-update screen locks a client's panel; DID-12: an error shows until cleared."""

    @pytest.mark.rules("DID-11")
    async def test_did11_updating_client_shows_the_update_screen(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            app.fleet.faults.set_activity("client-a", Activity.UPDATING)
            await driver.at("client-a")
            assert "Updating settings…" in driver.visible_text()
            assert "Settings/Registration" not in driver.visible_labels()
            assert "Back" not in driver.visible_labels()
            app.fleet.faults.set_activity("client-a", Activity.IDLE)
            await settle(pilot)
            assert "Updating settings…" not in driver.visible_text()
            await driver.press("Set Destination")

    @pytest.mark.rules("DID-12")
    async def test_did12_error_shows_until_cleared_from_the_fault_panel(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            app.fleet.live_machine("client-d").set_error("E-UPDATE")
            await driver.at("client-d")
            assert "Error E-UPDATE" in driver.visible_text() and "service representative" in driver.visible_text()
            await driver.press("Clear Error")
            assert app.fleet.view("client-d").state.error_code == ""
            assert "Error E-UPDATE" not in driver.visible_text()


class TestDrivenPanel:
    """The scenario runner's entry point runs the same app and driver."""

    @pytest.mark.rules("UI-01")
    async def test_ui01_driven_panel_context(self, tmp_path) -> None:
        from mfp_console.clock import VirtualClock
        from mfp_console.tui.app_factory import create_app, driven_panel
        from tests.tui.conftest import prepare_state_dir

        app = create_app(None, prepare_state_dir(tmp_path), VirtualClock(START), machine="client-b", for_tests=True)
        async with driven_panel(app) as panel:
            assert panel.current_path() == ("Settings/Registration",)
            assert "client-b · iR-ADV C5540" in panel.visible_text()


class TestClock:
    """UI-05: machine time on screen; under a virtual clock, a jump to the next scheduled event."""

    @pytest.mark.rules("UI-05")
    async def test_ui05_jump_to_next_scheduled_event(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            fired: list[str] = []
            app.fleet.clock.call_at(START + timedelta(hours=18), lambda: fired.append("03:00"), "auto distribution")
            await settle(pilot)
            app.clock_moved()
            await settle(pilot)
            assert "next: 2026-11-21 03:00 auto" in driver.visible_text()
            await driver.press("Next Event")
            assert fired == ["03:00"]
            assert "2026-11-21 03:00:00 UTC" in driver.visible_text()
