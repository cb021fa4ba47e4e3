"""Pilot tests of the Device Information Distribution screens (the panel side).

Each test works the panel the way an operator does (``PanelDriver``: touches, ticks, typing) and asserts on
the engine's state through the fleet facade (destinations, statuses, schedules, receiving settings, device
information), not only on the screen. The conversations are real mutual-TLS exchanges between the fleet's
machines; time is the virtual clock of ``conftest.py``.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from textual.widgets import DataTable

from mfp_console.domain.device_info import Category
from mfp_console.domain.receiving import ReceivingSettings
from mfp_console.domain.schedule import ScheduleMode
from mfp_console.tui.driver import PanelDriver
from mfp_console.tui.screens.network_question import NetworkSettingsDialog
from mfp_console.tui.widgets.did_parts import (
    CategoryToggles,
    DestinationStatusTable,
    TickTable,
)
from tests.tui.conftest import SIZE, SMALL, settle

PIN = "7654321"
DID = ["Management Settings", "Device Management", "Device Information Distribution Settings"]


def slow_updates(app, seconds_per_mib: float = 6000.0):
    """A client spends machine time applying data (DID-11), so an update can be caught in progress."""
    spec = app.fleet.spec
    app.fleet.spec = replace(spec, settings=replace(spec.settings, update_seconds_per_mib=seconds_per_mib))
    return app


async def open_did(driver: PanelDriver, *labels: str) -> None:
    assert await driver.login(PIN, PIN)
    await driver.press_path([*DID, *labels])


async def quiet(driver: PanelDriver) -> None:
    """Lets the engine finish (or park on machine time) and the panel show what it posted."""
    await driver.app.fleet.settle()
    await driver.settle()


def status_cells(app) -> dict[str, str]:
    table = app.screen.query_one(DestinationStatusTable)
    return {key: str(table.get_cell(key, "status")) for key in table.keys}


class TestRegisterDestinations:
    """DID-02 on the host: by hand (duplicates refused with rule and reason), auto search, details, delete,
    print list; DID-01: the screens sit under the Administrator login."""

    @pytest.mark.rules("DID-02")
    async def test_did02_register_duplicate_details_delete_and_print(self, make_app, tmp_path: Path) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            await driver.press("Management Settings")
            assert "System Manager ID" in driver.visible_text()  # DID-01: the login comes first
            assert await driver.login(PIN, PIN)
            await driver.press_path([*DID, "Register Destinations"])
            assert "4 of 100 registered" in driver.visible_text()

            await driver.press("Register")
            await driver.type_into("Name", "second-a")
            await driver.type_into("Address", "CLIENT-A")
            await driver.press("OK")
            text = driver.visible_text()
            assert "Refused" in text and "already registered as 'client-a'" in text
            await driver.press("OK")  # the refusal; the form stays open to be corrected
            await driver.type_into("Name", "branch-printer")
            await driver.type_into("Address", "192.0.2.15")
            await driver.press("OK")
            assert app.fleet.distribution.destinations("host").names()[-1] == "branch-printer"
            assert "5 of 100 registered" in driver.visible_text()

            await driver.press("Details")  # the new destination is selected
            text = driver.visible_text()
            assert "Address: 192.0.2.15" in text and "E-UNREACH" in text
            await driver.press("OK")

            await driver.press("Delete")
            await driver.press("Yes")
            assert "branch-printer" not in app.fleet.distribution.destinations("host")

            await driver.press("Print List")
            printed = sorted(app.screenshot_dir.glob("host-destinations-*.txt"))
            assert len(printed) == 1 and "client-d" in printed[0].read_text()
            assert printed[0].name in driver.visible_text().replace("\n", "")

    @pytest.mark.rules("DID-02")
    async def test_did02_auto_search_registers_the_ticked_machines(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            await open_did(driver, "Register Destinations")
            app.fleet.distribution.delete_destination("host", "client-d")  # router distance 3 from the host
            app.fleet.distribution.delete_destination("host", "client-c")  # distance 2
            await driver.press("Auto Search/Register")
            await driver.type_into("Search Depth (Router)", "9")
            await driver.press("Start Auto Search")
            assert "Refused" in driver.visible_text()  # 1–8 only
            await driver.press("OK")
            await driver.type_into("Search Depth (Router)", "2")
            await driver.press("Start Auto Search")
            found = app.screen.query_one("#search-results", TickTable)
            assert found.keys == ["client-a", "client-b", "client-c"]  # within 2 routers, nearest first
            assert found.ticked_in_order() == ["client-c"]  # the ones not registered yet start ticked
            assert "registered already" in driver.visible_text()
            await driver.press("Register")
            assert app.fleet.distribution.destinations("host").names() == ("client-a", "client-b", "client-c")


class TestManualDistribution:
    """DID-03..07 from the panel: categories, the network question, ticks, live statuses, cancel."""

    @pytest.mark.rules("DID-03", "DID-04", "DID-08")
    async def test_did03_did04_did08_distribution_started_on_the_panel_reaches_the_clients(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            fleet = app.fleet
            fleet.faults.change_pin("client-b", "1111111")
            before_b = fleet.data.device_info("client-b").address_book
            await open_did(driver, "Manual Distribution")
            await driver.set_toggle("Address Book", True)
            assert "<Network Settings>" not in driver.visible_text()
            await driver.set_toggle("Settings/Registration Value", True)
            assert isinstance(app.screen, NetworkSettingsDialog)  # DID-03: its own screen, Exclude chosen
            assert not app.screen.include
            await driver.press("OK")
            await driver.set_toggle("Settings/Registration Value", False)
            await driver.press("Next")
            await driver.tick(["client-a", "client-b"])
            await driver.press("Start Manual Distribution")
            await quiet(driver)

            assert status_cells(app) == {"client-a": "OK", "client-b": "NG E-AUTH", "client-c": "-", "client-d": "-"}
            assert "#1 finished: 1 OK, 1 NG" in driver.visible_text()
            assert fleet.data.device_info("client-a").address_book == fleet.data.device_info("host").address_book
            assert fleet.data.device_info("client-b").address_book == before_b  # DID-08: unchanged
            assert fleet.distribution.destination_statuses("host") == {"client-a": "OK", "client-b": "NG E-AUTH"}

            # A second run to client-c only: client-a and client-b keep their old status (DID-04).
            await driver.press("Clear Selection")
            await driver.tick(["client-c"])
            await driver.press("Start Manual Distribution")
            await quiet(driver)
            assert status_cells(app) == {"client-a": "OK", "client-b": "NG E-AUTH", "client-c": "OK", "client-d": "-"}

    @pytest.mark.rules("DID-07")
    async def test_did07_cancel_lets_the_transferring_client_finish_and_cancels_the_rest(self, make_app) -> None:
        app = slow_updates(make_app())
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            fleet = app.fleet
            before_c = fleet.data.device_info("client-c").department_ids
            await open_did(driver, "Manual Distribution")
            await driver.set_toggle("Department ID/System Manager", True)
            await driver.press("Next")
            await driver.press("Select All")
            await driver.press("Start Manual Distribution")
            await quiet(driver)
            assert status_cells(app)["client-a"] == "Distributing"  # parked while client-a updates (DID-11)
            assert fleet.view("client-a").state.activity.value == "Updating"

            await driver.press("Cancel")
            await fleet.advance(3600)
            await settle(pilot)
            cells = status_cells(app)
            assert cells == {"client-a": "OK", "client-b": "Canceled", "client-c": "Canceled", "client-d": "Canceled"}
            assert fleet.data.device_info("client-c").department_ids == before_c  # not touched (DID-07)
            assert fleet.distribution.current_job("host") is None

    @pytest.mark.rules("DID-06")
    async def test_did06_a_hundred_destinations_tick_and_run_smoothly(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            fleet = app.fleet
            fleet.panel.login_admin("host", PIN, PIN)
            for number in range(96):
                fleet.distribution.register_destination("host", f"branch-{number:03d}", f"192.0.2.{number + 1}")
            await driver.press_path([*DID, "Manual Distribution"])
            await driver.set_toggle("Paper Information", True)
            await driver.press("Next")
            started = time.process_time()  # CPU time: another job on the machine does not count
            await driver.press("Select All")
            await driver.press("Start Manual Distribution")
            await quiet(driver)
            elapsed = time.process_time() - started
            cells = status_cells(app)
            assert len(cells) == 100 and cells["branch-095"] == "NG E-UNREACH" and cells["client-a"] == "OK"
            assert "100/100" in driver.visible_text() or "#1 finished" in driver.visible_text()
            assert elapsed < 15, f"100 destinations took {elapsed:.1f} s of CPU on the panel"


    async def test_a_status_list_shown_to_an_audience_starts_at_its_title(self, make_app) -> None:
        """Live play shows the status list a step is about; whatever the page was scrolled to and wherever the
        focus lands, the audience sees the title and the rows (a run under load once showed them scrolled)."""
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            driver = PanelDriver(app, pilot)
            await open_did(driver, "Manual Distribution")
            await driver.set_toggle("Address Book", True)
            await driver.press("Next")
            page = app.current_panel.page
            for box in (page, page.query_one("#manual-destinations")):
                box.scroll_end(animate=False, immediate=True)
            await driver.settle()
            assert "— 2/2" not in driver.visible_text()  # the title is scrolled away now
            shown = await app.present("host", "did.manual", categories=[Category.ADDRESS_BOOK],
                                      destinations=["client-a", "client-c"], include_network=False)
            await driver.settle()
            assert shown
            text = driver.visible_text()
            assert "<Manual Distribution> — 2/2" in text and "client-c" in text


class TestNetworkSettingsScreen:
    """DID-03: <Settings/Registration Value> <On> opens the <Network Settings> screen, <Include>/<Exclude>,
    then <OK>, in <Manual Distribution> and in the <Set Auto Distribution> wizard alike."""

    @pytest.mark.rules("DID-03")
    async def test_did03_manual_on_opens_the_network_settings_screen_include_then_ok(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            fleet = app.fleet
            await open_did(driver, "Manual Distribution")
            await driver.set_toggle("Settings/Registration Value", True)
            assert isinstance(app.screen, NetworkSettingsDialog)
            text = driver.visible_text()
            assert "Select whether to distribute the <Network Settings>" in text
            assert "<Include>" in text and "<Exclude>" in text and "<OK>" in text
            await driver.set_toggle("Network Settings", True)  # <Include>
            await driver.press("OK")
            assert not isinstance(app.screen, NetworkSettingsDialog)
            toggles = app.screen.query_one(CategoryToggles)
            assert toggles.include_network
            assert "<Include>" in driver.visible_labels()  # the choice, shown under the switch
            # Touching the choice opens the screen again; Escape keeps what it opened with.
            await driver.press("Include")
            assert isinstance(app.screen, NetworkSettingsDialog) and app.screen.include
            await driver.key("escape")
            assert toggles.include_network
            await driver.press("Next")
            await driver.tick(["client-a"])
            await driver.press("Start Manual Distribution")
            await quiet(driver)
            assert fleet.distribution.destination_statuses("host") == {"client-a": "OK"}
            job = fleet.distribution.last_job("host")
            assert job is not None and job.include_network  # what the run sent: <Include>

    @pytest.mark.rules("DID-03")
    async def test_did03_off_then_on_asks_again_as_exclude(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            await open_did(driver, "Manual Distribution")
            await driver.set_toggle("Settings/Registration Value", True)
            await driver.set_toggle("Network Settings", True)
            await driver.press("OK")
            await driver.set_toggle("Settings/Registration Value", False)
            assert "<Network Settings>" not in driver.visible_text()
            await driver.set_toggle("Settings/Registration Value", True)
            assert isinstance(app.screen, NetworkSettingsDialog) and not app.screen.include
            await driver.press("OK")
            assert not app.screen.query_one(CategoryToggles).include_network

    @pytest.mark.rules("DID-03", "DID-21")
    async def test_did03_the_auto_distribution_wizard_asks_the_same_and_saves_the_choice(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            await open_did(driver, "Set Auto Distribution")
            await driver.press("Everyday")
            await driver.type_into("Start Time 1", "0300")
            await driver.press("Next")
            await driver.set_toggle("Settings/Registration Value", True)
            assert isinstance(app.screen, NetworkSettingsDialog)
            await driver.set_toggle("Network Settings", True)
            await driver.press("OK")
            await driver.press("Next")
            await driver.tick(["client-a"])
            await driver.press("OK")
            saved = app.fleet.distribution.auto_distribution("host")
            assert saved.categories == {Category.SETTINGS_VALUES} and saved.include_network

            # Opened again, the wizard shows the saved choice without asking (nothing was touched).
            await driver.press("OK")
            await driver.press("Back")
            await driver.press("Set Auto Distribution")
            await driver.press("Next")
            assert not isinstance(app.screen, NetworkSettingsDialog)
            assert app.screen.query_one(CategoryToggles).include_network


class TestAutoDistribution:
    """DID-21/22 on the panel: the refusals of the start times, then categories, destinations, <OK>."""

    @pytest.mark.rules("DID-21")
    async def test_did21_schedule_saved_with_its_next_time(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            await open_did(driver, "Set Auto Distribution")
            await driver.press("Everyday")
            for wrong in ("705", "2400"):  # every refusal of parse_start_time: tests/domain
                await driver.type_into("Start Time 1", wrong)
                await driver.press("Next")
                text = driver.visible_text()
                assert "Refused" in text and "Start Time 1" in text, wrong
                await driver.press("OK")
            await driver.type_into("Start Time 1", "0300")
            await driver.type_into("Start Time 2", "2100")
            await driver.press("Next")
            await driver.set_toggle("Address Book", True)
            await driver.press("Next")
            await driver.tick(["client-a", "client-c"])
            await driver.press("OK")

            saved = app.fleet.distribution.auto_distribution("host")
            assert saved.mode is ScheduleMode.EVERYDAY and saved.everyday == ("0300", "2100")
            assert saved.categories == {Category.ADDRESS_BOOK} and saved.destinations == ("client-a", "client-c")
            expected = datetime(2026, 11, 20, 21, 0, tzinfo=timezone.utc)
            assert app.fleet.distribution.next_auto_distribution("host") == expected
            assert "Next auto distribution: Fri 2026-11-20 21:00" in driver.visible_text()

            # DID-22: at 21:00 the host distributes by itself.
            await app.fleet.advance(12 * 3600)
            assert app.fleet.distribution.destination_statuses("host") == {"client-a": "OK", "client-c": "OK"}

            await driver.press("OK")  # the "saved" message; then <Off> and <OK> switch it off
            await driver.press("Off")
            await driver.press("OK")
            assert app.fleet.distribution.auto_distribution("host").mode is ScheduleMode.OFF
            assert app.fleet.distribution.next_auto_distribution("host") is None


class TestReceivingSide:
    """DID-18..20 on a client's own panel."""

    @pytest.mark.rules("DID-18", "DID-19")
    async def test_did18_did19_receiving_settings_saved(self, make_app) -> None:
        app = make_app(machine="client-d")
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            await open_did(driver, "Receiving Settings", "Restrict Receiving Device Information")
            await driver.set_toggle("Restrict Receiving Device Information", False)
            await driver.press("OK")
            assert app.fleet.distribution.receiving_settings("client-d") == ReceivingSettings(False, frozenset())
            await driver.press("Restrict Receiving for Each Function")
            # DID-19 as the seed words it: every switch starts <On>; <Off> refuses the category.
            assert app.screen.query_one("#cat-printer_settings").value is True
            await driver.set_toggle("Printer Settings", False)
            await driver.set_toggle("Paper Information", False)
            await driver.press("OK")
            assert app.fleet.distribution.receiving_settings("client-d") == ReceivingSettings(
                False, frozenset({Category.PRINTER_SETTINGS, Category.PAPER_INFORMATION})
            )
            # The host of another series is accepted now (DID-18); the categories switched <Off> are not (DID-19).
            fleet = app.fleet
            fleet.panel.login_admin("host", PIN, PIN)
            before = fleet.data.device_info("client-d").printer_settings
            fleet.distribution.start_manual_distribution("host", [Category.DEPARTMENT_ID, Category.PRINTER_SETTINGS], ["client-d"])
            await quiet(driver)
            assert fleet.distribution.destination_statuses("host")["client-d"] == "OK"
            assert fleet.data.device_info("client-d").printer_settings == before

    @pytest.mark.rules("DID-20")
    async def test_did20_restore_from_the_client_panel_once(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            fleet = app.fleet
            original = fleet.data.device_info("client-a").address_book
            fleet.panel.login_admin("host", PIN, PIN)
            fleet.distribution.start_manual_distribution("host", [Category.ADDRESS_BOOK], ["client-a"])
            await quiet(driver)
            assert fleet.data.device_info("client-a").address_book != original

            await driver.at("client-a")
            await open_did(driver, "Receiving Settings", "Restore Data")
            assert "<Address Book>." in driver.visible_text().replace("\n", " ")
            await driver.tick(["Address Book"])
            await driver.press("Execute")
            await driver.press("Yes")
            assert fleet.data.device_info("client-a").address_book == original
            assert fleet.distribution.restorable_categories("client-a") == set()
            await driver.press("OK")
            await driver.tick(["Address Book"])
            await driver.press("Execute")
            await driver.press("Yes")
            text = driver.visible_text()
            assert "Refused" in text and "nothing to restore" in text


class TestLogAndImportExport:
    """DID-23 (log view, filter, print) and DID-24 (import/export on the panel, refused during a run)."""

    @pytest.mark.rules("DID-23")
    async def test_did23_log_filtered_and_printed(self, make_app) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            fleet = app.fleet
            await open_did(driver, "Communication Log")
            fleet.distribution.start_manual_distribution("host", [Category.ADDRESS_BOOK], ["client-a", "client-d"])
            await quiet(driver)
            text = driver.visible_text()
            assert "2 entries" in text and "NG E-MODEL" in text and "Delivered" in text
            await driver.press("Filter")
            await driver.press("Result NG")
            await driver.press("OK")
            text = driver.visible_text()
            table = app.current_panel.page.query_one("#log-table", DataTable)
            rows = [" ".join(str(cell) for cell in table.get_row_at(index)) for index in range(table.row_count)]
            assert "1 entry" in text and "Result: NG" in text
            assert len(rows) == 1 and "client-d" in rows[0] and "client-a" not in rows[0]
            await driver.press("Details")
            assert "E-MODEL" in driver.visible_text()
            await driver.press("OK")
            await driver.press("Print List")
            printed = sorted(app.screenshot_dir.glob("host-communication-log-*.txt"))
            assert len(printed) == 1
            report = printed[0].read_text()
            assert "client-d" in report and "NG E-MODEL" in report and "client-a" not in report

    @pytest.mark.rules("DID-24")
    async def test_did24_export_import_with_preview_and_refusal_during_a_distribution(self, make_app) -> None:
        app = slow_updates(make_app(), 0.0)
        async with app.run_test(size=SIZE) as pilot:
            driver = PanelDriver(app, pilot)
            fleet = app.fleet
            fleet.panel.login_admin("client-a", PIN, PIN)
            exported = await fleet.import_export.export_device_info("client-a", app.screenshot_dir / "client-a.json")
            fleet.panel.logout("client-a")
            assert await driver.login(PIN, PIN)
            await driver.press_path(["Management Settings", "Data Management", "Import/Export"])
            await driver.type_into("File", exported.name)
            await driver.press("Import")
            text = driver.visible_text()
            assert "File from client-a" in text and "will be overwritten" in text
            await driver.press("No")
            assert fleet.data.device_info("host").address_book != fleet.data.device_info("client-a").address_book
            await driver.press("Import")
            await driver.press("Yes")
            await quiet(driver)
            assert fleet.data.device_info("host").address_book == fleet.data.device_info("client-a").address_book
            await driver.press("OK")

            await driver.type_into("File", "host-copy.json")
            await driver.press("Export")
            await quiet(driver)
            assert (app.screenshot_dir / "host-copy.json").exists()
            await driver.press("OK")

            slow_updates(app)
            fleet.distribution.start_manual_distribution("host", [Category.ADDRESS_BOOK], ["client-b"])
            await quiet(driver)  # client-b is updating: the host's run is still going
            await driver.press("Export")
            await quiet(driver)
            text = driver.visible_text()
            assert "Refused" in text and "distribution is running" in text
