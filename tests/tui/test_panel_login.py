"""Pilot tests of the Administrator login on the panel (M-02, M-03, DID-01): keypad, wrong PIN with the
tries left, the lockout and its countdown in machine time, logout."""

from __future__ import annotations

import pytest

from mfp_console.tui.driver import PanelDriver
from mfp_console.tui.screens.login import LoginDialog
from tests.tui.conftest import SIZE, settle


class TestAdministratorLogin:
    """M-03: ``<Management Settings>`` needs the System Manager ID and PIN of that machine."""

    @pytest.mark.rules("M-03")
    async def test_m03_management_settings_asks_for_login_then_opens(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            await driver.press("Management Settings")
            assert isinstance(app.screen, LoginDialog)
            # The keypad types into the focused field (a touch on each digit).
            for digit in "7654321":
                await driver.press(digit)
            assert app.screen.query_one("#manager-id").value == "7654321"
            assert await driver.login("7654321", "7654321")
            assert app.fleet.panel.is_admin("host")
            assert driver.current_path() == ("Settings/Registration", "Management Settings")
            assert "Administrator" in driver.visible_text()

    @pytest.mark.rules("M-02", "M-03")
    async def test_m02_m03_wrong_pin_shows_tries_left_and_logout_leaves_admin_menus(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            await driver.press("Log In")
            assert not await driver.login("7654321", "1234")
            assert "4 tries left" in driver.visible_text()
            assert not app.fleet.panel.is_admin("host")
            assert await driver.login("7654321", "7654321")
            await driver.press_path(["Management Settings", "User Management"])
            await driver.logout()
            assert not app.fleet.panel.is_admin("host")
            assert driver.current_path() == ("Settings/Registration",)
            assert "Not logged in" in driver.visible_text()

    @pytest.mark.rules("M-03")
    async def test_m03_lockout_counts_down_in_machine_time_and_unlocks(self, make_app) -> None:
        """Five wrong PINs lock logins for 5 minutes of machine time; the virtual clock runs them out."""
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            await driver.press("Log In")
            for _ in range(5):
                assert not await driver.login("7654321", "1111111")
            text = driver.visible_text()
            assert "Logins are locked: 5:00 left (machine time)" in text
            assert app.fleet.panel.lock_seconds_left("host") == 300
            await app.advance_clock(60)
            await settle(pilot)
            assert "4:00 left" in driver.visible_text()
            assert not await driver.login("7654321", "7654321"), "still locked"
            await app.advance_clock(240)
            await settle(pilot)
            assert "Logins are unlocked" in driver.visible_text()
            assert await driver.login("7654321", "7654321")
            assert app.fleet.panel.is_admin("host")
