"""``<Communication Log>`` (DID-23) on host and client: start and end time, type (``Delivered`` on the host,
``Received`` on the client, the machine's own ``Restore``/``Import``/``Export``), to/from, data contents and the
result with its code. ``<Filter>`` narrows it by type, result and peer; ``<Print List>`` renders it (with the
same filter) as a report file; Enter or ``<Details>`` shows one entry whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, DataTable, RadioButton, RadioSet

from mfp_console.domain.communication_log import LogEntry
from mfp_console.engine.events import DestinationStatusChanged, DistributionFinished
from mfp_console.errors import MfpError
from mfp_console.tui.pages.base import PanelPage, register_page
from mfp_console.tui.screens.base import PanelDialog
from mfp_console.tui.screens.dialogs import DIALOG_CSS, MessageBox
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.did_parts import report_path, status_cell
from mfp_console.tui.widgets.touch import PanelInput, TouchButton

__all__ = ["CommunicationLogPage", "LogFilter", "LogFilterDialog"]

LOG_TYPES = ("Delivered", "Received", "Restore", "Import", "Export")
ALL_TYPES = "All Types"
ALL_RESULTS = "All Results"


@dataclass(frozen=True)
class LogFilter:
    """What the log shows: one type, one result and part of a peer name (empty: all)."""

    kind: str = ""
    result: str = ""
    peer: str = ""

    def summary(self) -> str:
        """``Type: Delivered · Result: NG · To/From: client-b`` (``all entries`` when nothing is set)."""
        parts = []
        if self.kind:
            parts.append(f"Type: {self.kind}")
        if self.result:
            parts.append(f"Result: {self.result}")
        if self.peer:
            parts.append(f"To/From: {self.peer}")
        return " · ".join(parts) or "all entries"

    def facade_filters(self) -> dict[str, Any]:
        """Keyword arguments of ``fleet.distribution.communication_log`` / ``print_communication_log``."""
        return {"kind": self.kind or None, "peer": self.peer or None, "result": self.result or None}


def _result(entry: LogEntry) -> str:
    return f"{entry.result} {entry.code}".strip()


@register_page("did.log")
class CommunicationLogPage(PanelPage):
    """The machine's communication log, newest first."""

    BINDINGS: ClassVar = [Binding("f", "filter", "Filter", show=False)]
    DEFAULT_CSS = """
    CommunicationLogPage #log-filter-line { height: 1; color: $text-muted; }
    CommunicationLogPage #log-selected { height: 2; color: $text-muted; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filter = LogFilter()
        self.entries: list[LogEntry] = []

    def compose(self) -> ComposeResult:
        yield Static(Content(self.node.panel_label), classes="page-title", id="log-title")
        yield Static(id="log-filter-line")
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True, id="log-table")
        table.add_column("Start", key="start", width=11)
        table.add_column("End", key="end", width=5)
        table.add_column("Type", key="kind", width=9)
        table.add_column("To/From", key="peer", width=10)
        table.add_column("Result", key="result", width=12)
        table.add_column("Contents", key="contents")
        yield table
        yield Static(id="log-selected")
        with Horizontal(classes="page-keys"):
            yield TouchButton("<Filter>", key="filter", id="log-filter")
            yield TouchButton("<Details>", key="details", id="log-details")
            yield TouchButton("<Print List>", key="print", id="log-print")

    def on_mount(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        table = self.query_one("#log-table", DataTable)
        keep = table.cursor_row
        table.clear()
        self.entries = self.fleet.distribution.communication_log(self.machine, **self.filter.facade_filters())
        for index, entry in enumerate(self.entries):
            table.add_row(
                f"{entry.start:%m-%d %H:%M}", f"{entry.end:%H:%M}", Content(entry.kind), Content(entry.peer or "-"),
                status_cell(_result(entry)), Content(", ".join(entry.contents)), key=str(index),
            )
        count = len(self.entries)
        self.query_one("#log-title", Static).update(Content(
            f"{self.node.panel_label} — {count} {'entry' if count == 1 else 'entries'}"
        ))
        self.query_one("#log-filter-line", Static).update(Content(f"Showing: {self.filter.summary()}"))
        if self.entries:
            table.move_cursor(row=min(keep, len(self.entries) - 1))
        self._show_selected()

    @on(DataTable.RowHighlighted, "#log-table")
    def _show_selected(self) -> None:
        """The highlighted entry's contents and detail in full under the list (the column is narrow)."""
        table = self.query_one("#log-table", DataTable)
        text = ""
        if self.entries and 0 <= table.cursor_row < len(self.entries):
            entry = self.entries[table.cursor_row]
            text = ", ".join(f"<{c}>" for c in entry.contents) or "-"
            if entry.detail:
                text += f" — {entry.detail}"
        self.query_one("#log-selected", Static).update(Content(text))

    def engine_event(self, event: Any) -> None:
        # The host's Delivered lines when its run ends; a client's Received line when the host reports it.
        if isinstance(event, DistributionFinished) or (
            isinstance(event, DestinationStatusChanged) and event.destination == self.machine
            and event.status not in ("Waiting", "Distributing")
        ):
            self.refresh_data()

    @on(Button.Pressed, "#log-filter")
    def action_filter(self) -> None:
        def chosen(wanted: LogFilter | None) -> None:
            if wanted is not None:
                self.filter = wanted
                self.refresh_data()

        self.app.push_screen(LogFilterDialog(self.filter), chosen)

    @on(Button.Pressed, "#log-details")
    @on(DataTable.RowSelected, "#log-table")
    def _details(self) -> None:
        table = self.query_one("#log-table", DataTable)
        if not table.row_count:
            return
        entry = self.entries[table.cursor_row]
        lines = [
            f"Start: {entry.start:%Y-%m-%d %H:%M:%S}",
            f"End: {entry.end:%Y-%m-%d %H:%M:%S}",
            f"Type: {entry.kind}",
            f"To/From: {entry.peer or '-'}",
            f"Contents: {', '.join(f'<{c}>' for c in entry.contents) or '-'}",
            f"Result: {_result(entry)}",
        ]
        if entry.detail:
            lines.append(f"Detail: {entry.detail}")
        self.app.push_screen(MessageBox("<Communication Log> — entry", "\n".join(lines)))

    @on(Button.Pressed, "#log-print")
    def _print(self) -> None:
        path = report_path(self.app, f"{self.machine}-communication-log")
        try:
            written = self.fleet.distribution.print_communication_log(self.machine, path, **self.filter.facade_filters())
        except (OSError, MfpError) as exc:
            self.app.push_screen(MessageBox("Error", f"The log could not be printed: {exc}"))
            return
        self.app.push_screen(MessageBox("<Print List>", f"The communication log ({self.filter.summary()}) was "
                                                        f"printed to\n{written}"))


