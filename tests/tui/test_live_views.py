"""Issue 14: what the views around the panel show stays true. The event log wraps long entries and speaks
the operator's words (UI-03); every display of a time, a next event or a link follows what it shows
(the clock's next event, the auto distribution page's "Next", the fleet view's Links and highlighted
row); a virtual clock resumes where the last session in the state directory ended."""

from __future__ import annotations

from datetime import datetime, timedelta

from mfp_console.cli.panel_cmd import parse_clock_option
from mfp_console.clock import VirtualClock
from mfp_console.domain.device_info import Category
from mfp_console.domain.schedule import AutoDistribution, ScheduleMode
from mfp_console.engine.events import DestinationStatusChanged, EngineEvent
from mfp_console.tui.app import create_app
from mfp_console.tui.driver import PanelDriver
from mfp_console.tui.widgets.clock_face import ClockFace
from mfp_console.tui.widgets.fleet_views import (
    STAMP_WIDTH,
    EventLog,
    FleetView,
    log_line,
)
from tests.tui.conftest import SIZE, START, prepare_state_dir

PIN = "7654321"
INTERNAL = ("communication_log", "device_information", "personal_data", "auto_distribution", "receiving_settings")


async def _started(app, pilot) -> PanelDriver:
    driver = PanelDriver(app, pilot)
    await driver.wait_until(lambda: app.started, "the panel did not start")
    return driver


def _entries(log: EventLog) -> list[str]:
    """The log's entries as shown, each joined back from its wrapped lines."""
    entries: list[str] = []
    for line in (strip.text.rstrip() for strip in log.lines):
        if line.startswith(" " * STAMP_WIDTH) and entries:
            entries[-1] += " " + line.strip()
        else:
            entries.append(line)
    return entries


async def test_ui03_event_log_wraps_long_entries_and_speaks_the_operators_words(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = await _started(app, pilot)
        fleet = app.fleet
        seen: list[EngineEvent] = []
        fleet.bus.subscribe(EngineEvent, seen.append)
        fleet.panel.login_admin("host", PIN, PIN)
        fleet.distribution.start_manual_distribution("host", [Category.ADDRESS_BOOK], ["client-a", "client-d"])
        await fleet.settle()
        fleet.panel.login_admin("client-a", PIN, PIN)
        fleet.distribution.restore_data("client-a", [Category.ADDRESS_BOOK])
        fleet.distribution.set_auto_distribution("host", AutoDistribution(ScheduleMode.EVERYDAY, ("0300",), ((),) * 7,
                                                             frozenset({Category.ADDRESS_BOOK}), False, ("client-a",)))
        await fleet.settle()
        await driver.settle()
        log = app.query_one(EventLog)
        for width_change in (False, True):
            if width_change:
                await driver.key("f6")  # the side column goes: the log is wider, its entries wrap anew
            width = log.scrollable_content_region.width
            assert all(len(strip.text.rstrip()) <= width for strip in log.lines)
            shown = "\n".join(" ".join(entry.split()) for entry in _entries(log))
            for event in seen:
                assert " ".join(log_line(event).split()) in shown
            assert not any(word in shown for word in INTERNAL)
        assert any(len(log_line(e)) > width for e in seen), "the test needs an entry longer than the log"
        assert "client-d: refused device information from host (E-MODEL)" in shown
        assert "client-a: restored <Address Book>" in shown


async def test_clock_and_auto_page_show_the_next_run_at_once_and_after_it(make_app) -> None:
    """Saving <Set Auto Distribution> shows the next run on the clock at once (not after F9); after the
    run, the page's "Next" is the following day, not the past time."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = await _started(app, pilot)
        assert await driver.login(PIN, PIN)
        await driver.press_path(["Management Settings", "Device Management",
                                 "Device Information Distribution Settings", "Set Auto Distribution"])
        await driver.press("Everyday")
        await driver.type_into("Start Time 1", "0300")
        await driver.press("Next")
        await driver.set_toggle("Address Book", True)
        await driver.press("Next")
        await driver.tick(["client-a"])
        await driver.press("OK")
        await driver.press("OK")
        clock = str(app.query_one(ClockFace).query_one("#clock-next").render())
        assert "2026-11-21 03:00" in clock
        assert "Next auto distribution: Sat 2026-11-21 03:00" in driver.visible_text()
        await app.fleet.advance_to_next()
        await app.fleet.settle()
        await driver.settle()
        assert app.fleet.distribution.last_job("host") is not None
        assert "Next auto distribution: Sun 2026-11-22 03:00" in driver.visible_text()
        assert "2026-11-22 03:00" in str(app.query_one(ClockFace).query_one("#clock-next").render())


async def test_ui03_links_end_with_the_run_and_the_fleet_view_follows_the_walk(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = await _started(app, pilot)
        fleet = app.fleet
        fleet.panel.login_admin("host", PIN, PIN)
        fleet.distribution.start_manual_distribution("host", [Category.ADDRESS_BOOK], ["client-a", "client-b"])
        await fleet.settle()
        await driver.settle()
        view = app.query_one(FleetView)
        links = {name: str(view.get_cell(name, "links")) for name in fleet.spec.names}
        assert set(links.values()) == {""}, links
        # A quick transfer: both status events arrive before the panel repaints the rows. The links must
        # end with the last one (the row's refresh once read the links between the two and stayed so).
        for status in ("Distributing", "OK"):
            fleet.bus.publish(DestinationStatusChanged(at=START, machine="host", job_id=9, destination="client-c",
                                                       status=status))
        await driver.settle()
        assert (str(view.get_cell("host", "links")), str(view.get_cell("client-c", "links"))) == ("", "")
        await driver.at("client-b")
        assert view.cursor_row == fleet.spec.names.index("client-b")
        await driver.key("f3")
        assert view.cursor_row == fleet.spec.names.index(app.machine)


async def test_virtual_clock_resumes_where_the_last_session_ended(tmp_path) -> None:
    state = prepare_state_dir(tmp_path)
    app = create_app(None, state, VirtualClock(START), for_tests=True)
    async with app.run_test(size=SIZE) as pilot:
        await _started(app, pilot)
        await app.fleet.advance(31 * 60)
    resumed = parse_clock_option("virtual", state)
    assert resumed is not None and resumed.now() == START + timedelta(minutes=31)
    assert parse_clock_option("virtual:2026-11-20T08:00", state).now().hour == 8, "an explicit time wins"
    assert parse_clock_option("virtual", tmp_path / "elsewhere").now() == datetime.fromisoformat(
        "2026-11-20T09:00+00:00")
