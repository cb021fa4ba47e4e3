"""DID-25 and DID-26 on the host's panel: the preparing phase before the first destination, with the time
left, and what the destinations say after the host was switched off while preparing; what a client of
another series did not receive is listed in the destination's ``<Details>`` on the status list."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mfp_console.domain.device_info import Category
from mfp_console.domain.machine import PowerState
from mfp_console.tui.driver import PanelDriver
from mfp_console.tui.screens.dialogs import MessageBox
from mfp_console.tui.widgets.did_parts import DestinationStatusTable
from tests.tui.conftest import SIZE

PIN = "7654321"
MANUAL = ["Management Settings", "Device Management", "Device Information Distribution Settings",
          "Manual Distribution"]


def slow_preparing(app, seconds_per_mib: float = 36000.0):
    """The host spends machine time preparing (DID-25), so the phase can be seen."""
    spec = app.fleet.spec
    app.fleet.spec = replace(spec, settings=replace(spec.settings, prepare_seconds_per_mib=seconds_per_mib))
    return app


async def _start(driver: PanelDriver, categories: list[str], ticks: list[str]) -> None:
    assert await driver.login(PIN, PIN)
    await driver.press_path(MANUAL)
    for label in categories:
        await driver.set_toggle(label, True)
        if label == "Settings/Registration Value":
            await driver.press("OK")  # the <Network Settings> screen: <Exclude>
    await driver.press("Next")
    await driver.tick(ticks)
    await driver.press("Start Manual Distribution")
    await driver.app.fleet.settle()
    await driver.settle()


def run_line(driver: PanelDriver) -> str:
    """The line beside the progress bar, whole (the panel wraps it)."""
    return str(driver.app.current_panel.page.query_one("#manual-run-line").render())


async def _details_of(driver: PanelDriver, name: str) -> str:
    table = driver.app.current_panel.page.query_one(DestinationStatusTable)
    table.move_cursor(row=table.keys.index(name))
    await driver.press("Details")
    assert isinstance(driver.app.screen, MessageBox)
    return driver.app.screen.text


@pytest.mark.rules("DID-25")
async def test_did25_the_host_panel_shows_preparing_with_the_time_left(make_app) -> None:
    app = slow_preparing(make_app())
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        await _start(driver, ["Address Book", "Paper Information"], ["client-a", "client-b"])
        job = app.fleet.distribution.current_job("host")
        assert job is not None and job.preparing
        text = run_line(driver)
        assert "Preparing the distribution: until" in text and "Do not turn off the machine." in text
        assert f"until {job.preparing_until:%H:%M:%S}" in text
        assert "Preparing the distribution" in driver.visible_text()
        cells = {k: str(v) for k, v in ((k, driver.app.current_panel.page.query_one(DestinationStatusTable)
                                          .get_cell(k, "status")) for k in ("client-a", "client-b"))}
        assert cells == {"client-a": "Waiting", "client-b": "Waiting"}
        left_before = (job.preparing_until - app.fleet.clock.now()).total_seconds()
        await app.advance_clock(60)
        await driver.settle()
        left = int(left_before) - 60
        assert f"({left // 60}:{left % 60:02d} left)" in run_line(driver)  # it counts down


@pytest.mark.rules("DID-25")
async def test_did25_host_switched_off_while_preparing_the_destinations_say_nothing_was_sent(make_app) -> None:
    app = slow_preparing(make_app())
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        fleet = app.fleet
        before = fleet.data.device_info("client-a").printer_settings
        await _start(driver, ["Printer Settings"], ["client-a", "client-b"])
        assert fleet.distribution.current_job("host").preparing
        fleet.faults.power("host", PowerState.OFF)
        await fleet.settle()
        fleet.faults.power("host", PowerState.ON)
        await fleet.settle()
        await driver.settle()
        await _start_again_view(driver)
        assert "NG E-INTERRUPTED" in driver.visible_text() and "finished: 2 NG" in run_line(driver)
        detail = await _details_of(driver, "client-a")
        assert "<Status>: NG E-INTERRUPTED" in detail
        assert "switched off while preparing" in detail and "nothing was sent" in detail
        assert fleet.data.device_info("client-a").printer_settings == before


async def _start_again_view(driver: PanelDriver) -> None:
    """After the power cycle: log in again and open the status list of <Manual Distribution>."""
    assert await driver.login(PIN, PIN)
    await driver.press_path(MANUAL)
    await driver.set_toggle("Printer Settings", True)
    await driver.press("Next")


@pytest.mark.rules("DID-26", "DID-18")
async def test_did26_what_another_series_skipped_is_listed_in_the_destinations_details(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        fleet = app.fleet
        fleet.panel.login_admin("client-d", PIN, PIN)
        settings = fleet.distribution.receiving_settings("client-d")
        fleet.distribution.set_receiving_settings("client-d", replace(settings, restrict_model=False))
        await _start(driver, ["Settings/Registration Value"], ["client-d"])
        assert fleet.distribution.destination_statuses("host") == {"client-d": "OK"}
        detail = await _details_of(driver, "client-d")
        assert "<Status>: OK" in detail
        assert "series does not have" in detail
        assert "Fax Line Settings/Line 4/Line Name" in detail  # one of what iR-ADV C3500 lacks
        assert Category.SETTINGS_VALUES.label in detail
