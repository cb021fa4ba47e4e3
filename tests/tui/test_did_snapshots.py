"""Snapshots (``snap_compare``) of every Device Information Distribution screen, at 120×40.

Deterministic like ``test_snapshots.py``: the virtual clock at 2026-11-20 09:00 UTC, the fixed fleet PKI,
seeded data, ``for_tests=True``. Screens that follow a real distribution hide the event log (F7), whose
lines from two machines' sides of a TLS conversation need not arrive in the same order on every run; the
statuses, the fleet view's links and the clock stay on screen. Update with ``--snapshot-update`` after a
deliberate change and look at the report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

import pytest
from textual.pilot import Pilot

from mfp_console.domain.device_info import Category
from mfp_console.domain.machine import PowerState
from mfp_console.domain.schedule import ScheduleMode
from mfp_console.tui.driver import PanelDriver
from tests.tui.conftest import SIZE, settled
from tests.tui.test_did_panel import DID, PIN, open_did, quiet, slow_updates

Steps = Callable[[PanelDriver], Awaitable[None]]


def _before(steps: Steps) -> Callable[[Pilot[int]], Awaitable[None]]:
    return settled(steps)


async def _distribute(driver: PanelDriver, categories: list[Category], to: list[str]) -> None:
    """A distribution started by the host's Administrator through the facade (the panel's own start is in
    the manual-distribution snapshots and the pilot tests)."""
    fleet = driver.app.fleet
    fleet.panel.login_admin("host", PIN, PIN)
    fleet.distribution.start_manual_distribution("host", categories, to)
    await quiet(driver)


class TestDestinationScreens:
    """DID-01/02: the DID menu and ``<Register Destinations>`` with its dialogs."""

    @pytest.mark.rules("DID-01")
    def test_did01_distribution_menu(self, snap_compare, make_app) -> None:
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(lambda d: open_did(d)))

    @pytest.mark.rules("DID-02")
    def test_did02_destination_list(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await open_did(d, "Register Destinations")
            d.app.fleet.distribution.register_destination("host", "branch-printer", "192.0.2.15")
            await d.settle()

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("DID-02")
    def test_did02_duplicate_address_refused(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await open_did(d, "Register Destinations")
            await d.press("Register")
            await d.type_into("Name", "second-a")
            await d.type_into("Address", "client-a")
            await d.press("OK")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("DID-02")
    def test_did02_auto_search_results(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await open_did(d, "Register Destinations")
            d.app.fleet.distribution.delete_destination("host", "client-d")
            await d.press("Auto Search/Register")
            await d.type_into("Search Depth (Router)", "3")
            await d.press("Start Auto Search")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("DID-02")
    def test_did02_details(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await open_did(d, "Register Destinations")
            await d.press("Details")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))


class TestManualScreens:
    """DID-03..07: categories with the network question; the status list with mixed results."""

    @pytest.mark.rules("DID-03")
    def test_did03_categories_and_network_question(self, snap_compare, make_app) -> None:
        """<Settings/Registration Value> <On> opens the <Network Settings> screen: <Include>/<Exclude>, <OK>."""
        async def steps(d: PanelDriver) -> None:
            await open_did(d, "Manual Distribution")
            await d.set_toggle("Address Book", True)
            await d.set_toggle("Department ID/System Manager", True)
            await d.set_toggle("Settings/Registration Value", True)

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("DID-03")
    def test_did03_network_settings_included_shown_under_the_switch(self, snap_compare, make_app) -> None:
        """After <Include> <OK>: the category step shows the choice under the switch."""
        async def steps(d: PanelDriver) -> None:
            await open_did(d, "Manual Distribution")
            await d.set_toggle("Settings/Registration Value", True)
            await d.set_toggle("Network Settings", True)
            await d.press("OK")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("DID-04", "DID-05", "DID-07")
    def test_did04_did05_did07_status_list_with_mixed_results(self, snap_compare, make_app) -> None:
        """Run 1 (client-b with another PIN, client-d of another series): NG E-AUTH, NG E-MODEL. Run 2 to
        client-a and client-c with slow updates, canceled while client-a updates: client-a ends OK,
        client-c Canceled; client-b and client-d were not ticked and keep their status (DID-04)."""

        async def steps(d: PanelDriver) -> None:
            fleet = d.app.fleet
            fleet.faults.change_pin("client-b", "1111111")
            await d.key("f7")
            await open_did(d, "Manual Distribution")
            await d.set_toggle("Address Book", True)
            await d.press("Next")
            await d.tick(["client-b", "client-d"])
            await d.press("Start Manual Distribution")
            await quiet(d)
            slow_updates(d.app)
            await d.press("Clear Selection")
            await d.tick(["client-a", "client-c"])
            await d.press("Start Manual Distribution")
            await quiet(d)
            await d.press("Cancel")
            await d.app.advance_clock(600)  # client-a's update ends; the clock face shows 09:10
            await d.settle()

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))


class TestAutoScreens:
    """DID-21: the schedule step (Specify Days), a refused start time, the destinations step."""

    @pytest.mark.rules("DID-21")
    def test_did21_specify_days(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await open_did(d, "Set Auto Distribution")
            await d.press("Specify Days")
            await d.press("Mon")
            await d.type_into("Start Time 1", "0300")
            await d.type_into("Start Time 2", "2100")
            await d.press("Thu")
            await d.type_into("Start Time 1", "0730")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("DID-21")
    def test_did21_start_time_refused(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await open_did(d, "Set Auto Distribution")
            await d.press("Everyday")
            await d.type_into("Start Time 1", "2360")
            await d.press("Next")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("DID-21")
    def test_did21_specify_days_saved_with_next_time(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await open_did(d, "Set Auto Distribution")
            await d.press("Specify Days")
            await d.press("Mon")
            await d.type_into("Start Time 1", "0300")
            await d.press("Thu")
            await d.type_into("Start Time 1", "2100")
            await d.press("Next")
            await d.set_toggle("Printer Settings", True)
            await d.press("Next")
            await d.tick(["client-a", "client-b"])
            await d.press("OK")
            await d.press("OK")
            saved = d.app.fleet.distribution.auto_distribution("host")
            assert saved.mode is ScheduleMode.SPECIFY_DAYS and saved.days[1] == ("0300",) and saved.days[4] == ("2100",)
            assert saved.destinations == ("client-a", "client-b")
            assert d.app.fleet.distribution.next_auto_distribution("host") == datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))


class TestReceivingScreens:
    """DID-18..20 on a client's panel."""

    @pytest.mark.rules("DID-18")
    def test_did18_restrict_receiving_device_information(self, snap_compare, make_app) -> None:
        assert snap_compare(make_app(machine="client-d"), terminal_size=SIZE, run_before=_before(
            lambda d: open_did(d, "Receiving Settings", "Restrict Receiving Device Information")))

    @pytest.mark.rules("DID-19")
    def test_did19_restrict_receiving_for_each_function(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await open_did(d, "Receiving Settings", "Restrict Receiving for Each Function")
            await d.set_toggle("Printer Settings", False)

        assert snap_compare(make_app(machine="client-a"), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("DID-20")
    def test_did20_restore_data_after_an_update(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await d.key("f7")
            await _distribute(d, [Category.ADDRESS_BOOK, Category.DEPARTMENT_ID], ["client-a"])
            await d.at("client-a")
            await open_did(d, "Receiving Settings", "Restore Data")
            await d.tick(["Address Book"])

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("DID-20")
    def test_did20_second_restore_has_nothing_to_restore(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await d.key("f7")
            await _distribute(d, [Category.ADDRESS_BOOK], ["client-a"])
            await d.at("client-a")
            await open_did(d, "Receiving Settings", "Restore Data")
            for _ in range(2):
                await d.tick(["Address Book"])
                await d.press("Execute")
                await d.press("Yes")
                if _ == 0:
                    await d.press("OK")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))


class TestLogAndDataScreens:
    """DID-23 log and filter; DID-24 import preview and refusal."""

    @pytest.mark.rules("DID-23")
    def test_did23_communication_log(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            d.app.fleet.faults.change_pin("client-b", "1111111")
            await d.key("f7")
            await _distribute(d, [Category.ADDRESS_BOOK, Category.PAPER_INFORMATION], ["client-a", "client-b", "client-d"])
            await d.press_path([*DID, "Communication Log"])

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("DID-23")
    def test_did23_log_filter(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await open_did(d, "Communication Log")
            await d.press("Filter")
            await d.press("Delivered")
            await d.press("Result NG")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("DID-24")
    def test_did24_import_preview(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            fleet = d.app.fleet
            fleet.panel.login_admin("client-a", PIN, PIN)
            await fleet.import_export.export_device_info("client-a", d.app.screenshot_dir / "client-a.json")
            fleet.panel.logout("client-a")
            assert await d.login(PIN, PIN)
            await d.press_path(["Management Settings", "Data Management", "Import/Export"])
            await d.type_into("File", "client-a.json")
            await d.press("Import")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("DID-24")
    def test_did24_export_refused_during_a_distribution(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await d.key("f7")
            await _distribute(d, [Category.ADDRESS_BOOK], ["client-a"])  # client-a is updating (slow)
            await d.press_path(["Management Settings", "Data Management", "Import/Export"])
            await d.type_into("File", "host.json")
            await d.press("Export")
            await quiet(d)

        assert snap_compare(slow_updates(make_app()), terminal_size=SIZE, run_before=_before(steps))


class TestUpdateScreens:
    """DID-11/12 with a real update in progress (update_seconds_per_mib > 0 under the virtual clock)."""

    @pytest.mark.rules("DID-11")
    def test_did11_client_panel_locked_during_a_real_update(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            await d.key("f7")
            await _distribute(d, [Category.ADDRESS_BOOK, Category.DEPARTMENT_ID], ["client-a"])
            assert d.app.fleet.view("client-a").state.activity.value == "Updating"
            await d.at("client-a")

        assert snap_compare(slow_updates(make_app()), terminal_size=SIZE, run_before=_before(steps))

    @pytest.mark.rules("DID-12")
    def test_did12_e_update_after_a_power_cut_during_the_update(self, snap_compare, make_app) -> None:
        async def steps(d: PanelDriver) -> None:
            fleet = d.app.fleet
            await d.key("f7")
            before = fleet.data.device_info("client-a").address_book
            await _distribute(d, [Category.ADDRESS_BOOK], ["client-a"])
            fleet.faults.power("client-a", PowerState.OFF)
            await quiet(d)
            fleet.faults.power("client-a", PowerState.ON)
            await quiet(d)
            assert fleet.distribution.destination_statuses("host")["client-a"] == "NG E-INTERRUPTED"
            assert fleet.data.device_info("client-a").address_book == before
            await d.at("client-a")

        assert snap_compare(slow_updates(make_app()), terminal_size=SIZE, run_before=_before(steps))
