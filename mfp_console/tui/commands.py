"""Command palette provider: walk to a machine, open any menu node, inject a fault, move the clock."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from mfp_console.tui.app import MfpConsoleApp

__all__ = ["PanelCommands"]


class PanelCommands(Provider):
    """The panel's commands, built fresh at each search so fault labels follow machine state."""

    @property
    def _app(self) -> MfpConsoleApp:
        return self.app  # type: ignore[return-value]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._app.palette_commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)

    async def discover(self) -> Hits:
        for title, callback, help_text in self._app.palette_commands():
            if title.startswith("Go to machine"):
                yield DiscoveryHit(title, callback, text=title, help=help_text)
