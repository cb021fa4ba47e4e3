"""The Administrator login with its numeric keypad (M-02, M-03): ID, PIN, tries left, lockout countdown.

The dialog asks the facade for everything: whether the ID/PIN match, how many tries are left (the
refusal says it) and how long logins stay locked, in machine time. Under a virtual clock the countdown
moves when the clock is advanced; the app calls :meth:`LoginDialog.refresh_lock` after each advance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button

from mfp_console.errors import AuthError, LockedOut, RuleRefusal
from mfp_console.tui.screens.base import PanelDialog
from mfp_console.tui.screens.dialogs import DIALOG_CSS
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.panel_parts import format_countdown
from mfp_console.tui.widgets.touch import PanelInput, TouchButton

if TYPE_CHECKING:
    from mfp_console.engine.fleet import Fleet

__all__ = ["LoginDialog"]

_KEYPAD = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back")
_KEYPAD_LABELS = {"clear": "<C>", "back": "<←>"}


class LoginDialog(PanelDialog[bool]):
    """System Manager ID and PIN with a keypad; dismisses True once the Administrator is logged in.

    Args:
        fleet: The fleet facade.
        machine: The machine whose panel asks.
    """

    DEFAULT_CSS = DIALOG_CSS.format(cls="LoginDialog") + """
    LoginDialog > Vertical { width: 60; }
    LoginDialog #login-body { height: auto; }
    LoginDialog #login-fields { width: 1fr; height: auto; }
    LoginDialog #keypad { grid-size: 3; grid-gutter: 0 1; width: 28; height: auto; margin: 0 0 0 1; }
    LoginDialog #keypad > TouchButton { width: 100%; min-width: 4; }
    LoginDialog #login-status { height: auto; min-height: 1; padding: 1 0 0 0; }
    LoginDialog.-wrong #login-status { color: $text-warning; }
    LoginDialog.-locked #login-status { color: $text-error; text-style: bold; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, fleet: Fleet, machine: str) -> None:
        super().__init__()
        self.fleet = fleet
        self.machine = machine
        self._was_locked = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(f"Log In — {self.machine}: System Manager ID and PIN"), classes="dialog-title")
            with Horizontal(id="login-body"):
                with Vertical(id="login-fields"):
                    yield PanelInput("System Manager ID", id="manager-id", restrict=r"[0-9]*", max_length=7)
                    yield PanelInput(
                        "System Manager PIN", id="manager-pin", restrict=r"[0-9]*", max_length=7, password=True
                    )
                with Grid(id="keypad"):
                    for key in _KEYPAD:
                        button = TouchButton(_KEYPAD_LABELS.get(key, key), key=key, classes="keypad", compact=True)
                        button.can_focus = False
                        yield button
            yield Static(id="login-status")
            with Horizontal(classes="dialog-keys"):
                yield TouchButton("<Log In>", key="login", variant="primary", id="login-ok")
                yield TouchButton("<Cancel>", key="cancel", id="login-cancel")

    def on_mount(self) -> None:
        self.query_one("#manager-id").focus()
        self.refresh_lock()
        self.set_interval(0.5, self.refresh_lock, name="lock countdown")

    def refresh_lock(self) -> None:
        """Shows the lockout countdown (machine time) or clears it once logins unlock (M-03)."""
        try:
            left = self.fleet.panel.lock_seconds_left(self.machine)
        except RuleRefusal:
            left = 0.0
        locked = left > 0
        self.query_one("#login-ok", TouchButton).disabled = locked
        if locked:
            self._status(f"Logins are locked: {format_countdown(left)} left (machine time). (M-03)", "locked")
        elif self._was_locked:
            self._status("Logins are unlocked. Enter the System Manager ID and PIN.", "")
        self._was_locked = locked

    def _status(self, text: str, kind: str) -> None:
        self.query_one("#login-status", Static).update(Content(text))
        self.set_class(kind == "wrong", "-wrong")
        self.set_class(kind == "locked", "-locked")

    def _field(self) -> PanelInput:
        focused = self.focused
        if isinstance(focused, PanelInput):
            return focused
        return self.query_one("#manager-id", PanelInput)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(PanelInput.Submitted, "#manager-id")
    def _id_entered(self) -> None:
        self.query_one("#manager-pin").focus()

    @on(PanelInput.Submitted, "#manager-pin")
    def _pin_entered(self) -> None:
        self.log_in()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        button = event.button
        if not isinstance(button, TouchButton):
            return
        event.stop()
        if button.has_class("keypad"):
            field = self._field()
            if button.key == "clear":
                field.value = ""
            elif button.key == "back":
                field.action_delete_left()
            else:
                field.insert_text_at_cursor(button.key)
        elif button.key == "login":
            self.log_in()
        elif button.key == "cancel":
            self.dismiss(False)

    def log_in(self) -> None:
        """Tries the typed ID and PIN through the facade."""
        manager_id = self.query_one("#manager-id", PanelInput).value
        pin_field = self.query_one("#manager-pin", PanelInput)
        try:
            self.fleet.panel.login_admin(self.machine, manager_id, pin_field.value)
        except LockedOut:
            pin_field.value = ""
            self.refresh_lock()
        except AuthError as exc:
            pin_field.value = ""
            pin_field.focus()
            self._status(f"{exc.reason} ({exc.rule_id})" if exc.rule_id else exc.reason, "wrong")
        except RuleRefusal as exc:
            self._status(f"{exc.reason} ({exc.rule_id})" if exc.rule_id else exc.reason, "wrong")
        else:
            self.dismiss(True)
