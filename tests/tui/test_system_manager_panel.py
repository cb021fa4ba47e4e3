"""M-08 on the touch panel: ``<System Manager Information Settings>`` with ``<System Manager ID>``,
``<System Manager PIN>`` and ``<Confirm>``; M-02's refusals shown on that screen, nothing changed; a PIN
changed there makes the host's next distribution end ``NG E-AUTH`` at that client (DID-08) — no fault panel.
"""

from __future__ import annotations

import pytest

from mfp_console.domain.device_info import Category
from mfp_console.errors import AuthError
from mfp_console.tui.driver import PanelDriver
from mfp_console.tui.screens.dialogs import MessageBox
from tests.tui.conftest import SIZE

PIN = "7654321"
SCREEN = ["Management Settings", "User Management", "System Manager Information Settings"]


async def _open(driver: PanelDriver, machine: str) -> None:
    await driver.at(machine)
    assert await driver.login(PIN, PIN)
    await driver.press_path(SCREEN)


def _logs_in(app, machine: str, manager_id: str, pin: str) -> bool:
    """Whether a fresh Administrator login with these values works (the session is ended first)."""
    fleet = app.fleet
    fleet.panel.logout(machine)
    try:
        fleet.panel.login_admin(machine, manager_id, pin)
    except AuthError:
        return False
    return True


@pytest.mark.rules("M-08", "M-02")
async def test_m08_the_screen_refuses_all_zeros_too_long_and_a_confirm_that_differs(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        await _open(driver, "client-b")
        text = driver.visible_text()
        for label in ("System Manager ID", "System Manager PIN", "Confirm"):
            assert label in text
        assert app.current_panel.page.query_one("#manager-id").value == PIN  # the stored ID; no PIN shown
        assert app.current_panel.page.query_one("#manager-pin").value == ""

        for pin, confirm, reason in (("0000000", "0000000", "cannot be all zeros"),
                                     ("0", "0", "cannot be all zeros"),
                                     ("12345678", "12345678", "1 to 7 digits"),
                                     ("1111111", "1111112", "differ")):
            await driver.type_into("System Manager PIN", pin)
            await driver.type_into("Confirm", confirm)
            await driver.type_into("System Manager", "Changed Name")
            await driver.press("OK")
            assert isinstance(app.screen, MessageBox), pin
            assert reason in driver.visible_text(), pin
            await driver.press("OK")
            assert driver.current_path()[-1] == "System Manager Information Settings"  # still on the screen
            info = app.fleet.data.device_info("client-b").department_ids.system_manager
            assert info.name != "Changed Name", pin  # nothing changed, the other details neither

        await driver.type_into("System Manager ID", "0000000")
        await driver.type_into("System Manager PIN", "1111111")
        await driver.type_into("Confirm", "1111111")
        await driver.press("OK")
        assert "cannot be all zeros" in driver.visible_text()
        await driver.press("OK")
        assert _logs_in(app, "client-b", PIN, PIN)  # the old ID and PIN still open the panel


@pytest.mark.rules("M-08", "DID-08")
async def test_m08_a_pin_changed_on_the_clients_screen_ends_the_hosts_next_run_ng_e_auth(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        fleet = app.fleet
        before_b = fleet.data.device_info("client-b").address_book
        await _open(driver, "client-b")
        await driver.type_into("System Manager PIN", "1111111")
        await driver.type_into("Confirm", "1111111")
        await driver.press("OK")
        assert not isinstance(app.screen, MessageBox)
        assert driver.current_path()[-1] == "User Management"  # <OK> stored it and went back
        assert fleet.panel.is_admin("client-b")  # (D) the Administrator stays logged in
        assert not _logs_in(app, "client-b", PIN, PIN)
        assert _logs_in(app, "client-b", PIN, "1111111")

        fleet.panel.login_admin("host", PIN, PIN)  # the host keeps the old PIN
        fleet.distribution.start_manual_distribution("host", [Category.ADDRESS_BOOK], ["client-a", "client-b"])
        await fleet.settle()
        assert fleet.distribution.destination_statuses("host") == {"client-a": "OK", "client-b": "NG E-AUTH"}
        assert fleet.data.device_info("client-b").address_book == before_b


@pytest.mark.rules("M-08")
async def test_m08_a_new_id_needs_the_pin_typed_twice(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        await _open(driver, "client-a")
        await driver.type_into("System Manager ID", "321")
        await driver.press("OK")
        assert isinstance(app.screen, MessageBox) and "enter the <System Manager PIN> and <Confirm> too" in app.screen.text
        await driver.press("OK")
        await driver.type_into("System Manager PIN", "4321")
        await driver.type_into("Confirm", "4321")
        await driver.press("OK")
        assert app.fleet.panel.system_manager_id("client-a") == "0000321"  # stored padded (M-02)
        assert _logs_in(app, "client-a", "321", "4321")
