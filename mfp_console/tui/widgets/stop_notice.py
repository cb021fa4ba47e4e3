"""Why the panel cannot open, said on the panel itself: the fleet could not start, or its state folder is in
use by another process.

The app used to end at once with the reason as its exit message. In a terminal that message is printed after
the screen is restored; in a browser (``mfp-console serve``) the app's output goes to the server's console
and the page only says "Session ended". So the reason stays on screen until the operator closes it; then
the app ends with the same text as its exit message (exit status 1).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from mfp_console.tui.widgets.touch import TouchButton

__all__ = ["StopNotice", "in_use_text"]


class StopNotice(Vertical):
    """A title, the reason and ``<Close>``; closing ends the app with the reason as its message.

    Args:
        title: The first line, e.g. ``State folder in use``.
        text: What happened and what to do.
    """

    DEFAULT_CSS = """
    StopNotice { width: 80; max-width: 95%; height: auto; border: thick $error; background: $surface;
        padding: 0 1; }
    StopNotice #stop-title { text-style: bold; padding: 0 0 1 0; }
    StopNotice #stop-text { padding: 0 0 1 0; }
    StopNotice .dialog-keys { height: auto; align: right middle; }
    """
    BINDINGS: ClassVar = [Binding("escape", "close", "Close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__(id="stop-notice")
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        yield Static(Content(self.title_text), id="stop-title")
        yield Static(Content(self.text), id="stop-text")
        with Horizontal(classes="dialog-keys"):
            yield TouchButton("<Close>", key="close", variant="primary", id="stop-close")

    def on_mount(self) -> None:
        self.query_one("#stop-close").focus()

    @on(Button.Pressed, "#stop-close")
    def _close_pressed(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        """Ends the app; the reason becomes its exit message (printed on a terminal)."""
        self.app.exit(1, return_code=1, message=f"{self.title_text}: {self.text}")


def in_use_text(state_dir: str, owners: dict[str, int]) -> str:
    """The reason a panel cannot open on a state folder whose machines other processes run."""
    pids = sorted(set(owners.values()))
    if not pids:
        who = ""  # the other process ended meanwhile: opening the panel again will work
    elif len(pids) == 1:
        who = f" (pid {pids[0]})"
    else:
        who = f" (pids {', '.join(map(str, pids))})"
    return (
        f"This fleet's state folder is already in use by another mfp-console process{who}: a panel in "
        "another browser tab or terminal, or 'mfp-console machine'. Its machines run there, so this panel "
        "has none to show.\n\n"
        "Close the other panel first, or open this one with another --state-dir.\n\n"
        f"State folder: {state_dir}"
    )
