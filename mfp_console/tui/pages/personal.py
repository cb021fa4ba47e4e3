"""The personal settings of the login user (SYNC-08): what follows a user to every synchronized machine.

Opened over the panel once a user is logged in (F5, or touching who is logged in in the header): the
display language and keyboard, accessibility, personal buttons and the Home screen, job default settings,
shortcuts, the personal address list, user group address lists and the keychain. Each is read from and
changed through the fleet facade as the logged-in user; on a synchronized machine the engine passes the
change on to the server and every other client. Each item also shows its sharing range (SYNC-10), its
version here and, on old firmware, that it is not synchronized (SYNC-17).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, DataTable

from mfp_console.domain.sync_items import ADDRESS_TYPES, DISPLAY_LANGUAGES, PersonalItem
from mfp_console.errors import MfpError, RuleRefusal
from mfp_console.tui.screens.base import PanelDialog
from mfp_console.tui.screens.dialogs import MessageBox, ValueDialog, refusal_box
from mfp_console.tui.speech import Static, instructor_mode, machine_words
from mfp_console.tui.widgets.touch import PanelInput, TouchButton

if TYPE_CHECKING:
    from mfp_console.engine.fleet import Fleet

__all__ = ["PersonalDataScreen"]

SETTINGS_ITEMS = (PersonalItem.DISPLAY_LANGUAGE, PersonalItem.ACCESSIBILITY, PersonalItem.HOME_SCREEN,
                  PersonalItem.JOB_DEFAULTS)
"""Items that are a set of named settings: changed one value at a time."""

LIST_FIELDS: dict[PersonalItem, tuple[tuple[str, str], ...]] = {
    PersonalItem.PERSONAL_BUTTONS: (("label", "Button Label"), ("function", "Function")),
    PersonalItem.SHORTCUTS: (("label", "Shortcut Label"), ("function", "Function")),
    PersonalItem.PERSONAL_ADDRESS_LIST: (("name", "Name"), ("address", "Address"), ("type", "Type")),
    PersonalItem.GROUP_ADDRESS_LISTS: (("group", "Group ID"), ("name", "Name"), ("address", "Address"),
                                       ("type", "Type")),
    PersonalItem.KEYCHAIN: (("destination", "Destination (name or No.)"), ("account", "Account")),
}
"""Items that are lists of entries: the form fields of ``[Add]`` (key, label)."""

_CHOICES: dict[str, tuple[str, ...]] = {
    "language": DISPLAY_LANGUAGES,
    "keyboard": ("English (US)", "English (UK)", "Japanese", "French", "German"),
    "key_repeat": ("Slow", "Normal", "Fast"),
    "layout": ("Standard", "Large Buttons", "List"),
    "color": ("Auto (Color/B&W)", "Full Color", "Black & White"),
    "sides": ("1-Sided", "2-Sided"),
    "file_format": ("PDF", "TIFF", "JPEG"),
}


def _flatten(value: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict):
        rows: list[tuple[tuple[str, ...], Any]] = []
        for key, inner in value.items():
            rows += _flatten(inner, (*path, str(key)))
        return rows
    return [(path, value)]


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "On" if value else "Off"
    return str(value)


def _with(value: dict[str, Any], path: tuple[str, ...], new: Any) -> dict[str, Any]:
    out = dict(value)
    if len(path) == 1:
        out[path[0]] = new
    else:
        out[path[0]] = _with(dict(out.get(path[0], {})), path[1:], new)
    return out


class PersonalDataScreen(PanelDialog[None]):
    """The login user's personalized data on ``machine``; each item viewed and changed in turn.

    Args:
        fleet: The fleet facade.
        machine: The machine whose panel the user stands at.
    """

    DEFAULT_CSS = """
    PersonalDataScreen { align: center middle; }
    PersonalDataScreen > #personal-window {
        width: 112; max-width: 98%; height: 36; max-height: 98%;
        border: thick $success; background: $surface; padding: 0 1;
    }
    PersonalDataScreen #personal-head { text-style: bold; height: auto; padding: 0 0 1 0; }
    PersonalDataScreen #personal-columns { height: 1fr; }
    PersonalDataScreen #item-keys { width: 30; height: 1fr; overflow-y: auto; }
    PersonalDataScreen #item-keys > TouchButton { width: 100%; margin: 0 0 1 0; }
    PersonalDataScreen #item-view { width: 1fr; padding: 0 0 0 1; overflow-y: auto; }
    PersonalDataScreen #item-title { text-style: bold; height: auto; }
    PersonalDataScreen #item-facts { color: $text-muted; height: auto; }
    PersonalDataScreen #item-table { height: 1fr; min-height: 6; }
    PersonalDataScreen .entry-form { height: auto; grid-size: 2; grid-gutter: 0 1; }
    PersonalDataScreen .item-keys { height: auto; }
    PersonalDataScreen .item-keys > TouchButton { margin: 0 1 0 0; }
    PersonalDataScreen #personal-bottom { height: auto; dock: bottom; align: right middle; }
    PersonalDataScreen #personal-bottom > TouchButton { margin: 0 0 0 1; }
    """
    BINDINGS: ClassVar = [Binding("escape", "close", "Close")]

    def __init__(self, fleet: Fleet, machine: str) -> None:
        super().__init__()
        self.fleet = fleet
        self.machine = machine
        self.user = fleet.users.logged_in_user(machine)
        self.item = PersonalItem.PERSONAL_ADDRESS_LIST
        self._ready = False

    def compose(self) -> ComposeResult:
        with Vertical(id="personal-window"):
            yield Static(id="personal-head")
            with Horizontal(id="personal-columns"):
                with Vertical(id="item-keys"):
                    for item in PersonalItem:
                        yield TouchButton(item.label, key=item.value, classes="item-key", compact=True)
                with Vertical(id="item-view"):
                    yield Static(id="item-title")
                    yield Static(id="item-facts")
                    yield DataTable(cursor_type="row", zebra_stripes=True, id="item-table")
                    for item, fields in LIST_FIELDS.items():
                        with Grid(classes="entry-form", id=f"form-{item.value}"):
                            for key, label in fields:
                                default = {"function": "Copy", "type": "E-Mail"}.get(key, "")
                                yield PanelInput(label, default, id=f"field-{item.value}-{key}", max_length=80)
                    with Horizontal(classes="item-keys"):
                        yield TouchButton("[Add]", key="add", id="item-add", variant="primary", compact=True)
                        yield TouchButton("[Change]", key="change", id="item-change", compact=True)
                        yield TouchButton("[Delete]", key="delete", id="item-delete", compact=True)
            with Horizontal(id="personal-bottom"):
                yield TouchButton("<Log Out>", key="logout", id="personal-logout", compact=True)
                yield TouchButton("<Close>", key="close", id="personal-close", compact=True)

    def on_mount(self) -> None:
        self._ready = True
        self.show_item(self.item)
        self.query_one("#item-keys TouchButton").focus()

    # --- reading --------------------------------------------------------------------------------------

    def show_item(self, item: PersonalItem) -> None:
        """Shows ``item`` with its controls."""
        self.item = item
        for button in self.query(".item-key").results(TouchButton):
            button.variant = "primary" if button.key == item.value else "default"
        for form_item in LIST_FIELDS:
            self.query_one(f"#form-{form_item.value}").display = form_item is item
        is_list = item in LIST_FIELDS
        self.query_one("#item-add").display = is_list
        self.query_one("#item-delete").display = is_list
        self.query_one("#item-change").display = not is_list
        table = self.query_one("#item-table", DataTable)
        table.clear(columns=True)
        for label, width in self._columns(item):  # a heading is not a PanelText: it speaks here (UI-06)
            table.add_column(machine_words(label, instructor=instructor_mode(self)), width=width)
        self.refresh_data()

    @staticmethod
    def _columns(item: PersonalItem) -> tuple[tuple[str, int | None], ...]:
        if item in SETTINGS_ITEMS:
            return (("Setting", 30), ("Value", 30))
        if item is PersonalItem.PERSONAL_ADDRESS_LIST:
            return (("Name", 18), ("Type", 7), ("Address", 32))
        if item is PersonalItem.GROUP_ADDRESS_LISTS:
            return (("Group ID", 10), ("Name", 16), ("Type", 7), ("Address", 26))
        if item is PersonalItem.KEYCHAIN:
            return (("No.", 4), ("Account", 16), ("Leads to on this machine (SYNC-16)", 36))
        return (("Label", 28), ("Function", 20))

    def refresh_data(self) -> None:
        """Re-reads the user's data (the app calls it when data changed)."""
        if not self._ready:
            return
        if self.fleet.users.logged_in_user(self.machine) != self.user or not self.user:
            self.dismiss(None)
            return
        data = self.fleet.users.personal_data(self.machine, self.user)
        self.query_one("#personal-head", Static).update(Content(
            f"Personal Settings — {self.user} at {self.machine} (SYNC-08: the same on every synchronized machine)"))
        item = self.item
        self.query_one("#item-title", Static).update(Content(item.label))
        facts = [data.sharing.get(item).label if item in data.sharing else "",
                 f"version {data.versions[item]} here" if item in data.versions else "default (never changed)"]
        if item in data.withheld:
            facts.append("not synchronized: this machine's firmware is too old (SYNC-17)")
        facts.extend(f"{part} is not shown on this machine (kept on the server)"
                     for part in data.unreflected if item.label in part)
        self.query_one("#item-facts", Static).update(Content(" · ".join(f for f in facts if f)))
        table = self.query_one("#item-table", DataTable)
        keep = table.cursor_row
        table.clear()
        for key, cells in self._rows(data[item]):
            table.add_row(*(Content(str(c)) for c in cells), key=key)
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

    def _rows(self, value: Any) -> list[tuple[str, tuple[Any, ...]]]:
        item = self.item
        if item in SETTINGS_ITEMS:
            return [("/".join(path), (" › ".join(path), _shown(v))) for path, v in _flatten(value)]
        if item is PersonalItem.PERSONAL_ADDRESS_LIST:
            return [(str(i), (e["name"], e["type"], e["address"])) for i, e in enumerate(value)]
        if item is PersonalItem.GROUP_ADDRESS_LISTS:
            return [(f"{group}\t{i}", (group, e["name"], e["type"], e["address"]))
                    for group, entries in sorted(value.items()) for i, e in enumerate(entries)]
        if item is PersonalItem.KEYCHAIN:
            targets = self.fleet.users.keychain_targets(self.machine, self.user)
            return [(str(i), (number, account, target or "(nothing registered under this number here)"))
                    for i, (number, account, target) in enumerate(targets)]
        return [(str(i), (e["label"], e.get("function", ""))) for i, e in enumerate(value)]

    def _selected(self) -> str | None:
        table = self.query_one("#item-table", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    # --- changing -------------------------------------------------------------------------------------

    def _attempt(self, call: Any, *args: Any) -> bool:
        try:
            call(*args)
        except RuleRefusal as exc:
            self.app.push_screen(refusal_box(exc))
            return False
        except MfpError as exc:
            self.app.push_screen(MessageBox("Error", str(exc)))
            return False
        self.refresh_data()
        return True

    @on(Button.Pressed, ".item-key")
    def _item(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, TouchButton)
        self.show_item(PersonalItem(event.button.key))
        if self.item in LIST_FIELDS:  # keyboard: straight to the form's first field
            self.query_one(f"#form-{self.item.value} PanelInput").focus()

    def _field(self, key: str) -> str:
        return self.query_one(f"#field-{self.item.value}-{key}", PanelInput).value.strip()

    @on(Button.Pressed, "#item-add")
    @on(PanelInput.Submitted, ".entry-form PanelInput")
    def _add(self, event: Button.Pressed | PanelInput.Submitted) -> None:
        event.stop()
        fleet, machine, user, item = self.fleet, self.machine, self.user, self.item
        kind = self._field("type") if item in (PersonalItem.PERSONAL_ADDRESS_LIST, PersonalItem.GROUP_ADDRESS_LISTS) else ""
        if kind:
            kind = next((t for t in ADDRESS_TYPES if t.casefold() == kind.casefold()), kind)
        if item is PersonalItem.PERSONAL_BUTTONS:
            done = self._attempt(fleet.users.add_personal_button, machine, user, self._field("label"),
                                 self._field("function") or "Copy")
        elif item is PersonalItem.SHORTCUTS:
            done = self._attempt(fleet.users.add_shortcut, machine, user, self._field("label"),
                                 self._field("function") or "Copy")
        elif item is PersonalItem.PERSONAL_ADDRESS_LIST:
            done = self._attempt(fleet.users.add_personal_address, machine, user, self._field("name"),
                                 self._field("address"), kind)
        elif item is PersonalItem.GROUP_ADDRESS_LISTS:
            done = self._attempt(fleet.users.add_group_address, machine, user, self._field("group"), self._field("name"),
                                 self._field("address"), kind)
        elif item is PersonalItem.KEYCHAIN:
            destination: str | int = self._field("destination")
            if isinstance(destination, str) and destination.isdigit():
                destination = int(destination)
            done = self._attempt(fleet.users.add_keychain_entry, machine, user, destination, self._field("account"))
        else:
            return
        if done:
            for key, _ in LIST_FIELDS[item]:
                if key not in ("function", "type", "group"):
                    self.query_one(f"#field-{item.value}-{key}", PanelInput).value = ""

    @on(Button.Pressed, "#item-delete")
    def _delete(self, event: Button.Pressed) -> None:
        event.stop()
        key = self._selected()
        if key is None:
            return
        item = self.item
        value = self.fleet.users.personal_data(self.machine, self.user)[item]
        if item is PersonalItem.GROUP_ADDRESS_LISTS:
            group, index = key.split("\t")
            lists = {g: list(entries) for g, entries in value.items()}
            del lists[group][int(index)]
            if not lists[group]:
                del lists[group]
            new: Any = lists
        else:
            new = [entry for i, entry in enumerate(value) if i != int(key)]
        self._attempt(self.fleet.users.set_personal_item, self.machine, self.user, item, new)

    @on(Button.Pressed, "#item-change")
    @on(DataTable.RowSelected, "#item-table")
    def _change(self, event: Button.Pressed | DataTable.RowSelected) -> None:
        event.stop()
        if self.item not in SETTINGS_ITEMS:
            return
        key = self._selected()
        if key is None:
            return
        path = tuple(key.split("/"))
        item = self.item
        current = self.fleet.users.personal_data(self.machine, self.user)[item]
        old: Any = current
        for part in path:
            old = old[part]
        choices = ("On", "Off") if isinstance(old, bool) else _CHOICES.get(path[-1], ())

        def answered(text: str | None) -> None:
            if text is None:
                return
            new: Any = (text == "On") if isinstance(old, bool) else text
            self._attempt(self.fleet.users.set_personal_item, self.machine, self.user, item, _with(current, path, new))

        self.app.push_screen(ValueDialog(f"{item.label} / {' › '.join(path)}", _shown(old), choices), answered)

    # --- leaving --------------------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#personal-close")
    def _close(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    @on(Button.Pressed, "#personal-logout")
    def _logout(self, event: Button.Pressed) -> None:
        event.stop()
        self.fleet.panel.logout(self.machine)
        self.dismiss(None)
