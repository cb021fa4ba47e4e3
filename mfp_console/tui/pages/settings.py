"""Pages of values: ``<Paper Type Management Settings>``, ``<Printer Settings>``, the settings/registration
values (one page for all, DID-16/DID-03, and one per group such as ``<Timer/Energy Settings>``)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, DataTable

from mfp_console.domain.device_info import PaperType, SettingValue
from mfp_console.domain.seed_catalogue import (
    PAPER_BASE_TYPES,
    PRINTER_SETTINGS,
    SETTING_ITEMS,
)
from mfp_console.tui.pages.base import PanelPage, register_page
from mfp_console.tui.screens.base import PanelDialog
from mfp_console.tui.screens.dialogs import DIALOG_CSS, ValueDialog, YesNoDialog
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.touch import PanelInput, TouchButton

__all__ = ["PaperTypeDialog", "PaperTypesPage", "PrinterSettingsPage", "SettingsValuesPage"]

_SETTING_CHOICES = {item.key: item.values for item in SETTING_ITEMS}
_PRINTER_CHOICES = dict(PRINTER_SETTINGS)


def _row_key(table: DataTable[str]) -> str | None:
    if not table.row_count:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


@register_page("paper_types")
class PaperTypesPage(PanelPage):
    """User-defined paper types (the ``<Paper Information>`` category, DID-15)."""

    BINDINGS: ClassVar = [Binding("delete", "delete", "Delete", show=False)]

    def compose(self) -> ComposeResult:
        yield Static(Content(self.node.panel_label), classes="page-title", id="paper-title")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="paper-table")
        table.add_column("Name", key="name", width=22)
        table.add_column("Base Type", key="base", width=14)
        table.add_column("g/m²", key="weight", width=5)
        table.add_column("Finish", key="finish")
        table.add_column("Color", key="color")
        yield table
        with Horizontal(classes="page-keys"):
            yield TouchButton("<Register>", key="register", id="register-paper")
            yield TouchButton("<Edit>", key="edit", id="edit-paper")
            yield TouchButton("<Delete>", key="delete", id="delete-paper")

    def on_mount(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        table = self.query_one("#paper-table", DataTable)
        keep = table.cursor_row
        table.clear()
        papers = self.fleet.data.device_info(self.machine).paper_types
        for index, paper in enumerate(papers):
            table.add_row(Content(paper.name), paper.base_type, str(paper.weight_gsm), paper.finish, paper.color,
                          key=str(index))
        self.query_one("#paper-title", Static).update(Content(f"{self.node.panel_label} — {len(papers)} types"))
        if papers:
            table.move_cursor(row=min(keep, len(papers) - 1))

    def _papers(self) -> list[PaperType]:
        return list(self.fleet.data.device_info(self.machine).paper_types)

    @on(Button.Pressed, "#register-paper")
    def action_register(self) -> None:
        def added(paper: PaperType | None) -> None:
            if paper is not None and self.attempt(self.fleet.data.set_paper_types, self.machine, (*self._papers(), paper)):
                self.refresh_data()

        self.app.push_screen(PaperTypeDialog(None), added)

    @on(Button.Pressed, "#edit-paper")
    @on(DataTable.RowSelected, "#paper-table")
    def action_edit(self) -> None:
        key = _row_key(self.query_one("#paper-table", DataTable))
        if key is None:
            return
        index = int(key)

        def edited(paper: PaperType | None) -> None:
            if paper is None:
                return
            papers = self._papers()
            papers[index] = paper
            if self.attempt(self.fleet.data.set_paper_types, self.machine, tuple(papers)):
                self.refresh_data()

        self.app.push_screen(PaperTypeDialog(self._papers()[index]), edited)

    @on(Button.Pressed, "#delete-paper")
    def action_delete(self) -> None:
        key = _row_key(self.query_one("#paper-table", DataTable))
        if key is None:
            return
        papers = self._papers()
        index = int(key)

        def answered(yes: bool | None) -> None:
            if yes:
                rest = tuple(p for i, p in enumerate(papers) if i != index)
                if self.attempt(self.fleet.data.set_paper_types, self.machine, rest):
                    self.refresh_data()

        self.app.push_screen(YesNoDialog(f"Delete paper type {papers[index].name}?"), answered)


class PaperTypeDialog(PanelDialog[PaperType | None]):
    """One paper type: name, base type, weight, finish and colour."""

    DEFAULT_CSS = DIALOG_CSS.format(cls="PaperTypeDialog") + """
    PaperTypeDialog .paper-grid { grid-size: 2; grid-gutter: 0 1; height: auto; }
    """
    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, paper: PaperType | None) -> None:
        super().__init__()
        self.paper = paper

    def compose(self) -> ComposeResult:
        paper = self.paper or PaperType("", PAPER_BASE_TYPES[0][0] if PAPER_BASE_TYPES else "Plain 1", 80)
        with Vertical():
            yield Static(Content("<Register>" if self.paper is None else f"<Edit> — {paper.name}"),
                         classes="dialog-title")
            with Grid(classes="paper-grid"):
                yield PanelInput("Name", paper.name, id="paper-name")
                yield PanelInput("Base Type", paper.base_type, id="paper-base")
                yield PanelInput("Weight (g/m²)", str(paper.weight_gsm), id="paper-weight", restrict=r"[0-9]*")
                yield PanelInput("Finish", paper.finish, id="paper-finish")
                yield PanelInput("Color", paper.color, id="paper-color")
            with Horizontal(classes="dialog-keys"):
                yield TouchButton("<OK>", key="ok", variant="primary", id="paper-ok")
                yield TouchButton("<Cancel>", key="cancel", id="paper-cancel")

    def on_mount(self) -> None:
        self.query_one("#paper-name").focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#paper-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    @on(Button.Pressed, "#paper-ok")
    @on(PanelInput.Submitted)
    def _ok(self, event: Button.Pressed | PanelInput.Submitted) -> None:
        event.stop()
        value = {key: self.query_one(f"#paper-{key}", PanelInput).value.strip()
                 for key in ("name", "base", "weight", "finish", "color")}
        self.dismiss(PaperType(value["name"], value["base"], int(value["weight"] or 0), value["finish"], value["color"]))


class _ValueTablePage(PanelPage):
    """A table of key/value settings; Enter or ``<Change>`` edits the selected one in a dialog."""

    def _table(self) -> DataTable[str]:
        return self.query_one("#value-table", DataTable)

    def _choices(self, key: str) -> tuple[str, ...]:
        return ()

    def _current(self, key: str) -> str:
        raise NotImplementedError

    def _store(self, key: str, value: str) -> bool:
        raise NotImplementedError

    @on(Button.Pressed, "#change-value")
    @on(DataTable.RowSelected, "#value-table")
    def action_change(self) -> None:
        key = _row_key(self._table())
        if key is None:
            return

        def chosen(value: str | None) -> None:
            if value is not None and self._store(key, value):
                self.refresh_data()

        self.app.push_screen(ValueDialog(key, self._current(key), self._choices(key)), chosen)


@register_page("printer_settings")
class PrinterSettingsPage(_ValueTablePage):
    """``<Printer Settings>`` (DID-15): every printer setting and its value."""

    def compose(self) -> ComposeResult:
        yield Static(Content(self.node.panel_label), classes="page-title")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="value-table")
        table.add_column("Setting", key="key", width=32)
        table.add_column("Value", key="value", width=30)
        yield table
        with Horizontal(classes="page-keys"):
            yield TouchButton("<Change>", key="change", id="change-value")

    def on_mount(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        table = self._table()
        keep = table.cursor_row
        table.clear()
        for key, value in self.fleet.data.device_info(self.machine).printer_settings:
            table.add_row(Content(key), Content(value), key=key)
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

    def _choices(self, key: str) -> tuple[str, ...]:
        return tuple(_PRINTER_CHOICES.get(key, ()))

    def _current(self, key: str) -> str:
        return dict(self.fleet.data.device_info(self.machine).printer_settings).get(key, "")

    def _store(self, key: str, value: str) -> bool:
        return self.attempt(self.fleet.data.set_printer_setting, self.machine, key, value)


# Group pages show the values under one prefix of the settings catalogue (shown without it); a group may
# keep only the values whose rest starts with one of its items.
_GROUPS = {
    "preferences.timer": "Preferences/Timer/",
    "preferences.display": "Preferences/Display/",
    "preferences.network.ipv4": "Preferences/Network/",
    "function.send": "Function Settings/Send/",
    "proxy_settings": "Preferences/Network/",
}
_GROUP_ITEMS: dict[str, tuple[str, ...]] = {
    "proxy_settings": ("Use Proxy", "Proxy "),  # <Use Proxy> (SYNC-13), the proxy's address and port
}


@register_page("settings_values", *_GROUPS)
class SettingsValuesPage(_ValueTablePage):
    """Settings/registration values with their ``Deliverable`` and ``Network`` flags (DID-16, DID-03).

    The emulator's own page (``settings_values``) lists every value, with a filter field; group pages
    (``<Timer/Energy Settings>`` …) list the values of their group only.
    """

    def compose(self) -> ComposeResult:
        yield Static(Content(self.node.panel_label), classes="page-title", id="values-title")
        if self.node.key == "settings_values":
            yield PanelInput("Filter", id="value-filter", placeholder="type part of a setting's path")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="value-table")
        table.add_column("Setting", key="key", width=36)
        table.add_column("Value", key="value", width=20)
        table.add_column("Deliv.", key="deliverable", width=6)
        table.add_column("Net", key="network", width=3)
        yield table
        with Horizontal(classes="page-keys"):
            yield TouchButton("<Change>", key="change", id="change-value")
        if self.node.key == "preferences.network.ipv4":
            yield Static(id="network-note", classes="page-note")

    def on_mount(self) -> None:
        self.refresh_data()

    def _network_note(self) -> str:
        """Where this machine really listens, when this computer could not give it its own address and
        port 8443 (another fleet took the port; a system without 127.x addresses maps it to 127.0.0.1)."""
        row = next((r for r in self.fleet.status() if r.name == self.machine), None)
        if row is None or not row.note or not row.running_here:
            return ""
        return f"Note (this computer, not the machine): it listens on {row.address}: {row.note}."

    @on(PanelInput.Changed, "#value-filter")
    def _filtered(self) -> None:
        self.refresh_data()

    def _rows(self) -> list[SettingValue]:
        values = self.fleet.data.device_info(self.machine).settings_values
        prefix = _GROUPS.get(self.node.key, "")
        wanted = ""
        if self.query("#value-filter"):
            wanted = self.query_one("#value-filter", PanelInput).value.strip().casefold()
        items = _GROUP_ITEMS.get(self.node.key, ("",))
        return [s for s in values if s.key.startswith(prefix) and wanted in s.key.casefold()
                and s.key[len(prefix):].startswith(items)]

    def refresh_data(self) -> None:
        table = self._table()
        keep = table.cursor_row
        table.clear()
        prefix = _GROUPS.get(self.node.key, "")
        rows = self._rows()
        for item in rows:
            table.add_row(
                Content(item.key[len(prefix):]), Content(item.value), "yes" if item.deliverable else "no",
                "yes" if item.network else "", key=item.key,
            )
        self.query_one("#values-title", Static).update(Content(f"{self.node.panel_label} — {len(rows)} values"))
        if self.query("#network-note"):
            note = self._network_note()
            self.query_one("#network-note", Static).update(Content(note))
            self.query_one("#network-note").display = bool(note)
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))

    def _choices(self, key: str) -> tuple[str, ...]:
        return tuple(_SETTING_CHOICES.get(key, ()))

    def _current(self, key: str) -> str:
        return self.fleet.data.device_info(self.machine).setting(key)

    def _store(self, key: str, value: str) -> bool:
        return self.attempt(self.fleet.data.set_setting_value, self.machine, key, value)
