"""What every screen of the panel shares: a focused control is scrolled into view only once the screen has
laid it out; and what every dialog over the panel shares: its own key footer (issue 14: over a dialog the
function keys that work there are listed, and only those)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from textual.geometry import Region
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

from mfp_console.tui.widgets.footer import KeysFooter

__all__ = ["FocusShownAfterLayout", "PanelDialog", "PanelScreen", "report_css"]

ResultType = TypeVar("ResultType")

if TYPE_CHECKING:
    _ScreenBase = Screen[Any]
else:  # a plain mixin at run time: Textual takes a screen's CSS from its first DOM base (ModalScreen's too)
    _ScreenBase = object


class FocusShownAfterLayout(_ScreenBase):
    """Mixed into a screen (before Textual's screen class): a newly focused control is scrolled into view
    after the screen's next layout, by the least scroll that shows it whole, measured on the laid-out screen.

    Textual decides in a callback that can run before the screen has laid out what was just mounted (a
    page opened and its first control focused in the same handler), and centres the control: judged on that
    half-done layout (a page whose scroll bar had just appeared, its fields still two columns wider than
    the page) the centring missed sideways and fell back to putting the field at the top, so
    ``<Import/Export>`` opened scrolled to its bottom, on a loaded machine only. Textual's own least scroll
    (``scroll_to_widget``) leaves a control a row short inside a padded grid, so the scroll here compares
    the control's region on screen with each scrolling container's window.
    """

    def set_focus(self, widget: Widget | None, scroll_visible: bool = True, from_app_focus: bool = False) -> None:
        super().set_focus(widget, scroll_visible=False, from_app_focus=from_app_focus)
        if widget is not None and scroll_visible and self.focused is widget:
            self.call_after_refresh(self._show_focused, widget)

    def _show_focused(self, widget: Widget) -> None:
        if self.focused is not widget or not widget.is_attached or self.can_view_entire(widget):
            return
        region = widget.region
        for container in widget.ancestors:
            if not isinstance(container, Widget) or container is self:
                break
            if not (container.allow_vertical_scroll or container.allow_horizontal_scroll):
                continue
            delta = Region.get_scroll_to_visible(container.scrollable_content_region, region, top=False)
            dx = delta.x if container.allow_horizontal_scroll else 0
            dy = delta.y if container.allow_vertical_scroll else 0
            before = container.scroll_offset
            container.scroll_to(before.x + dx, before.y + dy, animate=False, immediate=True)
            moved = container.scroll_offset - before
            region = region.translate(-moved)


class PanelScreen(FocusShownAfterLayout, Screen[int]):
    """The screen the panel and its side views are composed on (the app's default screen)."""


class PanelDialog(FocusShownAfterLayout, ModalScreen[ResultType]):
    """A modal dialog of the panel, with a :class:`KeysFooter` of its own at the bottom of the terminal."""

    async def _on_mount(self) -> None:
        # ``_on_mount`` runs besides a subclass's own ``on_mount`` (Textual dispatches both along the MRO).
        await self.mount(KeysFooter())


def report_css(screen: str, prefix: str, height: str) -> str:
    """The CSS of a report window over the panel (a pre-flight check, a join preview): a bold title, a muted
    lead, a scrolling body and the keys on the right, with ids ``{prefix}-title``, ``-what``, ``-scroll``,
    ``-body`` and ``-keys``."""
    return f"""
    {screen} {{ align: center middle; }}
    {screen} > Vertical {{
        width: 100; max-width: 98%; height: {height}; border: thick $warning; background: $surface; padding: 0 1;
    }}
    {screen} #{prefix}-title {{ text-style: bold; height: auto; }}
    {screen} #{prefix}-what {{ color: $text-muted; height: auto; padding: 0 0 1 0; }}
    {screen} #{prefix}-scroll {{ height: 1fr; }}
    {screen} #{prefix}-body {{ height: auto; }}
    {screen} #{prefix}-keys {{ height: auto; align: right middle; }}
    {screen} #{prefix}-keys > TouchButton {{ margin: 0 0 0 1; min-width: 12; }}
    """