class LogFilterDialog(PanelDialog[LogFilter | None]):
    """Type, result and peer of the entries to show."""

    DEFAULT_CSS = DIALOG_CSS.format(cls="LogFilterDialog") + """
    LogFilterDialog > Vertical { width: 100; }
    LogFilterDialog RadioSet { layout: horizontal; width: 100%; height: auto; }
    LogFilterDialog .filter-label { height: 1; color: $text-muted; }
    """
    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: LogFilter) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        current = self.current
        with Vertical():
            yield Static(Content("<Filter> — which entries to show"), classes="dialog-title")
            yield Static(Content("Type"), classes="filter-label")
            with RadioSet(id="filter-kind"):
                for kind in (ALL_TYPES, *LOG_TYPES):
                    chosen = current.kind == kind or (kind == ALL_TYPES and not current.kind)
                    yield RadioButton(Content(kind), chosen, name=kind)
            yield Static(Content("Result"), classes="filter-label")
            with RadioSet(id="filter-result"):
                for result in (ALL_RESULTS, "OK", "NG"):
                    chosen = current.result == result or (result == ALL_RESULTS and not current.result)
                    label = result if result == ALL_RESULTS else f"Result {result}"  # not the <OK> key
                    yield RadioButton(Content(label), chosen, name=result)
            yield PanelInput("To/From", current.peer, id="filter-peer", placeholder="a machine name (empty: all)")
            with Horizontal(classes="dialog-keys"):
                yield TouchButton("<OK>", key="ok", variant="primary", id="filter-ok")
                yield TouchButton("<Cancel>", key="cancel", id="filter-cancel")

    def on_mount(self) -> None:
        self.query_one("#filter-ok").focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#filter-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    @on(Button.Pressed, "#filter-ok")
    @on(PanelInput.Submitted)
    def _ok(self, event: Button.Pressed | PanelInput.Submitted) -> None:
        event.stop()
        kind = self._chosen("#filter-kind", ALL_TYPES)
        result = self._chosen("#filter-result", ALL_RESULTS)
        peer = self.query_one("#filter-peer", PanelInput).value.strip()
        self.dismiss(LogFilter(kind, result, peer))

    def _chosen(self, selector: str, all_word: str) -> str:
        pressed = self.query_one(selector, RadioSet).pressed_button
        name = (pressed.name if pressed is not None else None) or all_word
        return "" if name == all_word else name
