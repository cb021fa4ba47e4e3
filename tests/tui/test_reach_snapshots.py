"""UI-07 snapshots: the screens that had controls out of reach (issue 14), at 80×24 and at 120×36 with
the side column, the fleet view and the event log shown, each with the control that was out of reach
focused (scrolled into view). Deterministic like ``test_snapshots.py``; the event log is emptied before
screens that follow a distribution (two machines' lines of one TLS conversation need not come in the same
order)."""

from __future__ import annotations

import pytest

from mfp_console.tui.driver import PanelDriver
from mfp_console.tui.pages.sync_remote import BackupRestoreScreen
from mfp_console.tui.widgets.fleet_views import EventLog
from mfp_console.tui.widgets.touch import TouchButton
from tests.tui.conftest import settled

PIN = "7654321"
DID = ["Management Settings", "Device Management", "Device Information Distribution Settings"]
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])


async def _focus(d: PanelDriver, widget) -> None:  # noqa: ANN001 - any focusable widget
    d.app.screen.set_focus(widget)
    await d.settle()


@SIZES
def test_ui07_network_question_in_view(snap_compare, make_app, size) -> None:
    async def steps(d: PanelDriver) -> None:
        assert await d.login(PIN, PIN)
        await d.press_path([*DID, "Manual Distribution"])
        await d.set_toggle("Settings/Registration Value", True)  # opens the <Network Settings> screen
        await d.press("OK")  # <Exclude>: the choice is shown under the switch, its button focused
        await _focus(d, d.app.current_panel.page.query_one("#network-button", TouchButton))

    assert snap_compare(make_app(), terminal_size=size, run_before=settled(steps))


@SIZES
def test_ui07_status_list_shows_every_destination_and_the_ng_row(snap_compare, make_app, size) -> None:
    async def steps(d: PanelDriver) -> None:
        assert await d.login(PIN, PIN)
        await d.press_path([*DID, "Manual Distribution"])
        await d.set_toggle("Address Book", True)
        await d.press("Next")
        await d.press("Select All")
        await d.press("Start Manual Distribution")
        await d.app.fleet.settle()
        await d.settle()
        log = d.app.query_one(EventLog)
        log.entries.clear()
        log.clear()

    assert snap_compare(make_app(), terminal_size=size, run_before=settled(steps))


@SIZES
def test_ui07_restore_data_execute_in_view(snap_compare, make_app, size) -> None:
    async def steps(d: PanelDriver) -> None:
        await d.at("client-a")
        assert await d.login(PIN, PIN)
        await d.press_path([*DID, "Receiving Settings", "Restore Data"])
        await d.tick(["Address Book"])
        await _focus(d, d.app.current_panel.page.query_one("#restore-execute", TouchButton))

    assert snap_compare(make_app(machine="client-a"), terminal_size=size, run_before=settled(steps))


@SIZES
def test_ui07_overflowing_menu_reached_with_down(snap_compare, make_app, size) -> None:
    async def steps(d: PanelDriver) -> None:
        assert await d.login(PIN, PIN)
        await d.press_path(["Management Settings", "Device Management"])
        await d.key("down", "down")

    assert snap_compare(make_app(), terminal_size=size, run_before=settled(steps))


@SIZES
def test_ui07_help_wrapped_once_with_its_own_footer(snap_compare, make_app, size) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=settled(keys=("f1",)))


def test_ui07_remote_backup_window_at_80x24(snap_compare, make_app) -> None:
    async def steps(d: PanelDriver) -> None:
        fleet = d.app.fleet
        fleet.panel.login_admin("host", PIN, PIN)
        fleet.sync.start_server("host")
        await fleet.settle()
        await d.app.push_screen(BackupRestoreScreen(fleet, "host"))
        await d.settle()
        await _focus(d, d.app.screen.query_one("#replicate-now", TouchButton))

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=settled(steps))
