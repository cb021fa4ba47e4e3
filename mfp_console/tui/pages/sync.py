"""``<Synchronize Custom Settings>`` (SYNC-01, SYNC-20) and ``<Manage Personal Settings>`` (SYNC-03) on the panel.

The panel of the machine has only the start and stop of the two functions; everything else of
Personalized Data Synchronization is done in the machine's Remote UI, which the emulator opens over the
panel as a "Remote UI" window (the ``Remote UI`` key, :mod:`mfp_console.tui.pages.remote_ui`). Every change
goes through the fleet facade; a refusal is shown with its reason.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button

from mfp_console.domain.machine import Function
from mfp_console.domain.sync_items import CommonItem
from mfp_console.domain.sync_settings import UserLimitAction
from mfp_console.tui.pages.base import PanelPage, register_page
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.touch import TouchButton

__all__ = ["ManagePersonalSettingsPage", "SyncPage", "sync_status_lines"]


def sync_status_lines(fleet: object, machine: str) -> tuple[str, str]:
    """The server and client lines of ``machine``'s sync status, as the panel words them."""
    status = fleet.sync.status(machine)  # type: ignore[attr-defined]
    if status.server_running:
        clients = ", ".join(status.clients) or "none yet"
        server = f"Running · connected clients: {clients}"
    else:
        server = "Stopped"
    if status.client_running:
        where = status.connected_to or "not connected"
        client = f"{status.client_state.value} · server: {where}"
        if status.pending_changes:
            client += f" · {status.pending_changes} change(s) waiting for the server (SYNC-14)"
    else:
        client = "Stopped"
    return server, client


