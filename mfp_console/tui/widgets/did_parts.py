"""Controls of the Device Information Distribution screens: a list with ticks (destinations, search results),
the destination list with its live ``<Status>`` column (DID-04/05), and the five category switches with the
``<Network Settings>`` question (DID-03).

A :class:`TickTable` is a ``DataTable`` (virtualised: 100 destinations or more scroll smoothly) whose first
column is a tick. Space or Enter on a row ticks or unticks it; so does touching the row (one touch). :meth:`mfp_console.tui.driver.PanelDriver.tick` finds rows by their label.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.geometry import Region
from textual.message import Message
from textual.widgets import Button, DataTable, Label

from mfp_console.domain.device_info import Category
from mfp_console.tui.screens.network_question import (
    NETWORK_LABEL,
    NetworkSettingsDialog,
)
from mfp_console.tui.widgets.touch import OnOffToggle, TouchButton

__all__ = [
    "CategoryToggles",
    "DestinationStatusTable",
    "TickTable",
    "report_path",
    "status_cell",
]

TICKED = Content("[✔]")
UNTICKED = Content("[ ]")


def status_cell(text: str) -> Content:
    """A ``<Status>`` cell: ``OK`` in the success colour, ``NG …`` in the error colour, the rest plain."""
    if text == "OK":
        return Content.styled(text, "bold $text-success")
    if text.startswith("NG"):
        return Content.styled(text, "bold $text-error")
    if text in ("Distributing", "Canceled"):
        return Content.styled(text, "$text-warning")
    return Content(text or "-")


def report_path(app: Any, stem: str, suffix: str = ".txt") -> Path:
    """Where a ``<Print List>`` report or an export goes: the app's screenshot folder (the working
    directory in the terminal), named after the machine time, e.g. ``host-destinations-20261120-0900.txt``."""
    folder = Path(getattr(app, "screenshot_dir", None) or Path.cwd())
    now = app.fleet.clock.now()
    return folder / f"{stem}-{now:%Y%m%d-%H%M}{suffix}"


class TickTable(DataTable[Any]):
    """Rows with a tick in the first column; the row key is the label :meth:`PanelDriver.tick` matches.

    Args:
        columns: ``(key, label, width)`` of the columns after the tick (width 0: sized to the content).
    """

    BINDINGS: ClassVar = [Binding("space", "toggle_tick", "Tick", show=False)]

    class Changed(Message):
        """The ticked rows changed."""

        def __init__(self, table: TickTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> TickTable:
            return self.table

    def __init__(self, columns: Sequence[tuple[str, str, int]], *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.add_column(Content("✔"), key="tick", width=3)
        for key, label, width in columns:
            self.add_column(Content(label), key=key, width=width or None)
        self.ticked: set[str] = set()
        """Keys of the ticked rows."""
        self._order: list[str] = []

    # --- content ------------------------------------------------------------------------------------

    def set_rows(self, rows: Iterable[tuple[str, Sequence[Any]]], ticked: Collection[str] = ()) -> None:
        """Replaces the rows: ``(key, cells after the tick)``; ``ticked`` keys start ticked."""
        keep = self.cursor_row
        self.clear()
        self._order = []
        self.ticked = set(ticked)
        for key, cells in rows:
            self._order.append(key)
            self.add_row(TICKED if key in self.ticked else UNTICKED, *cells, key=key)
        self.ticked &= set(self._order)
        if self._order:
            self.move_cursor(row=min(max(keep, 0), len(self._order) - 1))

    @property
    def keys(self) -> list[str]:
        """Row keys in list order."""
        return list(self._order)

    def ticked_in_order(self) -> list[str]:
        """The ticked keys, in list order (DID-06 serves them in this order)."""
        return [key for key in self._order if key in self.ticked]

    def row_index(self, label: str) -> int | None:
        """The index of the row whose key is ``label`` (case ignored), or None."""
        wanted = label.strip().strip("<>").casefold()
        for index, key in enumerate(self._order):
            if key.casefold() == wanted:
                return index
        return None

    def highlighted_key(self) -> str | None:
        """The key of the highlighted row (None for an empty list)."""
        return self._cursor_key()

    def is_ticked(self, key: str) -> bool:
        """True when the row ``key`` is ticked."""
        return key in self.ticked

    def set_tick(self, key: str, ticked: bool) -> None:
        """Ticks or unticks one row."""
        if key not in self._order:
            return
        if ticked:
            self.ticked.add(key)
        else:
            self.ticked.discard(key)
        self.update_cell(key, "tick", TICKED if ticked else UNTICKED)
        self.post_message(self.Changed(self))

    def set_all(self, ticked: bool) -> None:
        """``<Select All>`` / ``<Clear Selection>``."""
        self.ticked = set(self._order) if ticked else set()
        for key in self._order:
            self.update_cell(key, "tick", TICKED if ticked else UNTICKED)
        self.post_message(self.Changed(self))

    # --- input --------------------------------------------------------------------------------------

    def _cursor_key(self) -> str | None:
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def action_toggle_tick(self) -> None:
        key = self._cursor_key()
        if key is not None:
            self.set_tick(key, key not in self.ticked)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_toggle_tick()

    async def _on_click(self, event: events.Click) -> None:
        # One touch ticks a row. DataTable's own click handler (it runs after this one) only moves the
        # highlight to a row that is not highlighted yet, and selects (ticks, above) one that is.
        row = event.style.meta.get("row")
        if isinstance(row, int) and 0 <= row < len(self._order) and row != self.cursor_row:
            key = self._order[row]
            self.set_tick(key, key not in self.ticked)


class DestinationStatusTable(TickTable):
    """The host's destinations with a tick, name, address and the live ``<Status>`` cell (DID-04/05)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__((("name", "Name", 16), ("address", "Address", 18), ("status", "<Status>", 18)), id=id)

    def show(self, destinations: Iterable[Any], statuses: Mapping[str, str], ticked: Collection[str] = ()) -> None:
        """Fills the list from the registered destinations and their last statuses."""
        rows = []
        for dest in destinations:
            address = dest.address if not dest.port else f"{dest.address}:{dest.port}"
            rows.append((dest.name, (Content(dest.name), Content(address), status_cell(statuses.get(dest.name, "")))))
        self.set_rows(rows, ticked)

    def set_status(self, name: str, text: str) -> None:
        """Changes one ``<Status>`` cell (a row not in the list is ignored); a row being served or ending
        NG scrolls into view, so a long list shows what the run is doing."""
        if name in self._order:
            self.update_cell(name, "status", status_cell(text))
            if text == "Distributing" or text.startswith("NG"):
                self.show_row(name)

    def show_row(self, name: str) -> None:
        """Scrolls the list (not the highlight) so the row ``name`` is in view."""
        top, _, _, left = fixed = self._get_fixed_offset()  # DataTable's own geometry (Textual 8.2.8)
        _, y, width, height = self._get_row_region(self._order.index(name))
        self.scroll_to_region(Region(int(self.scroll_x) + left, y, width - left, height), animate=False,
                              spacing=fixed, force=True, immediate=False)


