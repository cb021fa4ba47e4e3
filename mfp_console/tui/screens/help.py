"""The F1 help screen: the panel's anatomy and every key binding."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button

from mfp_console.tui.screens.base import PanelDialog
from mfp_console.tui.screens.dialogs import DIALOG_CSS
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.touch import TouchButton

__all__ = ["HelpScreen"]

ANATOMY = (
    "The panel in the centre is the control panel of the machine you stand at. Its header names the machine, "
    "its model and state, and who is logged in. The Settings/Registration key opens the menu; the breadcrumb "
    "shows the path; touch (click) a button or move with the arrow keys and press Enter. <Management Settings> "
    "asks for the System Manager ID and PIN (M-03). The bar at the bottom holds <Back>, <Next>, <OK>, <Cancel>; "
    "under the screen are the machine's keys Home, Status Monitor, Energy Saver, Counter/Device Information "
    "and Reset. The Remote UI key opens the machine's Remote UI pages in a window of their own.",
    "Around the panel: the clock (machine time; under a virtual clock <Next Event> jumps to the next scheduled "
    "event), the machine switcher (walk to another machine: its own panel, in its own state), the fault panel "
    "(power, printing, network, TLS key, PIN, error), the fleet view and the event log. On a small terminal "
    "F6 and F7 show the side column and the fleet view/event log. Ctrl+P opens the command palette.",
    "Over a dialog, its own footer lists the keys that work there: its own, and F1, F6–F10 and F12. F10 "
    "switches instructor mode: the panel then names the rules and the emulator's error codes.",
)
"""Paragraphs, wrapped once, by the screen, to the width it has (never by hand as well)."""


class HelpScreen(PanelDialog[None]):
    """Lists the key bindings and explains the screen."""

    DEFAULT_CSS = DIALOG_CSS.format(cls="HelpScreen") + """
    HelpScreen > Vertical { width: 100; height: auto; max-height: 90%; }
    HelpScreen #help-body { height: auto; max-height: 100%; }
    HelpScreen #help-keys { height: auto; padding: 0 0 1 0; }
    """
    BINDINGS: ClassVar = [Binding("escape", "close", "Close help")]

    def __init__(self, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = tuple(keys)

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll(id="help-body"):
                yield Static(Content("mfp-console — help"), classes="dialog-title")
                for paragraph in ANATOMY:
                    yield Static(Content(paragraph), classes="dialog-text")
                width = max((len(k) for k, _ in self.keys), default=4) + 2
                lines = [f"{key.ljust(width)}{what}" for key, what in self.keys]
                yield Static(Content("\n".join(lines)), id="help-keys")
            with Horizontal(classes="dialog-keys"):
                yield TouchButton("<Close>", key="close", variant="primary", id="help-close")

    def on_mount(self) -> None:
        self.query_one("#help-close").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#help-close")
    def _close(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)
