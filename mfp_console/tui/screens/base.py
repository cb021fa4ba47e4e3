"""What every dialog over the panel shares: its own key footer (issue 14: over a dialog the function keys
that work there are listed, and only those)."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

from mfp_console.tui.widgets.footer import KeysFooter

__all__ = ["PanelDialog", "report_css"]

ResultType = TypeVar("ResultType")


class PanelDialog(ModalScreen[ResultType]):
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