class CategoryToggles(Vertical):
    """The five categories, each ``<On>``/``<Off>``. Touching ``<Settings/Registration Value>`` ``<On>`` opens
    the ``<Network Settings>`` screen (``<Include>``/``<Exclude>``, then ``<OK>``, DID-03); the choice is then
    shown under the switch, on a button that opens the screen again.

    Args:
        chosen: The categories that start ``<On>``.
        include_network: Whether ``<Include>`` starts chosen.
        network_question: False on screens where the question does not apply (receiving restrictions).
    """

    DEFAULT_CSS = """
    CategoryToggles { height: auto; }
    CategoryToggles > OnOffToggle { margin: 0; }
    CategoryToggles #network-row { height: auto; width: 1fr; padding: 0 0 0 4; }
    CategoryToggles #network-row > Label { width: 1fr; padding: 0 1; height: 1; }
    CategoryToggles #network-row > TouchButton { width: 11; margin: 0 0 0 1; }
    """

    def __init__(self, chosen: Collection[Category] = (), include_network: bool = False, *,
                 network_question: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self._chosen = set(chosen)
        self._include = include_network
        self._network_question = network_question

    def compose(self) -> ComposeResult:
        for category in Category:
            yield OnOffToggle(f"<{category.label}>", category in self._chosen, id=f"cat-{category.value}",
                              compact=True)
            if category is Category.SETTINGS_VALUES and self._network_question:
                with Horizontal(id="network-row"):
                    yield Label(Content(NETWORK_LABEL))
                    yield TouchButton(_choice_label(self._include), key="network", id="network-button",
                                      compact=True)

    def on_mount(self) -> None:
        self._show_choice()

    @on(OnOffToggle.Changed)
    def _changed(self, event: OnOffToggle.Changed) -> None:
        if event.toggle.id == f"cat-{Category.SETTINGS_VALUES.value}":
            if not event.value:
                self._include = False  # asked again, as <Exclude>, the next time it goes <On> (D)
            self._show_choice()

    @on(OnOffToggle.Chosen)
    def _touched(self, event: OnOffToggle.Chosen) -> None:
        """Only a touch opens the screen: values set by code (a saved schedule, a scenario shown) do not."""
        if (self._network_question and event.changed and event.value
                and event.toggle.id == f"cat-{Category.SETTINGS_VALUES.value}"):
            self.ask_network()

    @on(Button.Pressed, "#network-button")
    def _reopen(self, event: Button.Pressed) -> None:
        event.stop()
        self.ask_network()

    def ask_network(self) -> None:
        """Opens the ``<Network Settings>`` screen; its ``<OK>`` sets the choice."""
        def answered(include: bool | None) -> None:
            if include is not None:
                self._include = include
            self._show_choice()

        self.app.push_screen(NetworkSettingsDialog(self._include), answered)

    def _show_choice(self) -> None:
        if not self._network_question:
            return
        asked = self.query_one(f"#cat-{Category.SETTINGS_VALUES.value}", OnOffToggle).value
        self.query_one("#network-row").display = asked
        button = self.query_one("#network-button", TouchButton)
        button.label = Content(_choice_label(self._include))
        button.plain_label = _choice_label(self._include)

    @property
    def categories(self) -> list[Category]:
        """The categories switched ``<On>``, in panel order."""
        return [c for c in Category if self.query_one(f"#cat-{c.value}", OnOffToggle).value]

    @property
    def include_network(self) -> bool:
        """``<Network Settings>`` ``<Include>`` (only while ``<Settings/Registration Value>`` is ``<On>``)."""
        if not self._network_question or Category.SETTINGS_VALUES not in self.categories:
            return False
        return self._include

    def set_values(self, chosen: Collection[Category], include_network: bool = False) -> None:
        """Sets every switch (no screen opens)."""
        for category in Category:
            self.query_one(f"#cat-{category.value}", OnOffToggle).value = category in chosen
        self._include = include_network and Category.SETTINGS_VALUES in chosen
        if self._network_question:
            self._show_choice()


def _choice_label(include: bool) -> str:
    return "<Include>" if include else "<Exclude>"
