"""Snapshot tests (``snap_compare``) of every screen of the panel, built with the same factory as the CLI.

Deterministic by construction: a virtual clock at 2026-11-20 09:00 UTC, the fixed fleet PKI from
``fixtures/pki`` (stable fingerprints and validity), seeded data that depends only on machine names, a fixed
terminal size, and ``for_tests=True`` (no cursor blink, no press highlight, no tooltips, no animations).
Update them with ``pytest tests/tui --snapshot-update`` after a deliberate change, and look at the report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from mfp_console.domain.machine import Activity, PowerState
from mfp_console.tui.driver import PanelDriver
from tests.tui.conftest import SIZE, SMALL, settled

Steps = Callable[[PanelDriver], Awaitable[None]]


def _before(steps: Steps) -> Callable[[Pilot[int]], Awaitable[None]]:
    return settled(steps)


async def _admin_at(driver: PanelDriver, *labels: str) -> None:
    assert await driver.login("7654321", "7654321")
    await driver.press_path(["Management Settings", *labels])


class TestMenus:
    """UI-01: the menus, at full size and on a small terminal."""

    @pytest.mark.rules("UI-01")
    def test_ui01_top_menu(self, snap_compare, make_app) -> None:
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=settled())

    @pytest.mark.rules("UI-01")
    def test_ui01_top_menu_80x24(self, snap_compare, make_app) -> None:
        assert snap_compare(make_app(), terminal_size=SMALL, run_before=settled())

    @pytest.mark.rules("UI-01")
    def test_ui01_side_column_over_a_small_terminal(self, snap_compare, make_app) -> None:
        assert snap_compare(make_app(), terminal_size=SMALL, run_before=settled(keys=("f6",)))

    @pytest.mark.rules("UI-01")
    def test_ui01_device_management(self, snap_compare, make_app) -> None:
        # The distribution screens' own snapshots are in test_did_snapshots.py.
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(
            lambda d: _admin_at(d, "Device Management")))


class TestLogin:
    """M-02/M-03: the keypad login, a wrong PIN with the tries left, the lockout countdown."""

    @pytest.mark.rules("M-03")
    def test_m03_wrong_pin(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await d.press("Management Settings")
            await d.login("7654321", "1111111")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("M-03")
    def test_m03_lockout_countdown(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await d.press("Log In")
            for _ in range(5):
                await d.login("7654321", "1111111")
            await d.app.advance_clock(75)

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))


class TestDataScreens:
    """The data screens an operator edits before a distribution."""

    @pytest.mark.rules("DID-13")
    def test_did13_address_book(self, snap_compare, make_app) -> None:
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(
            lambda d: d.press_path(["Set Destination", "Register Destinations"])))

    @pytest.mark.rules("DID-13")
    def test_did13_address_entry_form(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await d.press_path(["Set Destination", "Register Destinations"])
            await d.press("Details/Edit")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("DID-14")
    def test_did14_department_ids(self, snap_compare, make_app) -> None:
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(
            lambda d: _admin_at(d, "User Management", "Department ID Management")))

    @pytest.mark.rules("M-02")
    def test_m02_system_manager_information(self, snap_compare, make_app) -> None:
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(
            lambda d: _admin_at(d, "User Management", "System Manager Information Settings")))

    @pytest.mark.rules("DID-15")
    def test_did15_paper_types(self, snap_compare, make_app) -> None:
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(
            lambda d: d.press_path(["Preferences", "Paper Settings", "Paper Type Management Settings"])))

    @pytest.mark.rules("DID-15")
    def test_did15_printer_settings(self, snap_compare, make_app) -> None:
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(
            lambda d: d.press_path(["Function Settings", "Common", "Printer Settings"])))

    @pytest.mark.rules("DID-16")
    def test_did16_settings_values_and_value_dialog(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await _admin_at(d, "Device Management", "Settings/Registration Values")
            await d.type_into("Filter", "Timer")
            await d.press("Change")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("M-05")
    def test_m05_key_and_certificate(self, snap_compare, make_app) -> None:
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(
            lambda d: _admin_at(d, "Device Management", "Certificate Settings", "Key and Certificate Settings")))


class TestAroundThePanel:
    """UI-02..05 and the covered panels of DID-11/DID-12, help, theme, a refusal."""

    @pytest.mark.rules("DID-11", "UI-03")
    def test_did11_update_screen_and_ui03_fleet_view(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            d.app.fleet.faults.set_activity("client-a", Activity.UPDATING)
            d.app.fleet.faults.power("client-b", PowerState.OFF)
            await d.at("client-a")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("DID-12")
    def test_did12_error_screen(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            d.app.fleet.live_machine("client-d").set_error("E-UPDATE")
            await d.at("client-d")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("UI-04")
    def test_ui04_power_off_and_refusal_message(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await d.press("Power Off")
            await d.press("Change PIN…")
            await d.type_into("New System Manager PIN", "0")
            await d.press("OK")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    def test_help_screen(self, snap_compare, make_app) -> None:
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=settled(keys=("f1",)))

    def test_light_theme(self, snap_compare, make_app) -> None:
        assert snap_compare(make_app(theme="light"), terminal_size=SIZE, run_before=settled())
