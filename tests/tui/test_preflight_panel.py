"""The pre-flight check on the panel: opened from the destination list, it shows what each ticked destination
would meet and change (the emulator's codes included: it is the emulator's aid), and changes nothing."""

from __future__ import annotations

import pytest

from mfp_console.tui.driver import PanelDriver
from mfp_console.tui.screens.preflight import PreflightScreen
from tests.tui.conftest import SIZE
from tests.tui.test_did_panel import open_did, quiet, status_cells


async def shown_forecast(driver: PanelDriver) -> str:
    """Waits until the clients answered and the screen shows it; returns the screen's text."""
    await driver.app.workers.wait_for_complete()
    await driver.pilot.pause()
    screen = driver.app.screen
    assert isinstance(screen, PreflightScreen) and screen.forecasts is not None
    return driver.visible_text()


class TestPreflightPanel:
    @pytest.mark.rules("DID-04", "DID-05", "DID-08", "DID-18")
    async def test_manual_preflight_shows_the_outcomes_and_the_run_meets_them(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            fleet = app.fleet
            fleet.faults.change_pin("client-b", "1111111")
            before = {n: fleet.data.device_info(n) for n in ("client-a", "client-c")}
            await open_did(driver, "Manual Distribution")
            await driver.set_toggle("Address Book", True)
            await driver.set_toggle("Paper Information", True)
            await driver.press("Next")
            await driver.press("Pre-flight check")
            assert "Tick at least one destination" in driver.visible_text()
            await driver.press("OK")
            await driver.tick(["client-a", "client-b", "client-d"])
            await driver.press("Pre-flight check")

            text = await shown_forecast(driver)
            assert "Pre-flight check (emulator aid, not a screen of the machine)" in text
            assert "client-a: OK" in text and "address entries added" in text and "paper types" in text
            assert "client-b: NG E-AUTH" in text and "client-d: NG E-MODEL" in text
            assert "Would end: 1 OK, 1 NG E-AUTH, 1 NG E-MODEL" in text
            forecast = {f.destination: f.text for f in app.screen.forecasts}
            assert {n: fleet.data.device_info(n) for n in ("client-a", "client-c")} == before  # nothing changed

            await driver.press("Close")
            await driver.press("Start Manual Distribution")
            await quiet(driver)
            cells = status_cells(app)
            assert {n: cells[n] for n in forecast} == forecast

    @pytest.mark.rules("DID-21", "DID-19")
    async def test_auto_preflight_checks_what_is_being_saved(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            fleet = app.fleet
            from mfp_console.domain.device_info import Category
            from mfp_console.domain.receiving import ReceivingSettings

            fleet.panel.login_admin("client-c", "7654321", "7654321")
            fleet.distribution.set_receiving_settings(
                "client-c", ReceivingSettings().with_reception(Category.PRINTER_SETTINGS, False))
            await open_did(driver, "Set Auto Distribution")
            await driver.press("Everyday")
            await driver.type_into("Start Time 1", "0300")
            await driver.press("Next")
            await driver.set_toggle("Printer Settings", True)
            await driver.set_toggle("Paper Information", True)
            await driver.press("Next")
            await driver.tick(["client-c"])
            await driver.press("Pre-flight check")

            text = await shown_forecast(driver)
            assert "This auto distribution, run now, would send <Printer Settings>, <Paper" in text
            assert "client-c: OK" in text
            assert "<Printer Settings>: refused — set to <Off> under <Restrict Receiving for Each Function>" in text
            await driver.press("Close")
            await driver.press("OK")
            assert fleet.distribution.auto_distribution("host").destinations == ("client-c",)
