"""The user login of a machine with user authentication (SYNC-08), beside the Administrator's keypad login.

A login user types a user name (and a password, which the emulated login service accepts as it is, **D**);
on a synchronized machine the engine then pulls that user's personalized data from the server. The
dialog only asks the facade (``fleet.users.login_user``); a refusal is shown in the dialog with its rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button

from mfp_console.errors import MfpError, RuleRefusal
from mfp_console.tui.screens.base import PanelDialog
from mfp_console.tui.screens.dialogs import DIALOG_CSS
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.touch import PanelInput, TouchButton

if TYPE_CHECKING:
    from mfp_console.engine.fleet import Fleet

__all__ = ["UserLoginDialog"]


class UserLoginDialog(PanelDialog[bool]):
    """User name and password; dismisses True once the user is logged in at ``machine``.

    Args:
        fleet: The fleet facade.
        machine: The machine whose panel asks.
    """

    DEFAULT_CSS = DIALOG_CSS.format(cls="UserLoginDialog") + """
    UserLoginDialog > Vertical { width: 56; }
    UserLoginDialog #user-login-status { height: auto; min-height: 1; color: $text-warning; }
    """
    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, fleet: Fleet, machine: str) -> None:
        super().__init__()
        self.fleet = fleet
        self.machine = machine

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(f"Log In — {self.machine}: login user (User Authentication)"),
                         classes="dialog-title")
            yield PanelInput("User Name", id="user-name", max_length=32)
            yield PanelInput("Password", id="user-password", password=True, max_length=32)
            yield Static(Content("Personal settings follow the user to every synchronized machine (SYNC-08)."),
                         classes="dialog-text")
            yield Static(id="user-login-status")
            with Horizontal(classes="dialog-keys"):
                yield TouchButton("<Log In>", key="login", variant="primary", id="user-login-ok")
                yield TouchButton("<Cancel>", key="cancel", id="user-login-cancel")

    def on_mount(self) -> None:
        self.query_one("#user-name").focus()

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(PanelInput.Submitted, "#user-name")
    def _name_entered(self) -> None:
        self.query_one("#user-password").focus()

    @on(PanelInput.Submitted, "#user-password")
    def _password_entered(self) -> None:
        self.log_in()

    @on(Button.Pressed, "#user-login-ok")
    def _ok(self, event: Button.Pressed) -> None:
        event.stop()
        self.log_in()

    @on(Button.Pressed, "#user-login-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(False)

    def log_in(self) -> None:
        """Logs the typed user in through the facade; a refusal stays in the dialog with its rule."""
        user = self.query_one("#user-name", PanelInput).value
        password = self.query_one("#user-password", PanelInput).value
        try:
            self.fleet.users.login_user(self.machine, user, password)
        except RuleRefusal as exc:
            self._status(f"{exc.reason} ({exc.rule_id})" if exc.rule_id else exc.reason)
        except MfpError as exc:
            self._status(str(exc))
        else:
            self.dismiss(True)

    def _status(self, text: str) -> None:
        self.query_one("#user-login-status", Static).update(Content(text))
