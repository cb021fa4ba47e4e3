"""The machine's Remote UI (UI-06): a window titled ``Remote UI`` over the panel, as a web browser pointed at the
machine shows it, opened with the ``Remote UI`` key beside the machine's screen (or the palette).

On a real machine the control panel only starts and stops the two synchronization functions; everything
else of Personalized Data Synchronization is a page of the Remote UI (research §2.3, §2.4, §2.6). The
window opens on the machine's portal page, grouped the way Canon's Remote UI groups it:

* ``[Synchronize Custom Settings]`` (every machine with the client function): ``[Change Connection
  Destination]`` opens ``[Connection Settings]``; ``[Synchronization Log]``;
* ``[Synchronize Custom Settings (Server)]`` (a machine that can be the server): ``[User Data]`` ›
  ``[Delete User Data]`` / ``[Prepare for User Data Export]``, ``[Device]`` › ``[Check Device Information]`` /
  ``[Data Sharing Details]``, ``[Backup/Restore]`` and ``[Change Server]`` (the emulator's labels where the
  research found none, D-37).

Each link opens its page (:mod:`mfp_console.tui.pages.sync_remote`) over the portal; ``[Close]`` on a page
returns to the portal, ``[Close]`` on the portal to the panel.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid
from textual.content import Content
from textual.widgets import Button

from mfp_console.domain.machine import Function
from mfp_console.tui.pages.sync import sync_status_lines
from mfp_console.tui.pages.sync_remote import REMOTE_SCREENS, RemoteScreen
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.touch import TouchButton

__all__ = ["PORTAL_LINKS", "RemotePortal"]

PORTAL_LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    "[Synchronize Custom Settings]": (
        ("[Change Connection Destination]", "connection"),
        ("[Synchronization Log]", "log"),
    ),
    "[Synchronize Custom Settings (Server)] › [User Data]": (
        ("[Delete User Data]", "delete_users"),
        ("[Prepare for User Data Export]", "prepare_export"),
    ),
    "[Synchronize Custom Settings (Server)] › [Device]": (
        ("[Check Device Information]", "devices"),
        ("[Data Sharing Details]", "sharing"),
    ),
    "[Synchronize Custom Settings (Server)] › Backup and server change": (
        ("[Backup/Restore]", "backup"),
        ("[Change Server]", "change_server"),
    ),
}
"""The portal's groups, each with its links ``(label, page key)``; the server groups only on a machine that
can run the server function."""


class RemotePortal(RemoteScreen):
    """The portal page of ``machine``'s Remote UI."""

    TITLE_TEXT = "Portal"
    RULES = "UI-06 the Remote UI is a window of its own · SYNC-01…SYNC-20 are set here, not on the panel"

    DEFAULT_CSS = """
    RemotePortal .portal-group { text-style: bold; height: auto; padding: 1 0 0 0; }
    RemotePortal .portal-state { color: $text-muted; height: auto; }
    RemotePortal .portal-links { grid-size: 2; grid-gutter: 0 2; grid-rows: 1; height: auto; }
    RemotePortal .portal-links > TouchButton { width: 100%; }
    """

    @property
    def _functions(self) -> frozenset[Function]:
        return self.fleet.spec.machine(self.machine).identity.functions

    def body(self) -> ComposeResult:
        identity = self.fleet.spec.machine(self.machine).identity
        yield Static(Content(f"{identity.model} · {identity.location}"), classes="portal-state")
        server_machine = Function.SYNC_SERVER in self._functions
        for group, links in PORTAL_LINKS.items():
            if group.startswith("[Synchronize Custom Settings (Server)]") and not server_machine:
                continue
            yield Static(Content(group), classes="portal-group")
            if group == "[Synchronize Custom Settings]":
                yield Static(id="client-state", classes="portal-state")
            elif group.endswith("[User Data]"):
                yield Static(id="server-state", classes="portal-state")
            with Grid(classes="portal-links"):
                for label, key in links:
                    yield TouchButton(label, key=key, compact=True, classes="portal-link")
        yield Static(id="portal-message", classes="remote-warning")

    def refresh_data(self) -> None:
        server, client = sync_status_lines(self.fleet, self.machine)
        self.query_one("#client-state", Static).update(Content(f"Client function: {client}"))
        if self.query("#server-state"):
            self.query_one("#server-state", Static).update(Content(f"Server function: {server}"))

    @on(Button.Pressed, ".portal-link")
    def _open(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, TouchButton)
        key = event.button.key
        if key == "prepare_export":
            until = self.attempt(self.fleet.sync.prepare_user_data_export, self.machine)
            if until is not None:
                self.query_one("#portal-message", Static).update(Content(
                    f"[Prepare for User Data Export]: import and export of the personal data are allowed until "
                    f"{until:%H:%M} (SYNC-12)."))
            return
        self.app.push_screen(REMOTE_SCREENS[key](self.fleet, self.machine), lambda _: self.refresh_data())
