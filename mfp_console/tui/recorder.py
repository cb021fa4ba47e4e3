"""The recorder: turns what the operator does on the panel into scenario steps (``mfp-console record``,
``ctrl+r`` and the palette's "Recording: …" commands).

It hooks in at **one** place: every message the app's widgets handle passes :meth:`PanelRecorder.observe`
first (Textual's message hook, installed by the app for its whole run), so no page calls the recorder.
It looks at the messages that carry an operator's intent — a touched button (``Button.Pressed``), a ticked
row (``TickTable.Changed``), a field typed into (``Input.Changed``), a fault injected from the fault panel
(``FaultPanel.Injected``) — and at the keys, to know whether a login dialog came from the ``<Log In>`` key or
from a press that needs an Administrator. What follows from the fleet's state is read from the facade,
not from messages: where the operator stands (``at``), whether a typed login succeeded (``login``) and
machine time (``goto``); so a walk by F3, the switcher or the palette, or a clock jump by F9, the clock's
buttons or the palette, are all recorded the same way, just before the next step that needs them.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events
from textual._context import message_hook as message_hook_var  # noqa: PLC2701 - Textual's one message hook
from textual.message import Message
from textual.screen import SystemModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input

from mfp_console.domain.menu import MENU_TREE
from mfp_console.tui.pages.personal import PersonalDataScreen
from mfp_console.tui.recording import (
    Recording,
    expect_facts,
    moment_text,
    scenario_yaml,
)
from mfp_console.tui.screens.login import LoginDialog
from mfp_console.tui.screens.user_login import UserLoginDialog
from mfp_console.tui.widgets.did_parts import TickTable
from mfp_console.tui.widgets.fault_panel import ChangePinDialog, FaultPanel
from mfp_console.tui.widgets.machine_panel import MachinePanel
from mfp_console.tui.widgets.touch import OnOffToggle, PanelInput, TouchButton

if TYPE_CHECKING:
    from mfp_console.tui.app import MfpConsoleApp

__all__ = ["PanelRecorder", "install_message_hook"]

_log = logging.getLogger(__name__)

_IGNORED_DIALOGS = (LoginDialog, ChangePinDialog)
"""Dialogs whose touches are not steps: the login becomes one ``login`` step, a PIN change a ``world`` one."""

_USER_SCREENS = (UserLoginDialog, PersonalDataScreen)
"""A login user's screens (F5): the login becomes a ``sync: {login: …}`` step; what is done on the personal
settings screens is not recorded (a replay's engine step opens no screen to touch)."""


def install_message_hook(hook: Callable[[Message], None]) -> None:
    """Makes ``hook`` see every message of the running app (the tasks started from here on), keeping a hook
    installed before (``run_test(message_hook=…)``)."""
    try:
        earlier = message_hook_var.get()
    except LookupError:
        message_hook_var.set(hook)
        return

    def both(message: Message) -> None:
        earlier(message)
        hook(message)

    message_hook_var.set(both)


def _strip(label: str) -> str:
    text = label.strip()
    return text[1:-1].strip() if text.startswith("<") and text.endswith(">") else text


def _inside(widget: Widget, kind: type) -> Any:
    for node in widget.ancestors_with_self:
        if isinstance(node, kind):
            return node
    return None


class PanelRecorder:
    """Records the operator's actions of one app while :attr:`active`.

    Args:
        app: The app.
        keep_pins: Write typed PINs into ``login`` steps (else :data:`PIN_PLACEHOLDER`).
        path: Where :meth:`stop` writes the scenario (None: a name from the machine time, in the
            screenshot folder).
    """

    def __init__(self, app: MfpConsoleApp, *, keep_pins: bool = False, path: Path | None = None,
                 fleet_file: Path | None = None) -> None:
        self.app = app
        self.keep_pins = keep_pins
        self.path = path
        self.fleet_file = fleet_file
        """The fleet file the app was opened on (None: the built-in default fleet)."""
        self.active = False
        self.error = ""
        """Why the last :meth:`stop` could not write the file ('' when it could)."""
        self.recording = Recording()
        self.started_at: datetime | None = None
        self._seen: deque[Message] = deque(maxlen=64)
        self._machine = ""
        self._time: datetime | None = None
        self._admin: dict[str, bool] = {}
        self._login: tuple[str, str, str] | None = None
        """A login typed and confirmed, whose outcome the fleet tells at the next step (machine, ID, PIN)."""
        self._last_input = ""
        """``press`` or ``key``: what opened a login dialog (a press that needs an Administrator, or F4)."""
        self._login_opened_by = ""
        self._user_login: tuple[str, str] | None = None
        """A login user's login confirmed (machine, user), written once the fleet says it succeeded."""

    # --- life cycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Starts a new recording from the fleet as it is now."""
        fleet = self.app.fleet
        self.recording = Recording()
        self.active = True
        self.started_at = fleet.clock.now()
        self._time = self.started_at
        self._machine = ""
        self._admin = {name: fleet.panel.is_admin(name) for name in fleet.running}
        self._login = None
        self._user_login = None
        if not fleet.clock.is_virtual:
            self.recording.warnings.append(
                "recorded on a real clock: machine time was not recorded (a replay runs on a virtual clock)")
        if any(self._admin.values()):
            self.recording.warnings.append(
                "an Administrator was logged in when the recording started: a replay starts logged out")

    def stop(self) -> Path | None:
        """Stops and writes the scenario; returns its path (None when nothing was recording)."""
        if not self.active:
            return None
        self._catch_up()
        self.active = False
        path = self.path or self._default_path()
        try:
            path.write_text(self.text(path.parent), encoding="utf-8")
        except OSError as exc:
            self.error = f"{path}: {exc.strerror or exc}"
            return None
        self.path = None  # a second recording of the session gets a name of its own
        return path

    def text(self, folder: Path | None = None) -> str:
        """The scenario as recorded so far (a fleet file named relative to ``folder``, the scenario's)."""
        assert self.started_at is not None
        stamp = f"{self.started_at:%Y-%m-%d %H:%M}"
        fleet = "default"
        if self.fleet_file is not None:
            fleet = os.path.relpath(Path(self.fleet_file).resolve(), (folder or Path.cwd()).resolve())
        return scenario_yaml(self.recording, name=f"Recorded on {self.app.machine} at {stamp}",
                             fleet=fleet, clock=self.started_at,
                             description="Recorded with mfp-console record; replay with mfp-console play.")

    def _default_path(self) -> Path:
        folder = Path(self.app.screenshot_dir or Path.cwd())
        stem = f"recorded-{self.app.fleet.clock.now():%Y%m%dT%H%M%S}"
        path, number = folder / f"{stem}.yaml", 1
        while path.exists():
            number += 1
            path = folder / f"{stem}-{number}.yaml"
        return path

    def expect_this(self) -> None:
        """Adds an ``expect`` step with the key facts of the machine the operator stands at."""
        if not self.active:
            return
        self._catch_up(walk=True)
        self.recording.add("expect", expect_facts(self.app.fleet, self.app.machine))

    # --- the hook -----------------------------------------------------------------------------------

    def observe(self, message: Message) -> None:
        """The message hook: sees every message before its handler (a bubbling message once). A fault of the
        recorder never reaches the panel: it is noted in the file and the panel goes on."""
        if not self.active or any(message is seen for seen in self._seen):
            return
        try:
            self._observe(message)
        except Exception as exc:  # noqa: BLE001 - the operator's session matters more than the recording
            _log.exception("the recorder could not record a %s", type(message).__name__)
            self.recording.warnings.append(f"a {type(message).__name__} could not be recorded ({exc}): check here")

    def _observe(self, message: Message) -> None:
        if isinstance(message, events.Key):
            if not self._in_dialog():
                self._last_input = "press" if message.key in ("enter", "space") else "key"
            return
        if not isinstance(message, (Button.Pressed, TickTable.Changed, Input.Changed, Input.Submitted,
                                    Checkbox.Changed, FaultPanel.Injected)):
            return
        self._seen.append(message)
        if isinstance(message, Input.Submitted):  # Enter in the PIN field is <Log In>
            screen = message.input.screen
            if isinstance(screen, LoginDialog) and message.input.id == "manager-pin":
                self._confirm_login(screen)
            elif isinstance(screen, UserLoginDialog):
                self._confirm_user_login(screen)
            return
        if isinstance(message, FaultPanel.Injected):
            self._catch_up()
            value: Any = {"machine": message.machine, "pin": message.pin} if message.action == "change_pin" \
                else message.machine
            self.recording.add("world", {message.action: value})
        elif isinstance(message, Button.Pressed):
            self._pressed(message.button)
        elif isinstance(message, TickTable.Changed):
            self._ticked(message.table)
        elif isinstance(message, Checkbox.Changed):
            box = message.checkbox
            if box.has_focus and self._operated(box):
                self._catch_up(walk=True)
                self.recording.tick(box.label.plain, box.value)
        elif isinstance(message, Input.Changed):
            field = message.input
            if field.has_focus and self._operated(field):
                self._catch_up(walk=True)
                self.recording.type_text(_field_label(field), field.value)

    def _on_user_screens(self) -> bool:
        return any(isinstance(screen, _USER_SCREENS) for screen in self.app.screen_stack)

    def _in_dialog(self) -> bool:
        return self.app.screen is not self.app.screen_stack[0]

    def _operated(self, widget: Widget) -> bool:
        """True for a control of a machine's panel or of one of its dialogs (not the side column, the
        fault panel, the palette or the login keypad)."""
        screen = widget.screen
        if isinstance(screen, SystemModalScreen) or isinstance(screen, _IGNORED_DIALOGS) or self._on_user_screens():
            return False
        if screen is self.app.screen_stack[0]:
            return _inside(widget, MachinePanel) is not None
        return True

    def _pressed(self, button: Button) -> None:
        screen = button.screen
        if isinstance(screen, LoginDialog):
            if isinstance(button, TouchButton) and button.key == "login":
                self._confirm_login(screen)
            return
        if isinstance(screen, UserLoginDialog):
            if button.id == "user-login-ok":
                self._confirm_user_login(screen)
            return
        if self._on_user_screens():
            note = "changes on a login user's personal settings screens are not recorded: add sync steps by hand"
            if note not in self.recording.warnings:
                self.recording.warnings.append(note)
            return
        if not self._operated(button):
            return
        if button.id == "login-key":
            self._catch_up(walk=True)
            if self.app.fleet.panel.is_admin(self.app.machine):
                self.recording.add("logout")
                self._admin[self.app.machine] = False  # written: the catch-up need not find it again
            else:
                self._last_input = "key"  # the <Log In> key opens the dialog: no press to replay
            return
        toggle = _inside(button, OnOffToggle)
        label = button.plain_label if isinstance(button, TouchButton) else button.label.plain
        self._catch_up(walk=True)
        self._last_input = "press"
        if toggle is not None:
            self.recording.toggle(_strip(toggle.label), _strip(label))
            return
        menu = _is_menu_key(button)
        panel = _inside(button, MachinePanel)
        if menu and panel is not None and len(panel.path) == 1:
            self.recording.press(MENU_TREE.label, menu=False)  # a path from the top reads as one step
        self.recording.press(_strip(label) if label != MENU_TREE.label else label, menu=menu)

    def _ticked(self, table: TickTable) -> None:
        if not table.has_focus or not self._operated(table) or not table.keys:
            return  # <Select All>/<Clear Selection> (their press is the step) or a list being filled
        row = min(max(table.cursor_row, 0), len(table.keys) - 1)
        key = table.keys[row]
        self._catch_up(walk=True)
        self.recording.tick(key, table.is_ticked(key))

    def _confirm_login(self, dialog: LoginDialog) -> None:
        manager_id = dialog.query_one("#manager-id", PanelInput).value
        pin = dialog.query_one("#manager-pin", PanelInput).value
        self._login = (dialog.machine, manager_id, pin)
        self._login_opened_by = self._login_opened_by or self._last_input

    def _confirm_user_login(self, dialog: UserLoginDialog) -> None:
        self._user_login = (dialog.machine, dialog.query_one("#user-name", PanelInput).value.strip())

    # --- what the fleet's state tells ---------------------------------------------------------------

    def _catch_up(self, *, walk: bool = False) -> None:
        """Writes what happened since the last step without a message of its own: a clock jump, a login
        that succeeded, a walk to another machine (``walk``: the next step acts at a panel)."""
        fleet = self.app.fleet
        now = fleet.clock.now()
        if self._time is not None and now > self._time and fleet.clock.is_virtual:  # a real clock moves alone
            self.recording.add("goto", moment_text(now))
        self._time = now
        if self._login is not None:
            machine, manager_id, pin = self._login
            if fleet.panel.is_admin(machine) and not self._admin.get(machine):
                if machine != self._machine:
                    self._walk(machine)
                self.recording.login(manager_id, pin, keep_pin=self.keep_pins,
                                     before_last=self._login_opened_by == "press")
            self._login = None
            self._login_opened_by = ""
        here = self.app.machine
        if self._admin.get(here) and not fleet.panel.is_admin(here):  # F4 or the palette logged out here
            if here != self._machine:
                self._walk(here)
            self.recording.add("logout")
        if self._user_login is not None:
            machine, user = self._user_login
            if user and fleet.users.logged_in_user(machine) == user:
                self.recording.add("sync", {"login": {"machine": machine, "user": user}})
            self._user_login = None
        if walk and self.app.machine != self._machine:
            self._walk(self.app.machine)
        self._admin = {name: fleet.panel.is_admin(name) for name in fleet.running}

    def _walk(self, machine: str) -> None:
        self._machine = machine
        self.recording.add("at", machine)


def _is_menu_key(button: Button) -> bool:
    """True when the button opens a menu node (a menu page's key), so it continues a menu path."""
    return button.has_class("menu-key")


def _field_label(field: Input) -> str:
    if isinstance(field, PanelInput):
        return field.field_label
    return str(field.border_title or field.placeholder or field.id or "field")
