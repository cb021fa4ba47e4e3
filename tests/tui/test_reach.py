"""UI-07: every control of every screen can be reached and is fully visible when focused, at 80×24 and at
120×36 with the side column, the fleet view and the event log shown.

One app per size walks every node of the menu tree (through the panel's own navigation, not key presses),
the steps and switches that show more controls (the ``<Network Settings>`` question, the destination list,
the schedule's days), and every dialog and Remote UI screen. On each screen it focuses every focusable
control in turn, lets the app scroll it into view the way it does for a key press, and fails when the
control's region is not wholly inside the screen and inside every scrolling container around it, when
something else covers one of its corners, or when a button does not show its whole label.

At 80×24 the side column and the bottom views give way to the panel (F6/F7 show them as overlays); the
walk does the panel with them hidden, then the overlays' own controls with them shown.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.containers import ScrollableContainer
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, DataTable, RadioSet

from mfp_console.domain.menu import iter_nodes
from mfp_console.tui.driver import PanelDriver
from mfp_console.tui.focus_moves import Arrow, aimable, arrow_target, zone_of
from mfp_console.tui.pages.address_book import AddressEntryDialog
from mfp_console.tui.pages.distribution import (
    AutoSearchDialog,
    RegisterDestinationDialog,
)
from mfp_console.tui.pages.distribution_log import LogFilter, LogFilterDialog
from mfp_console.tui.pages.import_export import ImportPreviewDialog
from mfp_console.tui.pages.personal import PersonalDataScreen
from mfp_console.tui.pages.remote_ui import RemotePortal
from mfp_console.tui.pages.settings import PaperTypeDialog
from mfp_console.tui.pages.sync_remote import REMOTE_SCREENS, ConnectionSettingsScreen
from mfp_console.tui.pages.user_management import DepartmentDialog
from mfp_console.tui.screens.dialogs import MessageBox, ValueDialog, YesNoDialog
from mfp_console.tui.screens.help import HelpScreen
from mfp_console.tui.screens.login import LoginDialog
from mfp_console.tui.screens.machine_info import (
    device_information_box,
    status_monitor_box,
)
from mfp_console.tui.screens.network_question import NetworkSettingsDialog
from mfp_console.tui.screens.user_login import UserLoginDialog
from mfp_console.tui.widgets.did_parts import CategoryToggles
from mfp_console.tui.widgets.touch import OnOffToggle, PanelInput, TouchButton

ADMIN = ("7654321", "7654321")
SHORT_LIST = 5
"""A list this short is shown whole (the four destinations of the default fleet, every machine)."""
LONG = ("A refusal explains itself in a full sentence, and some explain more than one thing at a time, "
        "so a message box must wrap long text and keep its keys on screen. ") * 3


def describe(widget: Widget) -> str:
    label = widget.plain_label if isinstance(widget, TouchButton) else ""
    if not label and isinstance(widget, Button):
        label = widget.label.plain
    return f"{type(widget).__name__}#{widget.id or '-'}" + (f" {label!r}" if label else "")


def visibility_problem(screen: Screen[Any], widget: Widget) -> str:
    """Why ``widget`` is not fully visible on ``screen`` (empty when it is): outside the screen or a scrolling
    container's view, covered, a button's label cut, a short list not shown whole."""
    try:
        geometry = screen.find_widget(widget)
    except Exception:  # not in the compositor's map: not laid out on screen at all
        return "is not on screen"
    region = geometry.region
    if not region.area:
        return "has no area"
    seen = region.intersection(geometry.clip).intersection(Region(0, 0, *screen.size))
    if seen != region:
        return f"shows {seen.width}x{seen.height} of its {region.width}x{region.height} at {region.x},{region.y}"
    for x, y in ((region.x, region.y), (region.right - 1, region.y), (region.x, region.bottom - 1),
                 (region.right - 1, region.bottom - 1)):
        top, _ = screen.get_widget_at(x, y)
        if top is not widget and widget not in top.ancestors:
            return f"is covered at {x},{y} by {describe(top)}"
    if isinstance(widget, DataTable) and widget.row_count <= SHORT_LIST:
        if widget.virtual_size.height > widget.scrollable_content_region.height:
            return f"shows {widget.scrollable_content_region.height} lines of its {widget.row_count} rows and heading"
    if isinstance(widget, Button):
        label = widget.plain_label if isinstance(widget, TouchButton) else widget.label.plain
        shown = "".join(strip.text for strip in widget.render_lines(Region(0, 0, region.width, region.height)))
        if "".join(label.split()) not in "".join(shown.split()):
            return f"shows only {' '.join(shown.split())!r} of its label"
    return ""


def arrow_unreachable(screen: Screen[Any], start: Widget, wanted: list[Widget]) -> list[Widget]:
    """The controls of ``wanted`` that no sequence of arrow keys reaches from ``start`` (UI-07)."""
    controls = aimable(screen)  # one layout: the places are read once for every move
    seen = {start}
    todo = [start]
    while todo:
        widget = todo.pop()
        for arrow in Arrow:
            if isinstance(widget, RadioSet) and not arrow.vertical:
                continue  # left and right choose inside the row of radio buttons
            target = arrow_target(screen, widget, arrow, controls)
            if target is not None and target not in seen:
                seen.add(target)
                todo.append(target)
    return [w for w in wanted if w not in seen]


def _arrow_targets(screen: Screen[Any], within: Widget | None) -> list[Widget]:
    return [w for w in screen.focus_chain
            if (within is None or within in w.ancestors)
            and not (isinstance(w, ScrollableContainer) and any(c.focusable for c in w.query("*")))]


class Walker:
    """Focuses every control of the screen shown and collects what is not fully visible."""

    def __init__(self, driver: PanelDriver, size: str) -> None:
        self.driver = driver
        self.app = driver.app
        self.size = size
        self.problems: list[str] = []
        self.screens = 0

    async def walk(self, where: str, within: Widget | None = None) -> None:
        await self.driver.settle()
        screen = self.app.screen
        self.screens += 1
        for widget in list(screen.focus_chain):
            if within is not None and within not in widget.ancestors:
                continue
            screen.set_focus(widget)
            await self.driver.settle()
            problem = visibility_problem(screen, widget)
            if problem:
                self.problems.append(f"{self.size} {where}: {describe(widget)} {problem}")
        zones: dict[Widget, list[Widget]] = {}
        for widget in _arrow_targets(screen, within):  # arrows move inside a part of the screen; Tab between
            zones.setdefault(zone_of(widget, screen), []).append(widget)
        for wanted in zones.values():
            for widget in arrow_unreachable(screen, wanted[0], wanted):
                self.problems.append(f"{self.size} {where}: {describe(widget)} is not reached with the arrow keys")

    async def dialog(self, where: str, screen: Screen[Any], then: Callable[[], Awaitable[None]] | None = None) -> None:
        await self.app.push_screen(screen)
        await self.driver.settle()
        if then is not None:
            await then()
        await self.walk(where)
        while len(self.app.screen_stack) > 1:
            self.app.pop_screen()
            await self.driver.settle()

    async def node(self, machine: str, key: str) -> None:
        await self.driver.at(machine)
        assert await self.app.current_panel.go_to(key), key
        await self.walk(f"{machine} {key}", self.app.current_panel.query_one("#page-holder"))

    async def more_of_page(self, machine: str, key: str) -> None:
        """The states of a page that show more controls than it opens with."""
        page = self.app.current_panel.page
        where = f"{machine} {key}"
        holder = self.app.current_panel.query_one("#page-holder")
        if page is None:
            return
        if page.query(CategoryToggles):
            for toggle in page.query(OnOffToggle):
                toggle.value = True  # <Settings/Registration Value> <On> shows the <Network Settings> choice
            await self.walk(f"{where} (every switch On)", holder)
        if key == "did.manual":
            page.bar_pressed("next")
            await self.walk(f"{where} (destinations)", holder)
        if key == "did.auto":
            for mode in ("everyday", "days"):
                page.query_one(f"#mode-{mode}", TouchButton).press()
                await self.walk(f"{where} (<{mode}>)", holder)
            page.query_one("#slot-1", PanelInput).value = "0300"
            for step in ("categories", "destinations"):
                assert page.bar_pressed("next")
                await self.walk(f"{where} ({step})", holder)


async def _start_sync(driver: PanelDriver) -> None:
    """The sync server on host, the client function on client-a, alice logged in at client-a."""
    fleet = driver.app.fleet
    fleet.panel.login_admin("host", *ADMIN)
    fleet.sync.start_server("host")
    fleet.panel.login_admin("client-a", *ADMIN)
    fleet.sync.start_client("client-a")
    await fleet.settle()
    fleet.users.login_user("client-a", "alice")
    fleet.users.add_personal_address("client-a", "alice", "Bob Jones", "bob@example.com")
    await fleet.settle()


async def _walk_everything(walker: Walker, *, menu: bool = True) -> None:
    """Every screen: the menu tree's pages (``menu``), then every dialog and Remote UI page."""
    app, driver = walker.app, walker.driver
    fleet = app.fleet
    await walker.walk("host top menu, everything on screen")
    for node in (n for n in iter_nodes() if n.emulated and menu):
        await walker.node("host", node.key)
        await walker.more_of_page("host", node.key)
    for key in ("sync", "sync.personal", "did.receiving.restore"):
        await walker.node("client-a", key)

    await driver.at("host")
    dialogs: list[tuple[str, Screen[Any]]] = [
        ("message box", MessageBox("Refused (DID-04)", LONG)),
        ("yes/no", YesNoDialog("Delete this machine's key?", [LONG], "Answer <Yes> or <No>.")),
        ("value dialog", ValueDialog("Timer/Energy Settings / Auto Reset Time", "1", ["0", "1", "2", "3", "5"])),
        ("register destination", RegisterDestinationDialog(fleet, "host")),
        ("log filter", LogFilterDialog(LogFilter())),
        ("department", DepartmentDialog(None)),
        ("address entry", AddressEntryDialog(None)),
        ("paper type", PaperTypeDialog(None)),
        ("import preview", ImportPreviewDialog([LONG, LONG])),
        ("help", HelpScreen([("f1", "Help")] * 14)),
        ("network settings question", NetworkSettingsDialog(False)),
    ]
    for name, screen in dialogs:
        await walker.dialog(name, screen)

    async def search() -> None:
        app.screen.query_one("#search-depth", PanelInput).value = "3"
        app.screen.query_one("#search-start", TouchButton).press()
        await driver.settle()

    await walker.dialog("auto search with results", AutoSearchDialog(fleet, "host"), search)
    await walker.dialog("host Remote UI portal", RemotePortal(fleet, "host"))
    for key, screen_type in REMOTE_SCREENS.items():
        await walker.dialog(f"host Remote UI {key}", screen_type(fleet, "host"))
    await walker.dialog("host Status Monitor", status_monitor_box(fleet, "host"))
    await walker.dialog("host Counter/Device Information", device_information_box(fleet, "host"))
    fleet.panel.logout("host")
    await walker.dialog("login keypad", LoginDialog(fleet, "host"))
    await driver.at("client-a")
    await walker.dialog("client-a Remote UI portal", RemotePortal(fleet, "client-a"))
    await walker.dialog("client-a Remote UI connection", ConnectionSettingsScreen(fleet, "client-a"))
    await walker.dialog("client-a Status Monitor", status_monitor_box(fleet, "client-a"))
    await walker.dialog("personal settings of alice", PersonalDataScreen(fleet, "client-a"))
    await driver.at("client-b")
    await walker.dialog("user login", UserLoginDialog(fleet, "client-b"))


@pytest.mark.rules("UI-07")
@pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=["120x36", "80x24"])
@pytest.mark.slow
async def test_ui07_every_control_of_every_screen_is_reachable_and_fully_visible(make_app, size) -> None:
    # The walk reads the layout, never the painted terminal: the headless panel paints on demand only.
    app = make_app()
    async with app.run_test(size=size) as pilot:
        driver = PanelDriver(app, pilot)
        await driver.wait_until(lambda: app.started, "the panel did not start")
        narrow = size[0] < 110
        assert app.query_one("#side").display is not narrow and app.query_one("#bottom").display is not narrow
        walker = Walker(driver, f"{size[0]}x{size[1]}")
        await _start_sync(driver)
        await _walk_everything(walker)
        if narrow:  # the overlays' own controls, shown with F6 and F7
            await driver.key("f6", "f7")
            await walker.walk("side column and bottom views over the panel", app.query_one("#side"))
            await walker.walk("side column and bottom views over the panel", app.query_one("#bottom"))
        assert walker.screens > 60
    assert not walker.problems, "\n".join(walker.problems)
