"""What every dialog over the panel shares: its own key footer (issue 14: over a dialog the function keys
that work there are listed, and only those)."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

from mfp_console.tui.widgets.footer import KeysFooter

__all__ = ["PanelDialog"]

ResultType = TypeVar("ResultType")


class PanelDialog(ModalScreen[ResultType]):
    """A modal dialog of the panel, with a :class:`KeysFooter` of its own at the bottom of the terminal."""

    async def _on_mount(self) -> None:
        # ``_on_mount`` runs besides a subclass's own ``on_mount`` (Textual dispatches both along the MRO).
        await self.mount(KeysFooter())
