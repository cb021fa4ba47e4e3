"""``<Set Destination>`` › ``<Register Destinations>``: the address book (DID-13), its forwarding rules and
favourite settings. The list is a virtualised ``DataTable``; entries are added, edited and deleted in a
form, through the facade."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, DataTable, RadioButton, RadioSet

from mfp_console.domain.device_info import AddressEntry
from mfp_console.tui.pages.base import PanelPage, register_page
from mfp_console.tui.screens.base import PanelDialog
from mfp_console.tui.screens.dialogs import DIALOG_CSS, YesNoDialog
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.touch import OnOffToggle, PanelInput, TouchButton

__all__ = ["AddressBookPage", "AddressEntryDialog", "FavoritesPage", "ForwardingPage"]

ENTRY_KINDS = ("e-mail", "fax", "i-fax", "file", "group")
_KIND_LABELS = {"e-mail": "E-Mail", "fax": "Fax", "i-fax": "I-Fax", "file": "File", "group": "Group"}


@register_page("address_book")
class AddressBookPage(PanelPage):
    """The address book as a list with ``<Register New Destination>``, ``<Details/Edit>``, ``<Delete>``."""

    BINDINGS: ClassVar = [
        Binding("insert", "register", "Register", show=False),
        Binding("delete", "delete", "Delete", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Static(Content(f"{self.node.panel_label} — address book"), classes="page-title", id="book-title")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="address-table")
        table.add_column("No.", key="number", width=5)
        table.add_column("Name", key="name", width=24)
        table.add_column("Type", key="kind", width=7)
        table.add_column("Address", key="address", width=30)
        table.add_column("Fav.", key="favourite", width=4)
        yield table
        with Horizontal(classes="page-keys"):
            yield TouchButton("<Register New Destination>", key="register", id="register-entry")
            yield TouchButton("<Details/Edit>", key="edit", id="edit-entry")
            yield TouchButton("<Delete>", key="delete", id="delete-entry")

    def on_mount(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        table = self.query_one("#address-table", DataTable)
        keep = table.cursor_row
        table.clear()
        entries = self.fleet.data.device_info(self.machine).address_book.entries
        for entry in entries:
            table.add_row(
                str(entry.number), Content(entry.name), entry.kind, Content(entry.address),
                "★" if entry.favourite else "", key=str(entry.number),
            )
        self.query_one("#book-title", Static).update(
            Content(f"{self.node.panel_label} — {len(entries)} destinations")
        )
        if entries:
            table.move_cursor(row=min(keep, len(entries) - 1))

    def _selected(self) -> AddressEntry | None:
        table = self.query_one("#address-table", DataTable)
        if not table.row_count:
            return None
        number = int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or 0)
        for entry in self.fleet.data.device_info(self.machine).address_book.entries:
            if entry.number == number:
                return entry
        return None

    @on(Button.Pressed, "#register-entry")
    def action_register(self) -> None:
        def added(entry: AddressEntry | None) -> None:
            if entry is not None and self.attempt(self.fleet.data.add_address_entry, self.machine, entry):
                self.refresh_data()
                self.query_one("#address-table", DataTable).move_cursor(row=self.query_one(DataTable).row_count - 1)

        self.app.push_screen(AddressEntryDialog(None), added)

    @on(Button.Pressed, "#edit-entry")
    @on(DataTable.RowSelected, "#address-table")
    def action_edit(self) -> None:
        current = self._selected()
        if current is None:
            return

        def edited(entry: AddressEntry | None) -> None:
            if entry is not None and self.attempt(self.fleet.data.update_address_entry, self.machine, entry):
                self.refresh_data()

        self.app.push_screen(AddressEntryDialog(current), edited)

    @on(Button.Pressed, "#delete-entry")
    def action_delete(self) -> None:
        current = self._selected()
        if current is None:
            return

        def answered(yes: bool | None) -> None:
            if yes and self.attempt(self.fleet.data.delete_address_entry, self.machine, current.number):
                self.refresh_data()

        self.app.push_screen(YesNoDialog(f"Delete destination {current.number} {current.name}?"), answered)


class AddressEntryDialog(PanelDialog[AddressEntry | None]):
    """The form of one destination: type, name, address and ``<Favorite>`` ``<On>``/``<Off>``."""

    DEFAULT_CSS = DIALOG_CSS.format(cls="AddressEntryDialog") + """
    AddressEntryDialog RadioSet { layout: horizontal; width: 100%; height: auto; }
    """
    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, entry: AddressEntry | None) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        entry = self.entry
        title = "<Register New Destination>" if entry is None else f"<Details/Edit> — destination {entry.number}"
        kind = entry.kind if entry else "e-mail"
        with Vertical():
            yield Static(Content(title), classes="dialog-title")
            with RadioSet(id="entry-kind"):
                for value in ENTRY_KINDS:
                    yield RadioButton(Content(_KIND_LABELS[value]), value=value == kind, name=value)
            yield PanelInput("Name", entry.name if entry else "", id="entry-name")
            yield PanelInput("Address", entry.address if entry else "", id="entry-address")
            yield OnOffToggle("<Favorite>", entry.favourite if entry else False, id="entry-favourite")
            with Horizontal(classes="dialog-keys"):
                yield TouchButton("<OK>", key="ok", variant="primary", id="entry-ok")
                yield TouchButton("<Cancel>", key="cancel", id="entry-cancel")

    def on_mount(self) -> None:
        self.query_one("#entry-name").focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(PanelInput.Submitted)
    def _submitted(self, event: PanelInput.Submitted) -> None:
        if event.input.id == "entry-name":
            self.query_one("#entry-address").focus()
        else:
            self._finish()

    @on(Button.Pressed, "#entry-ok")
    def _ok(self, event: Button.Pressed) -> None:
        event.stop()
        self._finish()

    @on(Button.Pressed, "#entry-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def _finish(self) -> None:
        pressed = self.query_one("#entry-kind", RadioSet).pressed_button
        kind = (pressed.name if pressed is not None else None) or "e-mail"
        entry = AddressEntry(
            number=self.entry.number if self.entry else 0,
            name=self.query_one("#entry-name", PanelInput).value.strip(),
            kind=kind,
            address=self.query_one("#entry-address", PanelInput).value.strip(),
            favourite=self.query_one("#entry-favourite", OnOffToggle).value,
        )
        if self.entry is not None:
            entry = replace(entry, number=self.entry.number)
        self.dismiss(entry)


@register_page("forwarding")
class ForwardingPage(PanelPage):
    """``<Forwarding Settings>``: the forwarding rules (part of the ``<Address Book>`` category)."""

    def compose(self) -> ComposeResult:
        yield Static(Content(f"{self.node.panel_label} — part of <Address Book>"), classes="page-title")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="forwarding-table")
        table.add_columns("Name", "Condition", "Forward to", "Enabled")
        yield table

    def on_mount(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for rule in self.fleet.data.device_info(self.machine).address_book.forwarding:
            table.add_row(Content(rule.name), Content(rule.condition), str(rule.destination),
                          "<On>" if rule.enabled else "<Off>")


@register_page("favorites")
class FavoritesPage(PanelPage):
    """``<Favorite Settings>``: favourite Send settings (part of the ``<Address Book>`` category)."""

    def compose(self) -> ComposeResult:
        yield Static(Content(f"{self.node.panel_label} — part of <Address Book>"), classes="page-title")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="favorites-table")
        table.add_columns("No.", "Name", "Settings")
        yield table

    def on_mount(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for favourite in self.fleet.data.device_info(self.machine).address_book.favourites:
            settings = ", ".join(f"{k}: {v}" for k, v in favourite.settings)
            table.add_row(str(favourite.number), Content(favourite.name), Content(settings))
