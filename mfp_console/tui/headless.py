"""No frames that nobody sees: a headless panel renders the screen only when something reads it.

Textual composes an update of every changed region at each refresh and hands it to the driver; headless
(the tests' pilot, the scenario runner's panel) the driver drops it. Composing those frames was about a third
of a pilot test's time. An app that sets ``frames_on_demand`` skips them when headless; whatever reads the
screen renders it whole at that moment (``App.export_screenshot``, the panel driver's ``screen_text``),
so what is read is exactly what a terminal would show.

Reads Textual internals (pinned exactly in pyproject.toml): ``Screen._compositor_refresh`` has no public hook.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

__all__ = ["render_frames_on_demand"]

_original_refresh = Screen._compositor_refresh


def _refresh(self: Screen[Any]) -> None:
    app = self.app
    if getattr(app, "frames_on_demand", False) and app.is_headless and not app.is_inline and self is app.screen:
        self._compositor._dirty_regions.clear()  # a reader renders the whole screen anyway
        self._dirty_widgets.clear()
        app._update_mouse_over(self)
        return
    _original_refresh(self)


def render_frames_on_demand() -> None:
    """Installs the skip for apps that ask for it (idempotent; other apps render as before)."""
    if Screen._compositor_refresh is not _refresh:
        Screen._compositor_refresh = _refresh  # type: ignore[method-assign]
