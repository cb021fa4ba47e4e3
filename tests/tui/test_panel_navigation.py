"""Pilot tests of the panel's menus (UI-01): walking the menu tree by keyboard and by touch, the
"not built yet" entries, the Settings/Registration key, help, themes, palette and screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest

from mfp_console.tui.driver import PanelDriver, PanelDriverError
from mfp_console.tui.screens.help import HelpScreen
from mfp_console.tui.widgets.panel_parts import KeyRow
from tests.tui.conftest import SIZE, SMALL, press, settle


class TestMenuWalking:
    """UI-01: every screen is reached by the machine's path, with the mouse and with the keyboard."""

    @pytest.mark.rules("UI-01")
    async def test_ui01_walk_by_keyboard_arrows_enter_escape(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            # The top menu is focused on its first button, <Preferences>; down → <Function Settings> (under the
            # greyed-out <Adjustment/Maintenance>), right → <Set Destination>.
            await press(pilot, "down", "right", "enter")
            assert driver.current_path() == ("Settings/Registration", "Set Destination")
            await press(pilot, "enter")
            assert driver.current_path() == ("Settings/Registration", "Set Destination", "Register Destinations")
            assert "<Register New Destination>" in driver.visible_text()
            await press(pilot, "escape", "escape")
            assert driver.current_path() == ("Settings/Registration",)

    @pytest.mark.rules("UI-01")
    async def test_ui01_walk_by_touch_and_settings_key(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            await driver.press_path(["<Function Settings>", "common", "Printer Settings"])
            assert driver.current_path() == ("Settings/Registration", "Function Settings", "Common",
                                              "Printer Settings")
            crumb = app.current_panel.query_one(KeyRow).breadcrumb
            assert crumb == "Settings/Registration › <Function Settings> › <Common> › <Printer Settings>"
            assert "Paper Size" in driver.visible_text()
            await driver.press("Back")
            assert driver.current_path()[-1] == "Common"
            await driver.press("Settings/Registration")
            assert driver.current_path() == ("Settings/Registration",)

    @pytest.mark.rules("UI-01")
    async def test_ui01_unknown_label_lists_what_is_visible(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            with pytest.raises(PanelDriverError) as raised:
                await PanelDriver(app, pilot).press("Copy Settings")
            assert "'<Management Settings>'" in str(raised.value)

    @pytest.mark.rules("UI-01")
    async def test_ui01_did_entries_open_their_screens(self, make_app) -> None:
        """Issue 4 built the DID screens: no entry says "not built yet" and each opens its page."""
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            assert await driver.login("7654321", "7654321")
            await driver.press_path(["Management Settings", "Device Management"])
            text = driver.visible_text()
            assert "<Device Information Distribution Settings>" in driver.visible_labels()
            assert "not built yet" not in text
            await driver.press("Device Information Distribution Settings")
            await driver.press("Manual Distribution")
            text = driver.visible_text()
            assert "<Manual Distribution> — 1/2" in text and "not built yet" not in text


class TestAppConventions:
    """Footer keys, F1 help, the command palette, themes, the SVG screenshot and the small terminal."""

    async def test_help_theme_and_screenshot(self, make_app, tmp_path: Path) -> None:
        app = make_app(screenshot_dir=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await press(pilot, "f1")
            assert isinstance(app.screen, HelpScreen)
            assert "Command palette" in app.screen.query_one("#help-keys").render().plain  # scrolls into view
            await press(pilot, "escape")
            assert not isinstance(app.screen, HelpScreen)
            await press(pilot, "f8")
            assert app.theme == "mfp-light"
            await press(pilot, "f12")
            assert list(tmp_path.glob("mfp-console-host-20261120T090000.svg"))

    @pytest.mark.rules("UI-02")
    async def test_ui02_command_palette_walks_to_a_machine_and_opens_a_menu(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            commands = {title: call for title, call, _ in app.palette_commands()}
            assert "Fault: Power Off on client-b" in commands
            await press(pilot, "ctrl+p")
            await PanelDriver(app, pilot).paste("Go to machine client-c")
            await press(pilot, "enter")
            await settle(pilot)
            assert app.machine == "client-c"
            await commands["Open Set Destination › Register Destinations"]()
            await settle(pilot)
            assert app.current_panel.path_labels()[-1] == "Register Destinations"

    @pytest.mark.rules("UI-01")
    async def test_ui01_small_terminal_keeps_the_panel_and_toggles_side_views(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            driver = PanelDriver(app, pilot)
            assert not app.query_one("#side").display and not app.query_one("#bottom").display
            await driver.press("Set Destination")
            assert driver.current_path()[-1] == "Set Destination"
            await press(pilot, "f6")
            assert app.query_one("#side").display
            await driver.at("client-a")
            assert app.machine == "client-a"
