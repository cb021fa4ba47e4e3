"""Pilot tests of the data screens: each change made on the panel is asserted on the engine's state
(``fleet.data.device_info`` / ``fleet.data.certificate_info``), not only on the screen (UI-01, DID-13..16, M-05)."""

from __future__ import annotations

import pytest

from mfp_console.domain.device_info import AddressEntry
from mfp_console.tui.driver import PanelDriver
from tests.tui.conftest import SIZE, press


def _entry(app, name: str) -> AddressEntry | None:
    return next((e for e in app.fleet.data.device_info("host").address_book.entries if e.name == name), None)


class TestAddressBook:
    """``<Set Destination>`` › ``<Register Destinations>``: list, add, edit, delete (DID-13's data)."""

    @pytest.mark.rules("UI-01")
    async def test_ui01_add_edit_delete_destination(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            before = len(app.fleet.data.device_info("host").address_book.entries)
            await driver.press_path(["Set Destination", "Register Destinations"])
            await driver.press("Register New Destination")
            await driver.press("Fax")
            await driver.type_into("Name", "Osaka Branch Fax")
            await driver.type_into("Address", "+81-6-5555-0100")
            await driver.set_toggle("Favorite", True)
            await driver.press("OK")
            added = _entry(app, "Osaka Branch Fax")
            assert added == AddressEntry(before + 1, "Osaka Branch Fax", "fax", "+81-6-5555-0100", True)
            assert f"{before + 1} destinations" in driver.visible_text()

            # The new entry is selected: edit it.
            await driver.press("Details/Edit")
            await driver.type_into("Address", "+81-6-5555-0199")
            await driver.set_toggle("Favorite", False)
            await driver.press("OK")
            assert _entry(app, "Osaka Branch Fax") == AddressEntry(
                before + 1, "Osaka Branch Fax", "fax", "+81-6-5555-0199", False
            )

            await driver.press("Delete")
            await driver.press("Yes")
            assert _entry(app, "Osaka Branch Fax") is None
            assert len(app.fleet.data.device_info("host").address_book.entries) == before

    @pytest.mark.rules("UI-01")
    async def test_ui01_refusal_is_a_message_box_not_a_traceback(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            await driver.press_path(["Set Destination", "Register Destinations"])
            await driver.press("Register New Destination")
            await driver.press("OK")  # no name, no address
            assert "needs a name and an address" in driver.visible_text()
            await driver.press("OK")
            assert driver.current_path()[-1] == "Register Destinations"


class TestManagementData:
    """Administrator screens: Department IDs (counters kept), System Manager information, settings values,
    the TLS key and certificate (M-03, DID-14, DID-16, M-05, DID-09)."""

    @pytest.mark.rules("DID-14")
    async def test_did14_department_id_register_and_system_manager_information(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            assert await driver.login("7654321", "7654321")
            await driver.press_path(["Management Settings", "User Management", "Department ID Management"])
            assert "Counters Total/Color/B&W" in driver.visible_text()
            await driver.press("Register")
            await driver.type_into("Department ID", "4242")
            await driver.type_into("Password", "1234")
            await driver.type_into("Limit Total", "500")
            await driver.press("OK")
            dept = app.fleet.data.device_info("host").department_ids.by_id()["0004242"]
            assert (dept.limits.total, dept.counters.total) == (500, 0)

            await driver.press("Back")
            await driver.press("System Manager Information Settings")
            await driver.type_into("System Manager", "Mika Tanaka")
            await driver.type_into("E-Mail Address", "mika.tanaka@example.com")
            await driver.press("OK")
            info = app.fleet.data.device_info("host").department_ids.system_manager
            assert (info.name, info.email) == ("Mika Tanaka", "mika.tanaka@example.com")
            assert driver.current_path()[-1] == "User Management"

    @pytest.mark.rules("M-05", "DID-16")
    async def test_did16_settings_value_and_m05_certificate_remove_regenerate(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            assert await driver.login("7654321", "7654321")
            await driver.press_path(["Management Settings", "Device Management", "Settings/Registration Values"])
            await driver.type_into("Filter", "Auto Sleep Time")
            await driver.press("Change")
            await driver.press("60 min")
            await driver.press("OK")
            assert app.fleet.data.device_info("host").setting("Preferences/Timer/Auto Sleep Time") == "60 min"

            await driver.press("Back")
            await driver.press("Certificate Settings")
            await driver.press("Key and Certificate Settings")
            fingerprint = app.fleet.data.certificate_info("host").fingerprint
            assert fingerprint[:47] in driver.visible_text()
            await driver.press("Delete")
            await driver.press("Yes")
            assert app.fleet.data.certificate_info("host") is None
            assert "NG E-TLS" in driver.visible_text()
            await driver.press("Generate Key")
            await driver.press("Yes")
            renewed = app.fleet.data.certificate_info("host")
            assert renewed is not None and renewed.fingerprint != fingerprint


class TestFunctionData:
    """Paper types and printer settings (DID-15's categories)."""

    @pytest.mark.rules("DID-15")
    async def test_did15_paper_type_and_printer_setting(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            before = len(app.fleet.data.device_info("host").paper_types)
            await driver.press_path(["Preferences", "Paper Settings", "Paper Type Management Settings"])
            await driver.press("Register")
            await driver.type_into("Name", "Letterhead 90")
            await driver.type_into("Base Type", "Plain 2")
            await driver.type_into("Weight (g/m²)", "90")
            await driver.press("OK")
            papers = app.fleet.data.device_info("host").paper_types
            assert len(papers) == before + 1 and papers[-1].name == "Letterhead 90"
            assert papers[-1].weight_gsm == 90

            await driver.press_path(["Function Settings", "Common", "Printer Settings"])
            table = app.current_panel.query_one("#value-table")
            table.focus()
            await press(pilot, "down", "enter")  # the second setting, by keyboard
            key, old = app.fleet.data.device_info("host").printer_settings[1]
            await driver.type_into("Value", "7")
            await press(pilot, "enter")
            assert dict(app.fleet.data.device_info("host").printer_settings)[key] == "7" != old
