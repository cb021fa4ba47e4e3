"""``<Set/Register Confidential Fax Inboxes>`` with the inboxes' ``<URL Send Settings>`` (DID-17).

The seed's caveat made visible: sending (or restoring) ``<Address Book>`` without ``<Settings/Registration
Value>``, or the reverse, may erase these settings (**D** they are erased); both together keep them. The
page reads them through ``fleet.data.inbox_url_send`` and stores every change at once through
``fleet.data.set_inbox_url_send`` (Administrator only: a refusal says so and nothing changes).

**(D)** The path: ``Settings/Registration`` › ``<Function Settings>`` › ``<Receive/Forward>`` ›
``<Common Settings>`` › ``<Set Fax/I-Fax Inbox>`` › ``<Set/Register Confidential Fax Inboxes>`` — the path
iR-ADV Settings/Registration tables generally print; the stored Canon pages do not confirm it for the
C5500 series (docs/fidelity.md, docs/panel.md). The emulator keeps one e-mail address per inbox (the
older-generation manual's ``[URL Send Settings]``: who gets a link to a document stored in that inbox) and
one ``<On>``/``<Off>`` switch for all of them.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, DataTable

from mfp_console.domain.device_info import InboxUrlSend
from mfp_console.tui.pages.base import PanelPage, register_page
from mfp_console.tui.screens.dialogs import ValueDialog
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.touch import OnOffToggle, TouchButton

__all__ = ["FaxInboxesPage", "INBOXES"]

INBOXES = tuple(f"Confidential Fax Inbox {box:02d}" for box in range(1, 51))
"""The machine's fifty Confidential Fax Inboxes, in panel order."""
URL_SEND = "<URL Send Settings>"


@register_page("fax_inboxes")
class FaxInboxesPage(PanelPage):
    """The fifty inboxes with the address each sends a link to; ``<URL Send Settings>`` ``<On>``/``<Off>``;
    ``<Change>`` (or Enter on a row) edits the highlighted inbox's address (empty: none)."""

    DEFAULT_CSS = """
    FaxInboxesPage #inbox-summary { height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Content(self.node.panel_label), classes="page-title")
        yield OnOffToggle(URL_SEND, id="url-send-toggle", compact=True)
        yield Static(id="inbox-summary", classes="page-note")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="inbox-table")
        table.add_column("Inbox", key="inbox", width=26)
        table.add_column(f"{URL_SEND} (link sent to)", key="address", width=36)
        yield table
        with Horizontal(id="inbox-keys", classes="page-keys"):
            yield TouchButton("<Change>", key="change", id="inbox-change", compact=True)

    _shown_once = False

    def on_mount(self) -> None:
        self.refresh_data()

    def _settings(self) -> InboxUrlSend:
        return self.fleet.data.inbox_url_send(self.machine)

    def refresh_data(self) -> None:
        settings = self._settings()
        addresses = dict(settings.entries)
        self.query_one("#url-send-toggle", OnOffToggle).value = settings.enabled  # by code: nothing stored
        if settings.is_clear:
            summary = f"{URL_SEND}: none set on this machine."
        else:
            numbers = ", ".join(inbox.rsplit(" ", 1)[-1] for inbox in INBOXES if inbox in addresses)
            summary = (f"{URL_SEND} {'<On>' if settings.enabled else '<Off>'}: inbox(es) {numbers} send a link "
                       "to an e-mail address.")
        self.query_one("#inbox-summary", Static).update(Content(summary))
        table = self.query_one("#inbox-table", DataTable)
        keep = table.cursor_row
        table.clear()
        for inbox in INBOXES:
            table.add_row(Content(inbox), Content(addresses.get(inbox, "-")), key=inbox)
        if not self._shown_once:  # first shown: the first inbox that has an address is in view
            self._shown_once = True
            keep = next((i for i, inbox in enumerate(INBOXES) if inbox in addresses), 0)
        table.move_cursor(row=min(max(keep, 0), len(INBOXES) - 1))

    def _store(self, settings: InboxUrlSend) -> None:
        self.attempt(self.fleet.data.set_inbox_url_send, self.machine, settings)
        self.refresh_data()

    @on(OnOffToggle.Chosen, "#url-send-toggle")
    def _switched(self, event: OnOffToggle.Chosen) -> None:
        if event.changed:
            settings = self._settings()
            self._store(InboxUrlSend(event.value, settings.entries))

    @on(Button.Pressed, "#inbox-change")
    @on(DataTable.RowSelected, "#inbox-table")
    def action_change(self) -> None:
        table = self.query_one("#inbox-table", DataTable)
        inbox = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or INBOXES[0]
        addresses = dict(self._settings().entries)

        def chosen(address: str | None) -> None:
            if address is None:
                return
            entries = {**addresses, inbox: address.strip()}
            if not address.strip():
                del entries[inbox]
            settings = self._settings()
            self._store(InboxUrlSend(settings.enabled or bool(address.strip()), tuple(entries.items())))

        self.app.push_screen(ValueDialog(f"{inbox} › {URL_SEND}", addresses.get(inbox, "")), chosen)
