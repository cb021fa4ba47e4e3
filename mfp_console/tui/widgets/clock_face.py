"""The clock (UI-05): machine time, real or virtual; under a virtual clock, ``<Next Event>`` jumps to the
next scheduled event and ``+1 min``/``+5 min`` move time on (e.g. to watch a login lockout run out)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Static

from mfp_console.tui.widgets.touch import TouchButton

if TYPE_CHECKING:
    from mfp_console.clock import Clock

__all__ = ["ClockFace"]


class ClockFace(Vertical):
    """Machine time and, under a virtual clock, the buttons that move it."""

    DEFAULT_CSS = """
    ClockFace { height: auto; padding: 0 1; }
    ClockFace #clock-time { text-style: bold; }
    ClockFace #clock-next { color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    ClockFace > Horizontal { height: auto; }
    ClockFace > Horizontal > TouchButton { margin: 0 1 0 0; }
    """

    class Advance(Message):
        """Move virtual time: to the next scheduled event (``seconds`` None) or by ``seconds``."""

        def __init__(self, seconds: float | None) -> None:
            super().__init__()
            self.seconds = seconds

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.border_title = "Clock (virtual)" if clock.is_virtual else "Clock"

    def compose(self) -> ComposeResult:
        yield Static(id="clock-time")
        yield Static(id="clock-next")
        if self.clock.is_virtual:
            with Horizontal():
                yield TouchButton("<Next Event>", key="next", id="clock-jump", compact=True)
                yield TouchButton("+1 min", key="60", id="clock-plus-1", compact=True)
                yield TouchButton("+5 min", key="300", id="clock-plus-5", compact=True)

    def on_mount(self) -> None:
        self.tick()
        if not self.clock.is_virtual:
            self.set_interval(1.0, self.tick, name="clock tick")

    def tick(self) -> None:
        """Shows the current machine time and the next scheduled event."""
        if not self.query("#clock-time"):  # an engine event that comes while the app shuts down
            return
        now = self.clock.now()
        self.query_one("#clock-time", Static).update(Content(f"{now:%Y-%m-%d %H:%M:%S} {now:%Z}".rstrip()))
        head = self.clock.next_timer()
        text = f"next: {head.when:%Y-%m-%d %H:%M} {head.label}".rstrip() if head else "next: nothing scheduled"
        self.query_one("#clock-next", Static).update(Content(text))

    @on(Button.Pressed)
    def _advance(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, TouchButton)
        key = event.button.key
        self.post_message(self.Advance(None if key == "next" else float(key)))
