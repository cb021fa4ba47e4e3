"""A menu page: the node's children as large touch buttons in a grid (a real machine's entries the emulator
does not emulate greyed out among them), and the "not built yet" page."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.widgets import Button

from mfp_console.domain.menu import FeatureStatus, MenuNode
from mfp_console.tui.pages.base import PanelPage
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.touch import TouchButton

__all__ = ["MenuPage", "PlannedPage"]

NOT_BUILT = "not built yet"


class MenuPage(PanelPage):
    """The children of a menu node as touch buttons; arrows move between them (the app's arrow keys,
    ``focus_moves``), Enter touches."""

    DEFAULT_CSS = """
    MenuPage > VerticalScroll { height: 1fr; }
    MenuPage Grid { grid-size: 2; grid-gutter: 1 2; height: auto; padding: 1 1; grid-rows: auto; }
    MenuPage.-narrow Grid { grid-size: 1; }
    MenuPage Grid > TouchButton { width: 100%; height: auto; min-height: 3; }
    MenuPage Grid > TouchButton.-planned { text-style: none; color: $text-muted; }
    MenuPage Grid > TouchButton.-not-emulated { text-style: none; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            with Grid():
                for child in self.node.children:
                    planned = child.feature is FeatureStatus.PLANNED
                    if not child.emulated:  # a real machine's entry, greyed out: the menu has its shape
                        yield TouchButton(child.panel_label, key=child.key, classes="-not-emulated",
                                          disabled=True, tooltip=child.note or None)
                        continue
                    yield TouchButton(
                        child.panel_label,
                        note=NOT_BUILT if planned else "",
                        key=child.key,
                        classes="menu-key -planned" if planned else "menu-key",
                        tooltip=child.note or None,
                    )

    def on_mount(self) -> None:
        self._fit(self.size.width)

    def on_resize(self) -> None:
        self._fit(self.size.width)

    def _fit(self, width: int) -> None:
        self.set_class(0 < width < 56, "-narrow")

    @on(Button.Pressed, ".menu-key")
    def _touched(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, TouchButton)
        self.post_message(self.OpenNode(event.button.key))


class PlannedPage(PanelPage):
    """Stands in for a screen whose feature is not built yet, so the path exists and says so (UI-01)."""

    def compose(self) -> ComposeResult:
        node: MenuNode = self.node
        yield Static(Content(f"{node.panel_label} — {NOT_BUILT}"), classes="page-title")
        text = "This screen belongs to a feature that is not built yet."
        if node.rules:
            text += f" It will serve rules {', '.join(node.rules)}."
        if node.note:
            text += f"\n\n{node.note}"
        yield Static(Content(text), classes="page-note")
        if node.children:
            yield Static(Content("\nIt will hold:"), classes="page-note")
            for child in node.children:
                yield Static(Content(f"  {child.panel_label}"), classes="page-note")
