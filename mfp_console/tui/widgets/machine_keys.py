"""The keys beside a machine's screen: ``Home``, ``Status Monitor``, ``Energy Saver``,
``Counter/Device Information``, ``Reset`` (issue 13, M-10). (The ``Settings/Registration`` key and the
emulator's ``Remote UI`` key stand in the row above the screen, :class:`~.panel_parts.KeyRow`.)

They are hard keys on a real machine, not touch buttons of its screen, so they sit in a strip of their own
under the screen, drawn as keys; what each does is done by the :class:`MachinePanel` they belong to (it
hears :class:`KeyStrip.Pressed`). When the screen is covered (off, updating, in error) only the keys that
still work on a real machine stay usable: ``Energy Saver`` wakes a sleeping machine.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button

from mfp_console.domain.machine import PowerState
from mfp_console.tui.widgets.touch import TouchButton

__all__ = ["MACHINE_KEYS", "KeyStrip"]

MACHINE_KEYS: tuple[tuple[str, str], ...] = (
    ("home", "Home"),
    ("status", "Status Monitor"),
    ("energy", "Energy Saver"),
    ("counter", "Counter/Device Information"),
    ("reset", "Reset"),
)
"""``(key, label)`` of each key in the strip, in the order they stand."""


class KeyStrip(Horizontal):
    """The strip of hard keys under a machine's screen."""

    DEFAULT_CSS = """
    KeyStrip { height: 1; padding: 0 0 0 1; background: $panel-darken-1; }
    KeyStrip > TouchButton { margin: 0; min-width: 4; }
    """

    class Pressed(Message):
        """A key of the strip was pressed."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def compose(self) -> ComposeResult:
        for key, label in MACHINE_KEYS:
            yield TouchButton(label, key=key, id=f"hard-{key}", compact=True,
                              classes="hard-key", tooltip=_TIPS[key])

    def enable_for(self, power: PowerState, covered: bool) -> None:
        """Greys the keys a covered screen does not take: all while off, all but ``Energy Saver`` while
        asleep, all but ``Status Monitor`` and ``Counter/Device Information`` while updating or in error."""
        for button in self.query(TouchButton):
            if power is PowerState.OFF:
                usable = False
            elif power is PowerState.SLEEP:
                usable = button.key == "energy"
            elif covered:
                usable = button.key in ("status", "counter")
            else:
                usable = True
            button.disabled = not usable

    @on(Button.Pressed, ".hard-key")
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        assert isinstance(event.button, TouchButton)
        self.post_message(self.Pressed(event.button.key))


_TIPS = {
    "home": "The Home key: back to the top of the menu",
    "status": "Status Monitor: the machine's jobs and state",
    "energy": "Energy Saver: Sleep mode, or wake up (M-10)",
    "counter": "Counter/Device Information: model, serial number, firmware, address",
    "reset": "Reset: ends the login and returns to the top",
}
