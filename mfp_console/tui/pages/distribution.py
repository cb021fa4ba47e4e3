"""``<Device Information Distribution Settings>`` › ``<Register Destinations>`` (DID-02): the host's list of
destinations with ``<Register>`` (by hand), ``<Auto Search/Register>`` (within ``<Search Depth (Router)>``),
``<Details>``, ``<Delete>`` and ``<Print List>``. Administrator only (DID-01, the menu asks for the login).

The other DID screens live in ``distribution_manual.py``, ``distribution_auto.py``,
``distribution_receiving.py`` and ``distribution_log.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, DataTable

from mfp_console.domain.destinations import Destination
from mfp_console.engine.events import DistributionFinished
from mfp_console.errors import MfpError, RuleRefusal
from mfp_console.tui.pages.base import PanelPage, register_page
from mfp_console.tui.screens.base import PanelDialog
from mfp_console.tui.screens.dialogs import (
    DIALOG_CSS,
    MessageBox,
    YesNoDialog,
    refusal_box,
)
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.did_parts import TickTable, report_path, status_cell
from mfp_console.tui.widgets.touch import OnOffToggle, PanelInput, TouchButton

__all__ = ["AutoSearchDialog", "RegisterDestinationDialog", "RegisterDestinationsPage", "run_refusable"]


def run_refusable(screen: Any, call: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
    """Runs a facade call from a dialog; a refusal opens a message box over it (the dialog stays open so
    the operator can correct the entry). Returns ``(succeeded, result)``."""
    try:
        return True, call(*args)
    except RuleRefusal as exc:
        screen.app.push_screen(refusal_box(exc))
    except MfpError as exc:
        screen.app.push_screen(MessageBox("Error", str(exc)))
    return False, None


@register_page("did.destinations")
class RegisterDestinationsPage(PanelPage):
    """The registered destinations in list order (the order distribution serves them, DID-06)."""

    DEFAULT_CSS = """
    RegisterDestinationsPage #dest-keys { grid-size: 3; grid-columns: 1fr 2fr 1fr; grid-gutter: 0 1; height: auto; }
    RegisterDestinationsPage #dest-keys > TouchButton { width: 100%; }
    """
    BINDINGS: ClassVar = [
        Binding("insert", "register", "Register", show=False),
        Binding("delete", "delete", "Delete", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Static(Content(self.node.panel_label), classes="page-title", id="dest-title")
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True, id="dest-table")
        table.add_column("No.", key="number", width=4)
        table.add_column("Name", key="name", width=18)
        table.add_column("Address", key="address", width=20)
        table.add_column("<Status>", key="status", width=16)
        yield table
        with Grid(id="dest-keys"):
            yield TouchButton("<Register>", key="register", id="dest-register")
            yield TouchButton("<Auto Search/Register>", key="search", id="dest-search")
            yield TouchButton("<Details>", key="details", id="dest-details")
            yield TouchButton("<Delete>", key="delete", id="dest-delete")
            yield TouchButton("<Print List>", key="print", id="dest-print")

    def on_mount(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        table = self.query_one("#dest-table", DataTable)
        keep = table.cursor_row
        table.clear()
        destinations = self.fleet.distribution.destinations(self.machine)
        statuses = self.fleet.distribution.destination_statuses(self.machine)
        for number, dest in enumerate(destinations, 1):
            address = dest.address if not dest.port else f"{dest.address}:{dest.port}"
            table.add_row(str(number), Content(dest.name), Content(address), status_cell(statuses.get(dest.name, "")),
                          key=dest.name)
        self.query_one("#dest-title", Static).update(Content(
            f"{self.node.panel_label} — {len(destinations)} of {destinations.limit} registered"
        ))
        if len(destinations):
            table.move_cursor(row=min(keep, len(destinations) - 1))

    def engine_event(self, event: Any) -> None:
        if isinstance(event, DistributionFinished):
            self.refresh_data()  # the last statuses of the run

    def _selected(self) -> Destination | None:
        table = self.query_one("#dest-table", DataTable)
        if not table.row_count:
            return None
        name = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""
        return self.fleet.distribution.destinations(self.machine).find(name)

    @on(Button.Pressed, "#dest-register")
    def action_register(self) -> None:
        def done(name: str | None) -> None:
            self.refresh_data()
            if name:
                table = self.query_one("#dest-table", DataTable)
                table.move_cursor(row=table.row_count - 1)

        self.app.push_screen(RegisterDestinationDialog(self.fleet, self.machine), done)

    @on(Button.Pressed, "#dest-search")
    def _search(self) -> None:
        self.app.push_screen(AutoSearchDialog(self.fleet, self.machine), lambda _: self.refresh_data())

    @on(Button.Pressed, "#dest-details")
    @on(DataTable.RowSelected, "#dest-table")
    def _details(self) -> None:
        dest = self._selected()
        if dest is None:
            return
        self.app.push_screen(MessageBox(f"<Details> — {dest.name}", "\n".join(self._detail_lines(dest))))

    def _detail_lines(self, dest: Destination) -> list[str]:
        names = self.fleet.distribution.destinations(self.machine).names()
        lines = [
            f"Number in the list: {names.index(dest.name) + 1} (served in this order, DID-06)",
            f"Name: {dest.name}",
            f"Address: {dest.address}",
            f"Port: {dest.port or 'the fleet’s port'}",
        ]
        if dest.host_name:
            lines.append(f"Host name: {dest.host_name}")
        target = self.fleet.distribution.resolve_destination(dest, self.machine)
        if target:
            identity = self.fleet.spec.machine(target).identity
            lines.append(f"Answers as: {target} · {identity.model} ({identity.series}) · {identity.location}")
        else:
            lines.append("Answers as: no machine of the fleet answers at this address (E-UNREACH)")
        status = self.fleet.distribution.destination_statuses(self.machine).get(dest.name, "")
        lines.append(f"Last <Status>: {status or '-'}")
        return lines

    @on(Button.Pressed, "#dest-delete")
    def action_delete(self) -> None:
        dest = self._selected()
        if dest is None:
            return

        def answered(yes: bool | None) -> None:
            if yes and self.attempt(self.fleet.distribution.delete_destination, self.machine, dest.name):
                self.refresh_data()

        self.app.push_screen(
            YesNoDialog(f"Delete destination {dest.name} ({dest.address})? It leaves every future distribution."),
            answered,
        )

    @on(Button.Pressed, "#dest-print")
    def _print(self) -> None:
        path = report_path(self.app, f"{self.machine}-destinations")
        try:
            written = self.fleet.distribution.print_destination_list(self.machine, path)
        except (OSError, MfpError) as exc:
            self.app.push_screen(MessageBox("Error", f"The list could not be printed: {exc}"))
            return
        self.app.push_screen(MessageBox("<Print List>", f"The destination list was printed to\n{written}"))


class RegisterDestinationDialog(PanelDialog[str | None]):
    """``<Register>``: a destination by hand, name and address; a refusal (duplicate, full) keeps it open."""

    DEFAULT_CSS = DIALOG_CSS.format(cls="RegisterDestinationDialog")
    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, fleet: Any, host: str) -> None:
        super().__init__()
        self.fleet = fleet
        self.host = host

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("<Register> — a destination by hand (DID-02)"), classes="dialog-title")
            yield PanelInput("Name", id="reg-name", placeholder="e.g. branch-printer")
            yield PanelInput("Address", id="reg-address", placeholder="IP address or host name")
            with Horizontal(classes="dialog-keys"):
                yield TouchButton("<OK>", key="ok", variant="primary", id="reg-ok")
                yield TouchButton("<Cancel>", key="cancel", id="reg-cancel")

    def on_mount(self) -> None:
        self.query_one("#reg-name").focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#reg-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    @on(PanelInput.Submitted)
    def _submitted(self, event: PanelInput.Submitted) -> None:
        event.stop()
        if event.input.id == "reg-name":
            self.query_one("#reg-address").focus()
        else:
            self._finish()

    @on(Button.Pressed, "#reg-ok")
    def _ok(self, event: Button.Pressed) -> None:
        event.stop()
        self._finish()

    def _finish(self) -> None:
        name = self.query_one("#reg-name", PanelInput).value.strip()
        address = self.query_one("#reg-address", PanelInput).value.strip()
        ok, _ = run_refusable(self, self.fleet.distribution.register_destination, self.host, name, address)
        if ok:
            self.dismiss(name)


class AutoSearchDialog(PanelDialog[int]):
    """``<Auto Search/Register>``: machines within ``<Search Depth (Router)>`` (1–8), named by host name or
    by address (``<Display Host Name>``); the ticked ones are registered. Returns how many were added."""

    DEFAULT_CSS = DIALOG_CSS.format(cls="AutoSearchDialog") + """
    AutoSearchDialog > Vertical { width: 76; }
    AutoSearchDialog #search-form { height: auto; }
    AutoSearchDialog #search-depth { width: 30; }
    AutoSearchDialog #search-results { height: 9; }
    AutoSearchDialog #search-note { color: $text-muted; height: auto; }
    """
    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, fleet: Any, host: str) -> None:
        super().__init__()
        self.fleet = fleet
        self.host = host
        self.found: list[Destination] = []
        self.added = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("<Auto Search/Register>"), classes="dialog-title")
            with Horizontal(id="search-form"):
                yield PanelInput("<Search Depth (Router)>", "1", id="search-depth", restrict=r"[0-9]*", max_length=1)
                yield OnOffToggle("<Display Host Name>", True, id="search-host-name")
            yield TickTable((("name", "Name", 16), ("address", "Address", 16), ("note", "", 22)), id="search-results")
            yield Static(Content("Set the depth (1–8 routers), then <Start Auto Search>."), id="search-note")
            with Horizontal(classes="dialog-keys"):
                yield TouchButton("<Start Auto Search>", key="search", id="search-start")
                yield TouchButton("<Register>", key="register", variant="primary", id="search-register",
                                  disabled=True)
                yield TouchButton("<Cancel>", key="cancel", id="search-cancel")

    def on_mount(self) -> None:
        self.query_one("#search-start").focus()

    def action_cancel(self) -> None:
        self.dismiss(self.added)

    @on(Button.Pressed, "#search-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(self.added)

    @on(Button.Pressed, "#search-start")
    @on(PanelInput.Submitted, "#search-depth")
    def _start(self, event: Button.Pressed | PanelInput.Submitted) -> None:
        event.stop()
        text = self.query_one("#search-depth", PanelInput).value.strip()
        depth = int(text) if text.isdigit() else 0
        host_name = self.query_one("#search-host-name", OnOffToggle).value
        ok, found = run_refusable(self, self.fleet.distribution.search_destinations, self.host, depth, host_name)
        if not ok:
            return
        self.found = list(found)
        registered = self.fleet.distribution.destinations(self.host)
        rows = []
        new = []
        for dest in self.found:
            known = any(d.address_key == dest.address_key for d in registered) or dest.name in registered
            note = "registered already" if known else ""
            if not known:
                new.append(dest.name)
            rows.append((dest.name, (Content(dest.name), Content(dest.address), Content(note))))
        table = self.query_one("#search-results", TickTable)
        table.set_rows(rows, ticked=new)
        self.query_one("#search-note", Static).update(Content(
            f"{len(self.found)} machine(s) within {depth} router(s); {len(new)} not registered yet (ticked). "
            "Tick the ones to register, then <Register>."
        ))
        self.query_one("#search-register", TouchButton).disabled = not self.found
        table.focus()

    @on(Button.Pressed, "#search-register")
    def _register(self, event: Button.Pressed) -> None:
        event.stop()
        picked = set(self.query_one("#search-results", TickTable).ticked)
        chosen = [d for d in self.found if d.name in picked]
        if not chosen:
            self.app.push_screen(refusal_box(RuleRefusal("Tick at least one machine to register", "DID-02")))
            return
        before = len(self.fleet.distribution.destinations(self.host))
        ok, skipped = run_refusable(self, self.fleet.distribution.register_found, self.host, chosen)
        if not ok:
            return
        self.added = len(self.fleet.distribution.destinations(self.host)) - before
        if skipped:
            self.app.push_screen(
                MessageBox(f"Registered {self.added}; skipped {len(skipped)} (DID-02)", "\n".join(skipped)),
                lambda _: self.dismiss(self.added),
            )
        else:
            self.dismiss(self.added)
