"""The key-binding footer, rebuilt only when the keys it shows change.

Textual's footer rebuilds itself on every focus change, because the set of active bindings may change.
Touching panel buttons moves the focus all the time, and each rebuild costs more than the touch itself;
this footer compares what it would show with what it shows and rebuilds only when they differ.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

__all__ = ["PanelFooter"]


class PanelFooter(Footer):
    """A :class:`~textual.widgets.Footer` that skips rebuilds which would show the same keys."""

    _shown: tuple[tuple[str, str, bool], ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        shown = tuple(
            (binding.key, binding.description, enabled)
            for (_, binding, enabled, _) in screen.active_bindings.values()
            if binding.show
        )
        if shown == self._shown and self._bindings_ready:
            return
        if screen.app.app_focus:
            self._shown = shown
        super().bindings_changed(screen)