@register_page("sync")
class SyncPage(PanelPage):
    """The server function and the client function, each ``<Start>``/``<Stop>``; the rest is the Remote UI
    (the ``Remote UI`` key, :mod:`mfp_console.tui.pages.remote_ui`, UI-06)."""

    DEFAULT_CSS = """
    SyncPage .sync-row { height: auto; margin: 0 0 1 0; }
    SyncPage .sync-row > Static { width: 1fr; height: auto; }
    SyncPage .sync-row > TouchButton { width: 11; margin: 0 0 0 1; }
    SyncPage #remote-title { color: $text-muted; height: auto; }
    """

    BAR: ClassVar = frozenset({"back"})

    @property
    def _functions(self) -> frozenset[Function]:
        return self.fleet.spec.machine(self.machine).identity.functions

    @property
    def is_server_machine(self) -> bool:
        """True when this machine can run the server function."""
        return Function.SYNC_SERVER in self._functions

    def compose(self) -> ComposeResult:
        yield Static(Content(self.node.panel_label), classes="page-title")
        if self.is_server_machine:
            with Horizontal(classes="sync-row"):
                yield Static(id="server-line")
                yield TouchButton("<Start>", key="start", id="server-start", compact=True)
                yield TouchButton("<Stop>", key="stop", id="server-stop", compact=True)
        with Horizontal(classes="sync-row"):
            yield Static(id="client-line")
            yield TouchButton("<Start>", key="start", id="client-start", compact=True)
            yield TouchButton("<Stop>", key="stop", id="client-stop", compact=True)
        yield Static(id="settings-line", classes="page-note")
        yield Static(Content("The other settings of the synchronization are made in the machine's Remote UI "
                             "(the Remote UI key)."), id="remote-title")

    def on_mount(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        status = self.fleet.sync.status(self.machine)
        server, client = sync_status_lines(self.fleet, self.machine)
        if self.is_server_machine:
            self.query_one("#server-line", Static).update(Content(f"Server function: {server}"))
            self.query_one("#server-start", TouchButton).disabled = status.server_running
            self.query_one("#server-stop", TouchButton).disabled = not status.server_running
        self.query_one("#client-line", Static).update(Content(f"Client function: {client}"))
        self.query_one("#client-start", TouchButton).disabled = status.client_running
        self.query_one("#client-stop", TouchButton).disabled = not status.client_running
        address = str(status.settings.server) or "(blank: search for the server)"
        text = f"Destination server: {address} · search depth {status.settings.search_depth}"
        if status.settings_pending:
            text += "\nSaved settings take effect when the machine restarts (SYNC-20)."
        self.query_one("#settings-line", Static).update(Content(text))

    @on(Button.Pressed, "#server-start, #server-stop, #client-start, #client-stop")
    def _start_stop(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "client-start":  # the join preview first; <Start> there starts (issue 16)
            from mfp_console.tui.screens.join_preview import JoinPreviewScreen

            def confirmed(start: bool | None) -> None:
                if start:
                    self.attempt(self.fleet.sync.start_client, self.machine)
                self.refresh_data()

            self.app.push_screen(JoinPreviewScreen(self.fleet, self.machine), confirmed)
            return
        calls = {
            "server-start": self.fleet.sync.start_server,
            "server-stop": self.fleet.sync.stop_server,
            "client-start": self.fleet.sync.start_client,
            "client-stop": self.fleet.sync.stop_client,
        }
        self.attempt(calls[event.button.id or ""], self.machine)
        self.refresh_data()


@register_page("sync.personal")
class ManagePersonalSettingsPage(PanelPage):
    """``<Action When Maximum Number of Users Exceeded>`` (fixed while sync is in use, SYNC-03), the users
    this machine holds and the shared settings of SYNC-09."""

    DEFAULT_CSS = """
    ManagePersonalSettingsPage .action-keys { height: auto; }
    ManagePersonalSettingsPage .action-keys > TouchButton { margin: 0 1 0 0; }
    ManagePersonalSettingsPage #action-note { height: auto; color: $text-warning; }
    ManagePersonalSettingsPage #users-line, ManagePersonalSettingsPage #common-line { height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Content(self.node.panel_label), classes="page-title")
        yield Static(Content("<Action When Maximum Number of Users Exceeded> (1,000 users):"))
        with Horizontal(classes="action-keys"):
            for action in UserLimitAction:
                yield TouchButton(action.value, key=action.name, classes="limit-action", compact=True)
        yield Static(id="action-note")
        yield Static(id="users-line", classes="page-note")
        yield Static(id="common-line", classes="page-note")
        with Horizontal(classes="page-keys"):
            yield TouchButton("<Personal Settings of the Login User>", key="personal", id="open-personal",
                              compact=True)

    def on_mount(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        current = self.fleet.users.personal_settings_action(self.machine)
        for button in self.query(".limit-action").results(TouchButton):
            button.variant = "primary" if button.key == current.name else "default"
        status = self.fleet.sync.status(self.machine)
        syncing = status.server_running or status.client_running
        note = ("Fixed to <Delete Oldest User Settings> while synchronization is in use: it cannot be changed "
                "(SYNC-03)." if syncing else "")
        self.query_one("#action-note", Static).update(Content(note))
        users = self.fleet.users.users_on(self.machine)
        who = self.fleet.users.logged_in_user(self.machine) or "nobody"
        self.query_one("#users-line", Static).update(Content(
            f"Users with personal settings on this machine: {len(users)} · logged in: {who}"))
        home = self.fleet.users.common_setting(self.machine, CommonItem.GUEST_HOME_SCREEN)
        public = self.fleet.users.common_setting(self.machine, CommonItem.GROUP_LIST_PUBLIC_VIEW)
        shown = ", ".join(f"{group} {'On' if on else 'Off'}" for group, on in sorted(public.items())) or "none"
        self.query_one("#common-line", Static).update(Content(
            f"Shared with every synchronized machine (SYNC-09):\n"
            f"  {CommonItem.GUEST_HOME_SCREEN.label}: {', '.join(home.get('buttons', []))}\n"
            f"  {CommonItem.GROUP_LIST_PUBLIC_VIEW.label}: {shown}"))

    @on(Button.Pressed, ".limit-action")
    def _action(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, TouchButton)
        self.attempt(self.fleet.users.set_personal_settings_action, self.machine, UserLimitAction[event.button.key])
        self.refresh_data()

    @on(Button.Pressed, "#open-personal")
    def _personal(self, event: Button.Pressed) -> None:
        event.stop()
        from mfp_console.tui.widgets.machine_panel import MachinePanel

        for panel in self.ancestors:
            if isinstance(panel, MachinePanel):
                panel.user_key()
                break
