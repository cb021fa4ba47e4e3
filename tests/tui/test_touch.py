"""Issue 14, touching: one touch ticks a destination row, and a ticked restore box differs from an unticked
one by its mark, not only by its colour."""

from __future__ import annotations

from textual.geometry import Region

from mfp_console.tui.driver import PanelDriver
from mfp_console.tui.widgets.did_parts import DestinationStatusTable
from mfp_console.tui.widgets.touch import TickBox
from tests.tui.conftest import SIZE

PIN = "7654321"
DID = ["Management Settings", "Device Management", "Device Information Distribution Settings"]


async def test_did04_one_touch_ticks_a_destination_row(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        assert await driver.login(PIN, PIN)
        await driver.press_path([*DID, "Manual Distribution"])
        await driver.set_toggle("Address Book", True)
        await driver.press("Next")
        table = app.current_panel.page.query_one(DestinationStatusTable)
        assert table.cursor_row == 0 and not table.ticked
        for row, name in ((2, "client-c"), (0, "client-a")):  # a row not highlighted, then the one that was
            assert await pilot.click(table, offset=(6, 1 + row))  # below the heading line
            await driver.settle()
            assert table.is_ticked(name), f"one touch on {name} ticks it"
        assert await pilot.click(table, offset=(6, 1 + 0))
        await driver.settle()
        assert table.ticked == {"client-c"}, "a second touch unticks"


async def test_did20_restore_boxes_show_their_tick_by_shape(make_app) -> None:
    app = make_app(machine="client-a")
    async with app.run_test(size=SIZE) as pilot:
        driver = PanelDriver(app, pilot)
        assert await driver.login(PIN, PIN)
        await driver.press_path([*DID, "Receiving Settings", "Restore Data"])
        await driver.tick(["Address Book"])
        boxes = list(app.current_panel.page.query(TickBox))
        marks = {box.value: box.render_lines(Region(0, 0, 3, 1))[0].text for box in boxes}
        assert marks[True] != marks[False] and "✔" in marks[True] and "✔" not in marks[False]
        assert [box.value for box in boxes].count(True) == 1
