"""The key footer: every key that works on the screen shown, on as many lines as the width needs.

Textual's footer shows one line and cuts what does not fit (at 80 columns it dropped F5, F8 and F12 and
ended in ``f6 S``), and over a dialog it shows nothing of the app's keys. This footer asks the app which
keys work where it stands (:meth:`~mfp_console.tui.app.MfpConsoleApp.footer_keys`): on the panel every
key; on a dialog the dialog's own keys and the function keys that work over it. A key is touched like a
button: clicking it presses it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.widgets import Static

__all__ = ["KeysFooter", "footer_lines"]

FooterKey = tuple[str, str, str]
"""``(key, shown as, label)``, e.g. ``("f1", "F1", "Help")``."""

SEPARATOR = " "
"""Between keys. Each key is drawn in the footer's key colour, its label in the text colour."""


def _item(shown: str, label: str) -> str:
    return f"{shown} {label}"


PADDING = 1
"""Cells left free at each end of a footer line."""


def footer_lines(keys: Sequence[FooterKey], width: int) -> list[list[FooterKey]]:
    """The keys laid out in the lines of a footer ``width`` cells wide (a key and its label never split)."""
    width -= 2 * PADDING
    lines: list[list[FooterKey]] = [[]]
    used = 0
    for key in keys:
        size = cell_len(_item(key[1], key[2]))
        if lines[-1] and used + len(SEPARATOR) + size > width:
            lines.append([])
            used = 0
        used += size + (len(SEPARATOR) if lines[-1] else 0)
        lines[-1].append(key)
    return lines


class KeysFooter(Static):
    """The keys that work on this footer's screen, wrapped to its width."""

    DEFAULT_CSS = """
    KeysFooter { dock: bottom; height: 1; width: 1fr; padding: 0 1; background: $footer-background;
        color: $footer-foreground; }
    """

    def __init__(self) -> None:
        super().__init__(id="keys-footer")
        self._keys: tuple[FooterKey, ...] = ()
        self._hits: list[tuple[int, int, int, str]] = []

    def on_mount(self) -> None:
        self.refresh_keys()

    def on_resize(self) -> None:
        self._paint()

    def refresh_keys(self) -> None:
        """Asks the app which keys work on this screen now, and shows them."""
        keys_of = getattr(self.app, "footer_keys", None)
        keys = tuple(keys_of(self.screen)) if callable(keys_of) else ()
        if keys != self._keys:
            self._keys = keys
            self._paint()

    @property
    def keys(self) -> tuple[FooterKey, ...]:
        """The keys shown, in order."""
        return self._keys

    def _paint(self) -> None:
        width = self.size.width or self.app.size.width
        lines = footer_lines(self._keys, width)
        self._hits = []
        parts: list[Content | str] = []
        for row, line in enumerate(lines):
            if row:
                parts.append("\n")
            x = PADDING
            for index, (key, shown, label) in enumerate(line):
                if index:
                    parts.append(SEPARATOR)
                    x += len(SEPARATOR)
                parts.append(Content.styled(shown, "bold $footer-key-foreground"))
                parts.append(Content(f" {label}"))
                size = cell_len(_item(shown, label))
                self._hits.append((row, x, x + size, key))
                x += size
        self.update(Content.assemble(*parts))
        self.styles.height = max(len(lines), self._covers())

    def _covers(self) -> int:
        """On a dialog, the lines of the panel's footer beneath (covered whole, never half)."""
        stack = self.app.screen_stack
        keys_of = getattr(self.app, "footer_keys", None)
        if self.screen is stack[0] or not callable(keys_of):
            return 0
        return len(footer_lines(keys_of(stack[0]), self.size.width or self.app.size.width))

    async def _on_click(self, event: events.Click) -> None:
        for row, start, end, key in self._hits:
            if event.y == row and start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return
