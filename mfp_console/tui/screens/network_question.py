"""The ``<Network Settings>`` screen of a distribution (DID-03): turning ``<Settings/Registration Value>``
``<On>`` in ``<Manual Distribution>`` or in the ``<Set Auto Distribution>`` wizard opens it; the operator
chooses ``<Include>`` or ``<Exclude>``, then ``<OK>`` (seed 6A43-0H3, step 3 and step 5).

**(D)** ``<Exclude>`` is chosen when the screen first opens; Escape leaves the screen keeping the choice it
opened with (the first time that is ``<Exclude>``), and ``<Settings/Registration Value>`` stays ``<On>``.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button

from mfp_console.tui.screens.base import PanelDialog
from mfp_console.tui.screens.dialogs import DIALOG_CSS
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.touch import OnOffToggle, TouchButton

__all__ = ["NETWORK_LABEL", "NetworkSettingsDialog"]

NETWORK_LABEL = "<Network Settings>"
QUESTION = "Select whether to distribute the <Network Settings> device information."


class NetworkSettingsDialog(PanelDialog[bool]):
    """``<Network Settings>``: ``<Include>`` / ``<Exclude>``, then ``<OK>``; returns True for ``<Include>``.

    Args:
        include: The choice the screen opens with.
    """

    DEFAULT_CSS = DIALOG_CSS.format(cls="NetworkSettingsDialog") + """
    NetworkSettingsDialog #network-choice { height: auto; padding: 0 0 1 0; }
    NetworkSettingsDialog #network-choice > TouchButton { width: 13; }
    """
    BINDINGS: ClassVar = [Binding("escape", "keep", "Back")]

    def __init__(self, include: bool = False) -> None:
        super().__init__()
        self.opened_with = include

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(NETWORK_LABEL), classes="dialog-title")
            yield Static(Content(QUESTION), classes="dialog-text")
            yield OnOffToggle(NETWORK_LABEL, self.opened_with, id="network-choice", on_label="<Include>",
                              off_label="<Exclude>")
            with Horizontal(classes="dialog-keys"):
                yield TouchButton("<OK>", key="ok", variant="primary", id="network-ok")

    def on_mount(self) -> None:
        self.query_one("#network-choice .toggle-on" if self.opened_with else "#network-choice .toggle-off").focus()

    @property
    def include(self) -> bool:
        """``<Include>`` chosen now."""
        return self.query_one("#network-choice", OnOffToggle).value

    def action_keep(self) -> None:
        self.dismiss(self.opened_with)

    @on(Button.Pressed, "#network-ok")
    def _ok(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(self.include)
